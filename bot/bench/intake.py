"""Section 1: intake end to end, GridBot against a bare python-telegram-bot echo bot.

The sandbox runs here, in the benchmark's process; the bot runs in a child process and talks to
it over HTTP, as it talks to Telegram. The load driver (driver.py) acts in process on the sandbox
(no HTTP on its side, so it costs the measurement next to nothing): N residents each send their
reports one after the other, pressing the draft's submit button as soon as the draft arrives.
Latency is the time from the sandbox creating an update to the bot's reply (the draft; the edited
draft after a press) arriving in the sandbox.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

from bot.bench.common import percentile
from bot.bench.driver import Driver, plan_for
from bot.sandbox import FakeBotApi


async def run_bot(kind: str, residents: int, total: int, workdir: Path, timeout: float = 300, *,
                  sandbox: dict | None = None, think_s: float = 0.0, settle_limit: float = 30.0,
                  tag: str = "intake", database: str | None = None, processes: int = 1) -> dict:
    """Start the bot `kind` (see botproc.py) in a child process on a fresh sandbox (FakeBotApi keyword
    arguments in `sandbox`: latency, flood limits), drive the load for at most `timeout` s, return the figures.
    `database`: a PostgreSQL URL to run GridBot on (emptied first) instead of a fresh SQLite file.
    `gridbot-webhook` runs `processes` of them on one database behind a balancer (bot/bench/balancer.py).

    A run cut short by `timeout` reports what completed, with the actions still unanswered counted
    in the latencies at their wait so far (a lower bound)."""
    from bot.demo import DEMO_USERS

    api = FakeBotApi(users=DEMO_USERS, callback_ttl=3600, **(sandbox or {}))
    await api.start()
    db = database or workdir / f"{tag}-{kind}.db"
    if kind.startswith("gridbot"):
        await _fresh_db(db)
    log = open(workdir / f"{tag}-{kind}.log", "w")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    balancer = None
    args = [[kind, api.bot_api_url, str(db)]]
    if kind == "gridbot-webhook":
        from bot.bench.balancer import Balancer, free_port
        balancer = Balancer([free_port() for _ in range(processes)])
        url = await balancer.start()
        args = [[kind, api.bot_api_url, str(db), url, str(port)] for port in balancer.ports]
    spawned = time.monotonic()
    cut = False
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.bench.botproc", *a,
                                                  stdout=log, stderr=log, env=env) for a in args]
    proc = procs[0]
    ready = "getUpdates" if balancer is None else "setWebhook"
    try:
        while api.calls[ready] < len(procs):
            if any(p.returncode is not None for p in procs) or time.monotonic() - spawned > 60:
                raise RuntimeError(f"{kind} bot did not start; see {log.name}")
            await asyncio.sleep(0.005)
        start_s = api.first_call[ready] - spawned
        await asyncio.sleep(0.3)
        # A resident whose reply was refused waits for a retry: retry_after plus a round trip and a second.
        patience = 1.0 + api.latency.seconds + api.latency.jitter
        driver = Driver(api, plan_for(residents, total), think_s=think_s, patience_s=patience)
        driver.start()
        try:
            await asyncio.wait_for(driver.done.wait(), timeout)
        except asyncio.TimeoutError:
            cut = True
        driver.stop()
        ended = time.monotonic()
        unanswered = driver.in_flight(ended)
        settled = await _settle(driver, limit=settle_limit)
        rss_mb = _peak_rss_mb(proc.pid)
    finally:
        for each in procs:
            if each.returncode is None:
                each.send_signal(signal.SIGTERM)
        for each in procs:
            try:   # a bot cut short may have a long queue to drain at this latency; it need not finish it
                await asyncio.wait_for(each.wait(), 5 if cut else 20)
            except asyncio.TimeoutError:
                each.kill()
                await each.wait()
        log.close()
        if balancer is not None:
            await balancer.stop()
        await api.stop()
    seconds = max((driver.last or ended) - driver.first, 1e-9)
    both = driver.latency["message"] + driver.latency["callback_query"] + unanswered
    result = {
        "updates": driver.updates, "tickets": driver.tickets, "seconds": round(seconds, 3),
        "updates_per_s": round(driver.updates / seconds, 1), "tickets_per_s": round(driver.tickets / seconds, 1),
        "p50_ms": round(percentile(both, 50) * 1000, 1), "p95_ms": round(percentile(both, 95) * 1000, 1),
        "p99_ms": round(percentile(both, 99) * 1000, 1),
        "text_p95_ms": round(percentile(driver.latency["message"], 95) * 1000, 1),
        "press_p95_ms": round(percentile(driver.latency["callback_query"], 95) * 1000, 1),
        "start_s": round(start_s, 3), "peak_rss_mb": rss_mb,
        "errors": dict(driver.errors), "bot_exit": proc.returncode,
        "cut": cut, "in_flight": len(unanswered), "lost": driver.lost,
        "flood_refused": sum(api.flood.refused.values()), "flood_refused_staff": driver.refused["staff"],
        "flood_refused_by": dict(api.flood.refused_by),
    }
    if balancer is not None:
        result.update(processes=len(procs), served=list(balancer.served.values()),
                      webhook_redelivered=api.webhook.public()["redelivered"])
    if kind.startswith("gridbot"):
        result.update(_count_db(db), staff_messages=driver.staff_messages,
                      outbox_drained_s=round(settled, 3))
    return result


async def _fresh_db(path: Path | str) -> None:
    """A database with the demo district already imported, as a bot finds it on a restart."""
    from bot.app import build_deps
    from bot.config import Config

    if str(path).startswith("postgresql://"):
        import psycopg
        async with await psycopg.AsyncConnection.connect(str(path), autocommit=True) as conn:
            await conn.execute("DROP SCHEMA public CASCADE")
            await conn.execute("CREATE SCHEMA public")
        config = Config(database_url=str(path))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        config = Config(db_path=str(path))
    deps = await build_deps(config)
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


def _count_db(path: Path | str) -> dict:
    if str(path).startswith("postgresql://"):
        import psycopg
        with psycopg.connect(str(path)) as conn:
            tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
            outbox = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        return {"tickets_in_db": tickets, "outbox": outbox}
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
    for run in echo + grids:
        if run["cut"]:
            run["errors"]["timed out"] = 1
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
