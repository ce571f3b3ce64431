"""The bot under test, in its own process: `python -m bot.bench.botproc KIND BASE_URL [DB]`.

KIND: `gridbot` is wired exactly as `gridbot run` wires it in the sandbox (demo staff bound, outbox
on), with the rate limiter off: raw speed. `gridbot-paced` keeps the deployment's own pacing (the
rate limiter as configured), as it runs against Telegram: for a sandbox that enforces flood limits.
`gridbot-webhook BASE_URL DB WEBHOOK_URL PORT` is `gridbot` receiving by webhook on PORT (one of
several processes on one database behind a balancer, bot/bench/balancer.py).
`echo` is the stack's baseline, python-telegram-bot alone, one update at a time; `echo-concurrent`
the same with concurrent updates. SIGTERM stops it cleanly.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys


async def _wait_for_sigterm() -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()


KINDS = ("gridbot", "gridbot-paced", "gridbot-webhook", "echo", "echo-concurrent")
ECHO_CONCURRENCY = 128   # more updates at once than the benchmark's residents can have in flight


async def run_gridbot(base_url: str, db_path: str, paced: bool = False, webhook: tuple[str, int] | None = None) -> None:
    from bot.app import bind_demo_accounts, build_application, build_deps, start, stop
    from dataclasses import replace

    from bot.config import load

    # The deployment's settings (GRIDBOT_CONFIG), with what the benchmark must fix: where, and no limits
    # (the per-resident ticket quota always, Telegram pacing unless `paced`).
    config = load()
    where = {"database_url": db_path} if db_path.startswith("postgresql://") else {"db_path": db_path}
    config = replace(config, **where, telegram_base_url=base_url, telegram_token="",
                     rate_limiter=config.rate_limiter if paced else False, tickets_per_hour=10**9,
                     log_level="WARNING")
    if webhook is not None:
        config = replace(config, webhook_url=webhook[0], webhook_port=webhook[1])
    deps = await build_deps(config)
    await bind_demo_accounts(deps)
    application = build_application(config, deps)
    await start(application)
    try:
        await _wait_for_sigterm()
    finally:
        await stop(application)


async def run_echo(base_url: str, concurrent: bool | int = False) -> None:
    from bot.app import SANDBOX_TOKEN
    from bot.sandbox.ptb_echo import serve_echo
    await serve_echo(base_url, SANDBOX_TOKEN, _wait_for_sigterm(), concurrent)


def main(argv: list[str]) -> int:
    """GRIDBOT_BENCH_PROFILE=FILE profiles the bot with cProfile (pstats written to FILE at exit)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    kind, base_url = argv[0], argv[1]
    if kind not in KINDS:
        raise SystemExit(f"unknown bot {kind!r}; one of {', '.join(KINDS)}")
    if kind == "gridbot-webhook":
        main_coro = run_gridbot(base_url, argv[2], webhook=(argv[3], int(argv[4])))
    elif kind.startswith("gridbot"):
        main_coro = run_gridbot(base_url, argv[2], paced=kind == "gridbot-paced")
    else:
        main_coro = run_echo(base_url, ECHO_CONCURRENCY if kind == "echo-concurrent" else False)
    profile_to = os.environ.get("GRIDBOT_BENCH_PROFILE")
    if not profile_to:
        asyncio.run(main_coro)
        return 0
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(main_coro)
    finally:
        profiler.disable()
        profiler.dump_stats(f"{profile_to}.{kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
