"""Section "network": intake at a distance from Telegram, under Telegram's flood limits.

For each injected round trip (0, 50, 150, 300 ms, ±10 % jitter) the sandbox delays every Bot API
call and enforces the flood limits (30 messages/s overall, bursts of 3 per 3 s in a chat). Three
bots face the same residents, each in a fresh sandbox and process: GridBot with its own pacing
(botproc `gridbot-paced`), and the PTB echo bot one update at a time (`echo`) and concurrently
(`echo-concurrent`), the ceiling of the stack at that distance.

Residents pause `think_s` after each ticket (and start spread over one think time), so they offer
about N/think_s reports a second: 25/s for 100 residents and 4 s, below Telegram's 30 messages a
second yet above what a bot sending a draft and a worker's offer per report may send unpaced.
With no pause, 100 residents always waiting on a bot that may send 30 messages a second queue for
about 100/30 s whatever the bot does (Little's law), and the p95 floor would measure the driver.
Each run is cut after `run_s`; it then reports what completed (see intake.run_bot).
"""
from __future__ import annotations

import logging
from pathlib import Path

from bot.bench.intake import run_bot
from bot.sandbox.network import FloodLimits

BOTS = {"gridbot": "gridbot-paced", "echo": "echo", "echo_concurrent": "echo-concurrent"}
JITTER = 0.1                     # of the round trip
KEEP = ("tickets", "updates", "seconds", "tickets_per_s", "updates_per_s", "p50_ms", "p95_ms", "p99_ms",
        "text_p95_ms", "press_p95_ms", "flood_refused", "flood_refused_staff", "flood_refused_by", "lost", "in_flight", "cut",
        "errors", "bot_exit", "start_s", "staff_messages", "tickets_in_db", "outbox")
# latency ms -> (tickets/s at least, p95 ms at most or None)
FLOORS = {150: (12.0, 3000.0), 300: (10.0, None)}
CLOSED_LOOP_MS = 150


async def bench_network(residents: int, total: int, workdir: Path, latencies: tuple[int, ...], think_s: float,
                        run_s: float) -> dict:
    """Every bot at every latency; per latency GridBot's tickets/s over the concurrent echo's."""
    # A bot stopped mid-request (a run cut short) is expected here, not an error of the sandbox's.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    rows = []
    for ms in latencies:
        sandbox = {"latency": ms / 1000, "jitter": ms / 1000 * JITTER, "flood_limits": True}
        row: dict = {"latency_ms": ms}
        for name, kind in BOTS.items():
            run = await run_bot(kind, residents, total, workdir, run_s, sandbox=sandbox, think_s=think_s,
                                settle_limit=2.0, tag=f"network-{ms}")
            row[name] = {k: run[k] for k in KEEP if k in run}
        row["vs_echo_concurrent"] = round(row["gridbot"]["tickets_per_s"]
                                          / max(row["echo_concurrent"]["tickets_per_s"], 1e-9), 3)
        rows.append(row)
    # The same residents with no pause, at 150 ms: all of them always waiting, so Telegram's 30
    # messages/s (not the bot) sets the pace and the queue sets the latency (Little's law).
    closed: dict = {"latency_ms": CLOSED_LOOP_MS}
    if CLOSED_LOOP_MS in latencies:
        sandbox = {"latency": CLOSED_LOOP_MS / 1000, "jitter": CLOSED_LOOP_MS / 1000 * JITTER, "flood_limits": True}
        for name in ("gridbot", "echo_concurrent"):
            run = await run_bot(BOTS[name], residents, total, workdir, run_s, sandbox=sandbox, think_s=0.0,
                                settle_limit=2.0, tag=f"network-closed-{CLOSED_LOOP_MS}")
            closed[name] = {k: run[k] for k in KEEP if k in run}
    return {"residents": residents, "reports": total, "think_s": think_s, "run_s": run_s, "jitter": JITTER,
            "closed_loop": closed,
            "offered_per_s": round(residents / max(think_s, 1e-9), 1) if think_s else None,
            "flood": FloodLimits(on=True).public(), "latencies": rows}


def floors(network: dict) -> dict[str, bool]:
    """Floors for the latencies that ran, and no 429 drawn by GridBot at any latency."""
    out: dict[str, bool] = {}
    for row in network["latencies"]:
        floor = FLOORS.get(row["latency_ms"])
        if floor is None:
            continue
        grid, (rate, p95) = row["gridbot"], floor
        out[f"network_{row['latency_ms']}_tickets_per_s"] = grid["tickets_per_s"] >= rate
        if p95 is not None:
            out[f"network_{row['latency_ms']}_p95"] = grid["p95_ms"] <= p95
    out["network_no_429"] = all(row["gridbot"]["flood_refused"] == 0 for row in network["latencies"])
    return out
