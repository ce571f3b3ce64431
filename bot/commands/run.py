"""`gridbot run`: the bot on Telegram (with GRIDBOT_TELEGRAM_TOKEN) or in the local sandbox."""
from __future__ import annotations

import asyncio
import errno
import sys

from bot import config as config_module, logs


def register(sub) -> None:
    parser = sub.add_parser("run", help="run the bot (sandbox without a token)")
    parser.add_argument("--port", type=int, help="sandbox port (default from config: 8080)")
    parser.add_argument("--webhook", metavar="URL",
                        help="receive updates by webhook at this public URL (default: polling; config webhook_url)")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="where the webhook listens, behind the reverse proxy (default 127.0.0.1:8081)")
    parser.set_defaults(func=run)


_PORT_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def run(args) -> int:
    from dataclasses import replace

    from bot.app import serve
    config = config_module.load()
    if args.port is not None:
        config = replace(config, sandbox_port=args.port)
    if args.webhook:
        config = replace(config, webhook_url=args.webhook)
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        if not port.isdigit():
            print(f"错误：--listen 应为 HOST:PORT，而不是 {args.listen}", file=sys.stderr)
            return 2
        config = replace(config, webhook_listen=host or config.webhook_listen, webhook_port=int(port))
    logs.setup(config.log_level, config.telegram_token)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        if exc.errno not in _PORT_ERRORS:
            raise
        why = "已被占用" if exc.errno == errno.EADDRINUSE else "无法使用"
        if config.webhook_url and (config.telegram_token or config.telegram_base_url):    # no sandbox here
            print(f"错误：webhook 端口 {config.webhook_listen}:{config.webhook_port} {why}（{exc.strerror}）；"
                  f"换一个：gridbot run --listen HOST:PORT，或设 GRIDBOT_WEBHOOK_PORT", file=sys.stderr)
            return 2
        where = f"{config.sandbox_host}:{config.sandbox_port}"
        print(f"错误：沙盒端口 {where} {why}（{exc.strerror}）；换一个端口：gridbot run --port N，"
              f"或设 GRIDBOT_SANDBOX_PORT", file=sys.stderr)
        return 2
    return 0
