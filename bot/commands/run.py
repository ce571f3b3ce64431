"""`gridbot run`: the bot on Telegram (with GRIDBOT_TELEGRAM_TOKEN) or in the local sandbox."""
from __future__ import annotations

import asyncio

from bot import config as config_module, logs


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
    logs.setup(config.log_level, config.telegram_token)
    asyncio.run(serve(config))
    return 0
