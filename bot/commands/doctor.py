"""`gridbot doctor`: is the bot healthy? The database, the outbox backlog, the last sweep, the last update."""
from __future__ import annotations

import asyncio
import json


def register(sub) -> None:
    parser = sub.add_parser("doctor", help="database, outbox backlog, last sweep, last update received")
    parser.set_defaults(func=run)


def run(args) -> int:
    from bot import config as config_module
    from bot.services.health import check
    report = asyncio.run(check(config_module.load()))
    for key, value in report.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(report, ensure_ascii=False, default=str))
    return 0 if report["database"] == "ok" else 1
