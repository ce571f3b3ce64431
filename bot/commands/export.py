"""`gridbot export` and `gridbot forget`: a resident's data requests (PIPL)."""
from __future__ import annotations

import asyncio
import json
import sys


def register(sub) -> None:
    for name, help_text in (("export", "everything stored about a resident, as JSON"),
                            ("forget", "anonymise a resident, keeping the tickets' statistics")):
        parser = sub.add_parser(name, help=help_text)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--resident", type=int, help="resident id")
        who.add_argument("--chat", type=int, help="the resident's chat id")
        parser.set_defaults(func=run, action=name)


def run(args) -> int:
    return asyncio.run(_run(args))


async def _run(args) -> int:
    from bot import config as config_module
    from bot.app import build_deps
    from bot.services import privacy
    from bot.services.errors import NotFound

    deps = await build_deps(config_module.load())
    try:
        if args.action == "export":
            data = await privacy.export(deps, args.resident, args.chat)
        else:
            data = await privacy.forget(deps, args.resident, args.chat)
    except NotFound:
        print("no such resident", file=sys.stderr)
        return 1
    finally:
        await deps.db.close()
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0
