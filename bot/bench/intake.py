"""Section 1: intake end to end, GridBot against a bare python-telegram-bot echo bot.

The sandbox runs here, in the benchmark's process; the bot runs in a child process and talks to
it over HTTP, as it talks to Telegram. The load driver acts in process on the sandbox (no HTTP on
its side, so it costs the measurement next to nothing): N residents each send their reports one
after the other, pressing the draft's submit button as soon as the draft arrives. Latency is the
time from the sandbox creating an update to the bot's reply (the draft; the edited draft after a
press) arriving in the sandbox.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.bench.common import percentile
from bot.sandbox import FakeBotApi
from bot.sandbox.control import press_button, send_text

PLACES = ["人民东路62号院", "人民东路88号院", "纺织路小学", "嵩山路12号院", "金桥花园", "天桥路8号院", "幸福小区",
          "翟庄新村", "阳光花园", "昌建外滩", "龙湖小区", "召陵村一组", "后谢村三组", "纺织厂家属院", "棉纺小区",
          "东方红小区"]
PROBLEMS = ["一下雨就积水，出不了门", "路灯坏了好几天，晚上黑漆漆的", "垃圾堆了好几天没人清运，臭气熏天",
            "楼下烧烤店噪音太大，半夜还在吵", "有人私搭乱建占用消防通道", "电动车充电桩坏了，没法充电",
            "下水道堵了，污水漫到路上", "小区电梯经常坏，老人上下楼困难", "路面塌陷了一个大坑，很危险"]
FIRST_RESIDENT = 7_000_000


def reports(count: int) -> list[str]:
    """`count` reports that classify and locate with the demo district (so each makes a draft to submit)."""
    texts = [f"{place}{problem}" for problem in PROBLEMS for place in PLACES]
    return [texts[i % len(texts)] for i in range(count)]


@dataclass
class Driver:
    """Residents acting on the sandbox in process; collects latencies from the sandbox's timestamps."""
    api: FakeBotApi
    plan: dict[int, list[str]]
    pending: dict[int, tuple[str, float, int]] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"message": [], "callback_query": []})
    errors: Counter = field(default_factory=Counter)
    first: float = 0.0
    last: float = 0.0
    tickets: int = 0
    updates: int = 0
    staff_messages: int = 0
    staff_last: float = 0.0

    def __post_init__(self) -> None:
        self.done = asyncio.Event()
        self.api.world.listeners.append(self.on_message)

    def start(self) -> None:
        self.first = time.monotonic()
        for chat_id in self.plan:
            self._next(chat_id)

    def _push(self, chat_id: int, kind: str, target: int, make) -> None:
        make()
        created = self.api.world.updates[-1].created          # the sandbox's own timestamp
        self.pending[chat_id] = (kind, created, target)
        self.updates += 1

    def _next(self, chat_id: int) -> None:
        texts = self.plan[chat_id]
        if texts:
            text = texts.pop()
            self._push(chat_id, "message", 0, lambda: send_text(self.api, chat_id, text))
        elif not self.pending:
            self.done.set()

    def _press(self, chat_id: int, message_id: int, data: str) -> None:
        self._push(chat_id, "callback_query", message_id,
                   lambda: press_button(self.api, chat_id, message_id, data))

    def on_message(self, msg, edited: bool) -> None:
        if not msg.outgoing:
            return
        now = time.monotonic()
        if msg.chat_id not in self.plan:
            self.staff_messages += 1                          # the outbox at work: offers to grid workers
            self.staff_last = now
            return
        state = self.pending.get(msg.chat_id)
        if state is None:
            self.errors["unexpected message"] += 1
            return
        kind, created, target = state
        loop = asyncio.get_running_loop()
        if kind == "message" and not edited:
            self.latency[kind].append(now - created)
            self.last = now
            del self.pending[msg.chat_id]
            data = _submit_data(msg.reply_markup)
            if data is None:
                self.errors["draft without a submit button"] += 1
                loop.call_soon(self._next, msg.chat_id)
            else:
                loop.call_soon(self._press, msg.chat_id, msg.message_id, data)
        elif kind == "callback_query" and edited and msg.message_id == target:
            self.latency[kind].append(now - created)
            self.last = now
            self.tickets += 1
            del self.pending[msg.chat_id]
            loop.call_soon(self._next, msg.chat_id)
        else:
            self.errors["unexpected message"] += 1


def _submit_data(markup: dict | None) -> str | None:
    buttons = [b for row in (markup or {}).get("inline_keyboard", []) for b in row if "callback_data" in b]
    for b in buttons:
        if b["callback_data"].endswith(":sub"):
            return b["callback_data"]
    return None


async def run_bot(kind: str, residents: int, total: int, workdir: Path, timeout: float = 300) -> dict:
    """Start the bot `kind` in a child process on a fresh sandbox, drive the load, return the figures."""
    from bot.demo import DEMO_USERS

    api = FakeBotApi(users=DEMO_USERS, callback_ttl=3600)
    await api.start()
    db = workdir / f"intake-{kind}.db"
    if kind == "gridbot":
        await _fresh_db(db)
    log = open(workdir / f"intake-{kind}.log", "w")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    spawned = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.bench.botproc", kind, api.bot_api_url, str(db),
        stdout=log, stderr=log, env=env)
    try:
        while "getUpdates" not in api.first_call:
            if proc.returncode is not None or time.monotonic() - spawned > 60:
                raise RuntimeError(f"{kind} bot did not start; see {log.name}")
            await asyncio.sleep(0.005)
        start_s = api.first_call["getUpdates"] - spawned
        await asyncio.sleep(0.3)
        texts = reports(total)
        plan = {FIRST_RESIDENT + i: [] for i in range(residents)}
        for i, text in enumerate(texts):
            plan[FIRST_RESIDENT + i % residents].append(text)
        driver = Driver(api, plan)
        driver.start()
        try:
            await asyncio.wait_for(driver.done.wait(), timeout)
        except asyncio.TimeoutError:
            driver.errors["timed out"] += 1
        settled = await _settle(driver)
        rss_mb = _peak_rss_mb(proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
        await api.stop()
    seconds = max(driver.last - driver.first, 1e-9)
    both = driver.latency["message"] + driver.latency["callback_query"]
    result = {
        "updates": driver.updates, "tickets": driver.tickets, "seconds": round(seconds, 3),
        "updates_per_s": round(driver.updates / seconds, 1), "tickets_per_s": round(driver.tickets / seconds, 1),
        "p50_ms": round(percentile(both, 50) * 1000, 1), "p95_ms": round(percentile(both, 95) * 1000, 1),
        "p99_ms": round(percentile(both, 99) * 1000, 1),
        "text_p95_ms": round(percentile(driver.latency["message"], 95) * 1000, 1),
        "press_p95_ms": round(percentile(driver.latency["callback_query"], 95) * 1000, 1),
        "start_s": round(start_s, 3), "peak_rss_mb": rss_mb,
        "errors": dict(driver.errors), "bot_exit": proc.returncode,
    }
    if kind == "gridbot":
        result.update(_count_db(db), staff_messages=driver.staff_messages,
                      outbox_drained_s=round(settled, 3))
    return result


async def _fresh_db(path: Path) -> None:
    """A database with the demo district already imported, as a bot finds it on a restart."""
    from bot.app import build_deps
    from bot.config import Config

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    deps = await build_deps(Config(db_path=str(path)))
    await deps.db.close()


async def _settle(driver: Driver, quiet: float = 1.0, limit: float = 30.0) -> float:
    """Wait until the outbox has been quiet for `quiet` s; return when its last message came (from the start)."""
    begun = time.monotonic()
    while time.monotonic() - begun < limit:
        last = max(driver.staff_last, driver.last)
        if time.monotonic() - last >= quiet:
            break
        await asyncio.sleep(0.1)
    return max(driver.staff_last - driver.first, 0.0)


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _count_db(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        outbox = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    return {"tickets_in_db": tickets, "outbox": outbox}


async def bench_intake(residents: int, total: int, workdir: Path, echo_runs: int = 2) -> dict:
    """Echo and GridBot alternately, the same number of runs each; each side's best run counts
    (fair on a noisy machine: neither side gets more chances than the other)."""
    echo, grids = [], []
    for _ in range(max(1, echo_runs)):
        echo.append(await run_bot("echo", residents, total, workdir))
        grids.append(await run_bot("gridbot", residents, total, workdir))
    base = {"updates_per_s": max(e["updates_per_s"] for e in echo), "p95_ms": min(e["p95_ms"] for e in echo),
            "p50_ms": min(e["p50_ms"] for e in echo), "p99_ms": min(e["p99_ms"] for e in echo)}
    grid = max(grids, key=lambda g: g["updates_per_s"])
    grid = {**grid, "p95_ms": min(g["p95_ms"] for g in grids), "p50_ms": min(g["p50_ms"] for g in grids),
            "p99_ms": min(g["p99_ms"] for g in grids), "runs": [
                {k: g[k] for k in ("updates_per_s", "p50_ms", "p95_ms", "p99_ms")} for g in grids]}
    return {
        "residents": residents, "reports": total, "gridbot": grid, "echo": echo, "echo_best": base,
        "throughput_ratio": round(grid["updates_per_s"] / base["updates_per_s"], 3),
        "p95_ratio": round(grid["p95_ms"] / max(base["p95_ms"], 1e-3), 3),
    }
