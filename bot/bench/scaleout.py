"""Section "scaleout": intake on PostgreSQL against SQLite, in the same run, at a distance from Telegram.

The same residents, the same injected round trip (150 ms, ±10 %), no pause between reports and no
flood limits, so the bot (its database included) sets the pace: one GridBot process on a fresh
SQLite file, then one on the PostgreSQL database named by GRIDBOT_BENCH_POSTGRES_URL (its public
schema is dropped first: give the benchmark a database of its own). The ratio is PostgreSQL's
tickets/s over SQLite's.

Two processes on PostgreSQL need webhook mode (Telegram admits one poller per bot), which is another
branch's work: `processes` below is the hook; a run with 2 is reported as not available until then.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.bench.intake import run_bot

LATENCY_MS = 150
JITTER = 0.1
KEEP = ("tickets", "updates", "seconds", "tickets_per_s", "updates_per_s", "p50_ms", "p95_ms", "lost", "cut",
        "errors", "bot_exit", "tickets_in_db", "outbox")
ENV_URL = "GRIDBOT_BENCH_POSTGRES_URL"


async def bench_scaleout(residents: int, total: int, workdir: Path, run_s: float,
                         postgres_url: str | None = None, processes: tuple[int, ...] = (1,)) -> dict:
    postgres_url = postgres_url or os.environ.get(ENV_URL, "")
    out: dict = {"residents": residents, "reports": total, "latency_ms": LATENCY_MS, "jitter": JITTER,
                 "run_s": run_s, "available": bool(postgres_url)}
    if not postgres_url:
        out["reason"] = f"set {ENV_URL} to a PostgreSQL database the benchmark may empty"
        return out
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    sandbox = {"latency": LATENCY_MS / 1000, "jitter": LATENCY_MS / 1000 * JITTER}
    runs = {}
    for name, database in (("sqlite", None), ("postgres_1", postgres_url)):
        run = await run_bot("gridbot", residents, total, workdir, run_s, sandbox=sandbox, settle_limit=5.0,
                            tag="scaleout", database=database)
        runs[name] = {k: run[k] for k in KEEP if k in run}
    out.update(runs)
    out["postgres_2"] = None if 2 in processes else "needs webhook mode (several processes, one bot)"
    out["ratio_postgres_1"] = round(runs["postgres_1"]["tickets_per_s"] / max(runs["sqlite"]["tickets_per_s"], 1e-9), 3)
    return out


def rows(s: dict, row) -> list[tuple]:
    if not s.get("available"):
        return [row("scaleout", "PostgreSQL against SQLite", "not available", s["reason"])]
    q, p = s["sqlite"], s["postgres_1"]
    head = f"{s['residents']} residents, {s['latency_ms']} ms round trip, no pause"
    return [row("scaleout", f"{head}: 1 process on PostgreSQL, tickets/s", p["tickets_per_s"],
                f"SQLite {q['tickets_per_s']}", s["ratio_postgres_1"]),
            row("scaleout", "latency p50 / p95 ms, PostgreSQL", f"{p['p50_ms']} / {p['p95_ms']}",
                f"SQLite {q['p50_ms']} / {q['p95_ms']}", p["p95_ms"] / max(q["p95_ms"], 1e-3)),
            row("scaleout", "2 processes on PostgreSQL", "not available", s["postgres_2"] or "")]
