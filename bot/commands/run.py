"""`gridbot run`: the bot on Telegram (with GRIDBOT_TELEGRAM_TOKEN) or in the local sandbox."""
from __future__ import annotations

import asyncio
import errno
import sys

from bot import config as config_module, logs


def register(sub) -> None:
    parser = sub.add_parser("run", help="run the bot (sandbox without a token)")
    parser.add_argument("--port", type=int, help="sandbox port (default from config: 8080)")
    parser.set_defaults(func=run)


_PORT_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def run(args) -> int:
    from dataclasses import replace

    from bot.app import serve
    config = config_module.load()
    if args.port is not None:
        config = replace(config, sandbox_port=args.port)
    logs.setup(config.log_level, config.telegram_token)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        if exc.errno not in _PORT_ERRORS:
            raise
        where = f"{config.sandbox_host}:{config.sandbox_port}"
        why = "已被占用" if exc.errno == errno.EADDRINUSE else "无法使用"
        print(f"错误：沙盒端口 {where} {why}（{exc.strerror}）；换一个端口：gridbot run --port N，"
              f"或设 GRIDBOT_SANDBOX_PORT", file=sys.stderr)
        return 2
    return 0
