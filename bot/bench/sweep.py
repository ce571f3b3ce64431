"""Section 3: one deadline sweep over 10,000 open tickets, then over the same plus a year of closed ones.

Each database gets a working sweep (the ~5 % of open tickets that are due get their alerts) and
then an idle one (nothing left to send: the query alone); the floor compares the working sweeps.
"""
from __future__ import annotations

import time
from pathlib import Path

from bot.bench import bigdb


class FixedClock:
    def now(self):
        return bigdb.NOW


async def open_deps(path: Path):
    from bot.app import build_deps
    from bot.config import Config
    return await build_deps(Config(db_path=str(path)), clock=FixedClock())


async def _sweeps(path: Path, sweep) -> dict:
    deps = await open_deps(path)
    try:
        begun = time.perf_counter()
        result = await sweep(deps)
        working = time.perf_counter() - begun
        begun = time.perf_counter()
        await sweep(deps)
        idle = time.perf_counter() - begun
        async with deps.db.read() as tx:
            tickets = await tx.scalar("SELECT count(*) FROM tickets")
    finally:
        await deps.db.close()
    return {"tickets": tickets, "sweep_ms": round(working * 1000, 2), "idle_sweep_ms": round(idle * 1000, 2),
            "alerted_tickets": result.tickets, "messages": result.messages}


async def bench_sweep(workdir: Path, open_: int, closed: int) -> tuple[dict, Path | None]:
    """Returns the figures and the big working database (kept for the briefing section)."""
    try:
        from bot.services.sweep import sweep, sweep_query_plan
    except ImportError as exc:
        return {"available": False, "reason": f"bot.services.sweep: {exc}"}, None
    small = await bigdb.prepare(workdir, "sweep-open", 0, open_)
    big = await bigdb.prepare(workdir, "sweep-big", closed, open_)
    try:
        first = await _sweeps(small, sweep)
    finally:
        bigdb.remove(small)
    second = await _sweeps(big, sweep)
    deps = await open_deps(big)
    try:
        plan = await sweep_query_plan(deps)
    finally:
        await deps.db.close()
    return {
        "available": True, "open": open_, "closed": closed, "small": first, "big": second,
        "ratio": round(second["sweep_ms"] / max(first["sweep_ms"], 1e-6), 3),
        "idle_ratio": round(second["idle_sweep_ms"] / max(first["idle_sweep_ms"], 1e-6), 3),
        "query_plan": plan,
    }, big
