"""Section 4: the district's daily briefing over a year of tickets, and how it grows with the day's tickets."""
from __future__ import annotations

import math
import time
from pathlib import Path

from bot.bench import bigdb
from bot.bench.sweep import open_deps


async def _time(daily_briefing, deps, day, rounds: int = 2) -> tuple[float, float, int]:
    """First and best time of `rounds` briefings of `day`, and the day's new tickets."""
    times, new = [], 0
    for _ in range(rounds):
        begun = time.perf_counter()
        briefing = await daily_briefing(deps, day)
        times.append(time.perf_counter() - begun)
        new = briefing.counts.get("new", 0)
    return times[0], min(times), new


async def bench_briefing(path: Path | None) -> dict:
    try:
        from bot.services.briefing import daily_briefing
    except ImportError as exc:
        return {"available": False, "reason": f"bot.services.briefing: {exc}"}
    if path is None:
        return {"available": False, "reason": "no database (the sweep section did not run)"}
    deps = await open_deps(path)
    try:
        async with deps.db.read() as tx:
            tickets = await tx.scalar("SELECT count(*) FROM tickets")
        first, best, new = await _time(daily_briefing, deps, bigdb.local_day(1))
        _, small_s, small_n = await _time(daily_briefing, deps, bigdb.local_day(bigdb.SMALL_DAY_BACK))
        _, big_s, big_n = await _time(daily_briefing, deps, bigdb.local_day(bigdb.BIG_DAY_BACK))
    finally:
        await deps.db.close()
    growth = big_s / max(small_s, 1e-9)
    return {
        "available": True, "tickets": tickets, "day": bigdb.local_day(1).isoformat(), "day_tickets": new,
        "first_s": round(first, 4), "seconds": round(best, 4),
        "small_day_tickets": small_n, "small_day_s": round(small_s, 4),
        "big_day_tickets": big_n, "big_day_s": round(big_s, 4),
        "growth_ratio": round(growth, 3), "ticket_ratio": round(big_n / max(small_n, 1), 3),
        "growth_exponent": round(math.log(max(growth, 1e-9)) / math.log(max(big_n / max(small_n, 1), 1.0001)), 3),
    }
