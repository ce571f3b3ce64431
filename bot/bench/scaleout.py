"""Section "scaleout": intake by webhook with 1 and 2 GridBot processes on one database, on SQLite and
on PostgreSQL, in the same run, at a distance from Telegram.

The sandbox posts updates to a balancer (bot/bench/balancer.py) that spreads them over the processes,
each a `gridbot run --webhook` (botproc `gridbot-webhook`); every Bot API call and every webhook POST
crosses the injected round trip (150 ms, ±10 %). No pause between reports and no flood limits, so the
bots and their database set the pace. The baseline is 1 process on a fresh SQLite file. PostgreSQL
runs need GRIDBOT_BENCH_POSTGRES_URL (its public schema is dropped before each run: give the
benchmark a database of its own); without it they are reported as not available.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.bench.intake import run_bot

LATENCY_MS = 150
JITTER = 0.1
KEEP = ("updates", "tickets", "seconds", "updates_per_s", "tickets_per_s", "p50_ms", "p95_ms", "p99_ms",
        "tickets_in_db", "served", "webhook_redelivered", "errors", "cut", "lost", "bot_exit")
ENV_URL = "GRIDBOT_BENCH_POSTGRES_URL"


async def bench_scaleout(residents: int, total: int, workdir: Path, run_s: float,
                         postgres_url: str | None = None, counts: tuple[int, ...] = (1, 2)) -> dict:
    postgres_url = postgres_url or os.environ.get(ENV_URL, "")
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    sandbox = {"latency": LATENCY_MS / 1000, "jitter": LATENCY_MS / 1000 * JITTER}
    out: dict = {"residents": residents, "reports": total, "latency_ms": LATENCY_MS, "jitter": JITTER,
                 "run_s": run_s, "postgres": bool(postgres_url), "runs": {}}
    if not postgres_url:
        out["reason"] = f"set {ENV_URL} to a PostgreSQL database the benchmark may empty"
    engines = [("sqlite", None)] + ([("postgres", postgres_url)] if postgres_url else [])
    for engine, database in engines:
        for n in counts:
            run = await run_bot("gridbot-webhook", residents, total, workdir, run_s, sandbox=sandbox,
                                settle_limit=5.0, tag=f"scaleout-{engine}-{n}", database=database, processes=n)
            out["runs"][f"{engine}_{n}"] = {k: run[k] for k in KEEP if k in run}
    base = out["runs"]["sqlite_1"]["tickets_per_s"]
    out["ratios"] = {name: round(run["tickets_per_s"] / max(base, 1e-9), 3)
                     for name, run in out["runs"].items() if name != "sqlite_1"}
    return out


def rows(s: dict, row) -> list[tuple]:
    base = s["runs"]["sqlite_1"]
    head = f"{s['residents']} residents, {s['latency_ms']} ms round trip, no pause, by webhook"
    r = [row("scaleout", head, f"{s['reports']} reports", "1 process on SQLite")]
    for name, run in s["runs"].items():
        engine, n = name.rsplit("_", 1)
        served = "+".join(map(str, run.get("served", [])))
        r.append(row("scaleout", f"{engine}, {n} process{'es' if n != '1' else ''}: tickets/s (p50/p95 ms; served)",
                     f"{run['tickets_per_s']} ({run['p50_ms']}/{run['p95_ms']}; {served})",
                     f"{base['tickets_per_s']}", s["ratios"].get(name)))
    if not s["postgres"]:
        r.append(row("scaleout", "PostgreSQL", "not available", s["reason"]))
    return r
