"""`gridbot doctor`: the real last sweep, the outbox backlog and its age, local times, exit status."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from bot.clock import iso
from bot.commands.doctor import text_report
from bot.services import health, sweep
from bot.services.health import check


async def test_healthy_after_a_sweep_unhealthy_when_it_stops_or_messages_wait(deps, clock):
    report = await check(deps.config, clock.now())
    assert (report["healthy"], report["problems"], report["last_sweep"]) == (False, ["sweep_never_ran"], None)
    await sweep.sweep(deps)
    clock.advance(seconds=30)
    report = await check(deps.config, clock.now())
    assert report["healthy"] and report["last_sweep"] == iso(clock.now() - timedelta(seconds=30))
    assert report["last_sweep_age"] == 30.0 and report["size_bytes"] > 0
    text = text_report(report, "Asia/Shanghai")
    assert "上次时限巡检  2026-11-26 10:00:00（30 秒前）" in text and text.endswith("结论          正常")

    async with deps.db.transaction() as tx:
        await deps.enqueue(tx, 10001, "text", {"text": "hi"}, iso(clock.now()))
    clock.advance(minutes=11)
    await sweep.sweep(deps)
    report = await check(deps.config, clock.now())
    assert report["problems"] == ["outbox_backlog"] and report["outbox_pending"] == 1
    assert report["outbox_oldest_pending_age"] == 11 * 60.0
    assert "待发消息积压" in text_report(report, "Asia/Shanghai")

    clock.advance(seconds=3 * 60 + 61)                    # three sweep intervals and a minute, and one second
    assert "sweep_stale" in (await check(deps.config, clock.now()))["problems"]
    assert health.sweep_allowance(deps.config) == timedelta(minutes=4)


def test_doctor_exit_status_and_json(tmp_path):
    env = {"GRIDBOT_DB": str(tmp_path / "none.db"), "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "bot", "doctor", "--json"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"healthy": False, "problems": ["database_missing"], "path": env["GRIDBOT_DB"],
                                       "database": "missing"}
    done = subprocess.run([sys.executable, "-m", "bot", "doctor"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "数据库文件不存在" in done.stdout and "{" not in done.stdout
