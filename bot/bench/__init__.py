"""`gridbot bench`: how fast GridBot is, against the ceilings of its own stack, measured in the same run.

One module per section: intake (end to end, against an echo bot), network (intake with injected
latency under Telegram's flood limits, against sequential and concurrent echo bots), classify (against bare jieba),
sweep (10k open tickets, with and without a year of closed ones), briefing (over a year of
tickets), scale-out (intake by webhook with 1 and 2 processes on one database), and memory/start
(from the intake run's bot process). `run()` returns every figure;
report.py prints the table and the JSON line.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from bot.bench import machine


@dataclass(frozen=True)
class Sizes:
    residents: int = 200
    reports: int = 2000
    open_tickets: int = 10_000
    closed_tickets: int = 1_000_000
    classify_limit: int | None = None
    classify_rounds: int = 3
    echo_runs: int = 2
    network_residents: int = 100
    network_reports: int = 300
    network_latencies: tuple[int, ...] = (0, 50, 150, 300)   # round trips, ms
    network_think_s: float = 4.0                              # a resident's pause between reports
    network_run_s: float = 45.0                               # each run is cut after this
    scaleout_residents: int = 100
    scaleout_reports: int = 600
    scaleout_run_s: float = 30.0


FULL = Sizes()
QUICK = Sizes(residents=100, reports=600, closed_tickets=100_000, classify_limit=300, classify_rounds=2, echo_runs=1,
              network_reports=200, network_run_s=25.0, scaleout_reports=300, scaleout_run_s=20.0)
TINY = Sizes(residents=10, reports=40, open_tickets=400, closed_tickets=2_000, classify_limit=40, classify_rounds=1,
             echo_runs=1, network_residents=10, network_reports=10, network_latencies=(150,), network_think_s=0.3,
             network_run_s=8.0, scaleout_residents=10, scaleout_reports=20, scaleout_run_s=8.0)


async def _run(sizes: Sizes, workdir: Path, lexicon: str | None, log) -> dict:
    from bot.bench.briefing import bench_briefing
    from bot.bench.classify import bench_classify
    from bot.bench.intake import bench_intake
    from bot.bench.network import bench_network
    from bot.bench.scaleout import bench_scaleout
    from bot.bench.sweep import bench_sweep

    figures: dict = {"machine": machine.describe(), "sizes": sizes.__dict__}
    log("intake: echo bot and GridBot on the sandbox …")
    figures["intake"] = await bench_intake(sizes.residents, sizes.reports, workdir, sizes.echo_runs)
    log(f"network: latencies {sizes.network_latencies} ms, flood limits on, GridBot and two echo bots …")
    figures["network"] = await bench_network(sizes.network_residents, sizes.network_reports, workdir,
                                             sizes.network_latencies, sizes.network_think_s, sizes.network_run_s)
    log("scale-out: intake by webhook, 1 and 2 processes, on SQLite and PostgreSQL, 150 ms round trip …")
    figures["scaleout"] = await bench_scaleout(sizes.scaleout_residents, sizes.scaleout_reports, workdir,
                                               sizes.scaleout_run_s)
    log("classification …")
    figures["classify"] = bench_classify(workdir, lexicon, sizes.classify_limit, sizes.classify_rounds)
    log("sweep (building or copying the big database) …")
    figures["sweep"], big = await bench_sweep(workdir, sizes.open_tickets, sizes.closed_tickets)
    log("briefing …")
    try:
        figures["briefing"] = await bench_briefing(big)
    finally:
        if big is not None:
            from bot.bench.bigdb import remove
            remove(big)
    grid = figures["intake"]["gridbot"]
    figures["memory_start"] = {"peak_rss_mb": grid["peak_rss_mb"], "start_s": grid["start_s"],
                               "echo_peak_rss_mb": figures["intake"]["echo"][0]["peak_rss_mb"],
                               "echo_start_s": figures["intake"]["echo"][0]["start_s"]}
    return figures


def run(sizes: Sizes = FULL, workdir: Path | str = "var/bench", lexicon: str | None = None, log=print) -> dict:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    begun = time.perf_counter()
    figures = asyncio.run(_run(sizes, workdir, lexicon, log))
    figures["total_s"] = round(time.perf_counter() - begun, 1)
    return figures
