"""`gridbot bench` smoke test: every figure present and sane. Timing floors live in the output, never here."""
from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench.common import percentile
from bot.bench.report import sane
from bot.sandbox import FakeBotApi
from bot.sandbox.control import press_button, send_text

ROOT = Path(__file__).resolve().parents[1]


def test_percentile_nearest_rank():
    assert percentile([], 95) == 0.0
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(list(range(1, 101)), 95) == 95


async def test_sandbox_timestamps_updates_and_tells_listeners():
    api = FakeBotApi()
    seen = []
    api.world.listeners.append(lambda msg, edited: seen.append((msg.outgoing, edited)))
    sent = send_text(api, 10001, "路灯坏了")
    queued = api.world.updates[-1]
    assert queued.update_id == sent["update_id"] and queued.created > 0
    assert seen == [(False, False)]
    msg = api.world.add_message(10001, True, {"text": "请确认"},
                                reply_markup={"inline_keyboard": [[{"text": "✅ 提交", "callback_data": "d:k:sub"}]]})
    press_button(api, 10001, msg.message_id, "d:k:sub")
    assert api.world.updates[-1].update["callback_query"]["data"] == "d:k:sub"
    api.world.bump(msg)
    assert seen[-1] == (True, True)
    api.reset()
    assert api.world.listeners, "listeners survive a reset"


def test_bench_quick_reports_every_figure(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot", "bench", "--quick", "--tiny", "--workdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert "section" in proc.stdout and "intake" in proc.stdout           # the table came first
    machine = figures["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["sqlite"] and machine["jieba"]
    intake = figures["intake"]
    grid, echo = intake["gridbot"], intake["echo"][0]
    for run in (grid, echo):
        assert run["updates"] == 2 * run["tickets"] == 2 * intake["reports"]
        assert not run["errors"]
        for key in ("updates_per_s", "tickets_per_s", "p50_ms", "p95_ms", "p99_ms", "start_s", "peak_rss_mb"):
            assert sane(run[key]), (key, run[key])
        assert run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"]
    assert grid["tickets_in_db"] == intake["reports"]
    for key in ("throughput_ratio", "p95_ratio"):
        assert sane(intake[key])
    classify = figures["classify"]
    assert sane(classify["jieba_per_s"]) and sane(classify["default_per_s"]) and sane(classify["default_ratio"])
    for section, keys in (("sweep", ("ratio", "idle_ratio")), ("briefing", ("seconds", "growth_ratio"))):
        found = figures[section]
        if found["available"]:
            assert all(sane(found[k]) for k in keys), found
        else:
            assert found["reason"]
    if figures["sweep"]["available"]:
        assert figures["sweep"]["query_plan"]
        assert all(sane(figures["sweep"][size]["sweep_ms"]) for size in ("small", "big"))
    memory = figures["memory_start"]
    assert sane(memory["peak_rss_mb"]) and sane(memory["start_s"])
    network = figures["network"]
    assert [row["latency_ms"] for row in network["latencies"]] == [150]
    assert network["flood"]["on"] and network["flood"]["global_per_s"] == 30
    for row in network["latencies"]:
        for name in ("gridbot", "echo", "echo_concurrent"):
            run = row[name]
            for key in ("tickets_per_s", "p50_ms", "p95_ms", "flood_refused", "lost", "in_flight"):
                assert isinstance(run[key], (int, float)) and run[key] >= 0, (row["latency_ms"], name, key, run)
            assert isinstance(run["cut"], bool) and run["p50_ms"] <= run["p95_ms"]
            assert run["tickets"] + run["lost"] + run["in_flight"] <= network["reports"]
        assert row["gridbot"]["tickets"] > 0 and row["gridbot"]["bot_exit"] is not None
        assert isinstance(row["vs_echo_concurrent"], float)
    assert "network" in proc.stdout and "150 ms: tickets/s" in proc.stdout
    assert network["closed_loop"]["gridbot"]["tickets"] > 0 and "no pause" in proc.stdout
    assert {"network_150_tickets_per_s", "network_150_p95", "network_no_429"} <= set(figures["floors"])
    scaleout = figures["scaleout"]
    for name in ("sqlite_1", "sqlite_2") + (("postgres_1", "postgres_2") if scaleout["postgres"] else ()):
        run = scaleout["runs"][name]
        assert run["tickets_in_db"] == scaleout["reports"] and not run["errors"], (name, run)
        assert len(run["served"]) == int(name[-1]) and all(run["served"]) and sane(run["tickets_per_s"])
    assert sane(scaleout["ratios"]["sqlite_2"]) and "scaleout" in proc.stdout
    assert set(figures["floors"]) >= {"intake_throughput", "intake_p95", "classify_default", "peak_rss", "start"}
    assert all(isinstance(v, bool) for v in figures["floors"].values())
    assert math.isfinite(figures["total_s"])


async def test_driver_gives_a_refused_report_up_then_goes_on():
    from bot.bench.driver import FIRST_RESIDENT, Driver
    api = FakeBotApi(flood_limits=True)
    resident = FIRST_RESIDENT
    driver = Driver(api, {resident: ["第二条", "第一条"]}, think_s=0.05, patience_s=0.05)
    driver.start()
    await asyncio.sleep(0.01)
    assert driver.pending[resident][0] == "message"
    for listener in api.refusal_listeners:      # the bot's draft drew a 429 and is never retried
        listener(str(resident), "sendMessage", 0)
    await asyncio.sleep(0.2)
    assert driver.lost == 1 and driver.refused["residents"] == 1
    assert driver.pending[resident][0] == "message", "the next report went out after the think time"
    submit = {"inline_keyboard": [[{"text": "✅ 提交", "callback_data": "d:1:sub"}]]}
    draft = api.world.add_message(resident, True, {"text": "草稿"}, reply_markup=submit)
    await asyncio.sleep(0.01)
    assert driver.pending[resident][0] == "callback_query"
    api.world.bump(draft)
    await asyncio.wait_for(driver.done.wait(), 1)
    assert driver.tickets == 1 and not driver.errors and len(driver.latency["message"]) == 1
