"""`gridbot run`: the bot on Telegram (with GRIDBOT_TELEGRAM_TOKEN) or in the local sandbox."""
from __future__ import annotations

import asyncio
import logging

from bot import config as config_module


def register(sub) -> None:
    parser = sub.add_parser("run", help="run the bot (sandbox without a token)")
    parser.add_argument("--port", type=int, help="sandbox port (default from config: 8080)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import replace

    from bot.app import serve
    config = config_module.load()
    if args.port is not None:
        config = replace(config, sandbox_port=args.port)
    logging.getLogger().setLevel(config.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve(config))
    return 0
