"""`gridbot` command line: one subcommand module each under bot/commands/."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Each module defines register(subparsers); its parser sets func(args) -> exit code.
_COMMAND_MODULES = ("run", "classify", "nlp", "org", "report", "export", "bench", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridbot", description="GridBot (网格通): grid governance chat assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"bot.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from bot.config import ConfigError
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"错误：配置无法使用：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
