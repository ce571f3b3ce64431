"""Section "scale-out": intake by webhook with 1 and 2 GridBot processes on one database, in the same run.

The sandbox posts updates to a balancer (bot/bench/balancer.py) that spreads them over the processes,
each a `gridbot run --webhook` (botproc `gridbot-webhook`, rate limiter off); every Bot API call and
every webhook POST crosses the injected round trip. The residents and reports are those of the intake
section. The ratio is 2 processes' updates/s over 1's. `engine` names the database: "sqlite" (one file,
one writer at a time across the processes).
TODO(wt15a): "postgresql" once GRIDBOT_DATABASE_URL lands: the bot processes get the URL instead of the
file, and a fresh database per run replaces _fresh_db.
"""
from __future__ import annotations

from pathlib import Path

from bot.bench.intake import run_bot

KEEP = ("updates", "tickets", "seconds", "updates_per_s", "tickets_per_s", "p50_ms", "p95_ms", "p99_ms",
        "tickets_in_db", "served", "webhook_redelivered", "errors", "cut", "lost")
ENGINES = ("sqlite",)


async def bench_scaleout(residents: int, total: int, workdir: Path, latency_ms: int = 50,
                         counts: tuple[int, ...] = (1, 2), engine: str = "sqlite", timeout: float = 300) -> dict:
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} not available here; one of {', '.join(ENGINES)}")
    sandbox = {"latency": latency_ms / 1000, "jitter": latency_ms / 1000 * 0.1}
    runs = {}
    for n in counts:
        run = await run_bot("gridbot-webhook", residents, total, workdir, timeout, sandbox=sandbox,
                            tag=f"scaleout-{engine}-{n}", processes=n)
        runs[n] = {k: run[k] for k in KEEP if k in run}
    out = {"engine": engine, "latency_ms": latency_ms, "residents": residents, "reports": total,
           "processes": {str(n): r for n, r in runs.items()}}
    if 1 in runs and 2 in runs:
        out["ratio_2_to_1"] = round(runs[2]["updates_per_s"] / max(runs[1]["updates_per_s"], 1e-9), 3)
    return out
