"""`gridbot org import|codes|unbind|show`: load the org tree and roster, hand out bind codes."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import config as config_module
from bot.clock import SystemClock, parse_iso
from bot.org_import import IssuedCode, OrgAdminError, import_org, org_overview, outstanding_codes, unbind
from bot.orgfile import OrgFileError
from storage.db import Database

ROLE_NAMES = {"worker": "网格员", "handler": "部门办理人", "supervisor": "督办", "admin": "管理员"}
KIND_NAMES = {"district": "区", "street": "街道/镇", "community": "社区/村", "grid": "网格", "department": "部门"}
_ORG_SUFFIXES = (".yaml", ".yml", ".toml")
_ROSTER_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("org", help="org tree, staff roster and bind codes")
    sub = parser.add_subparsers(dest="org_command", required=True)
    p = sub.add_parser("import", help="import an org file (.yaml/.toml) and/or a staff roster (.csv/.xlsx)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=lambda args: _run(_import(args.files)))
    p = sub.add_parser("codes", help="list bind codes still valid")
    p.set_defaults(func=lambda args: _run(_codes()))
    p = sub.add_parser("unbind", help="end a staff member's chat binding and issue a fresh code")
    p.add_argument("who", metavar="PHONE_OR_NAME")
    p.set_defaults(func=lambda args: _run(_unbind(args.who)))
    p = sub.add_parser("show", help="print the org tree with staff counts")
    p.set_defaults(func=lambda args: _run(_show()))


def _run(coro) -> int:
    try:
        return asyncio.run(coro)
    except (OrgFileError, OrgAdminError, config_module.ConfigError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2


async def _open() -> tuple[config_module.Config, Database]:
    config = config_module.load()
    return config, await Database.open(config.db_path)


def print_codes(codes: list[IssuedCode], config: config_module.Config) -> None:
    if not codes:
        print("没有待绑定的验证码 (no outstanding bind codes)")
        return
    zone = ZoneInfo(config.timezone)
    print(f"{'姓名':<6}\t{'角色':<6}\t{'单位':<12}\t{'手机':<11}\t{'绑定码':<12}\t{'有效期至':<16}\t链接")
    for c in codes:
        expires = parse_iso(c.expires).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        link = f"https://t.me/{config.bot_username}?start={c.code}"
        print(f"{c.name:<6}\t{ROLE_NAMES.get(c.role, c.role):<6}\t{c.unit_name:<12}\t{c.phone:<11}\t{c.code:<12}\t"
              f"{expires:<16}\t{link}")


async def _import(files: list[str]) -> int:
    org_path = roster_path = None
    for name in files:
        suffix = Path(name).suffix.lower()
        if suffix in _ORG_SUFFIXES and org_path is None:
            org_path = name
        elif suffix in _ROSTER_SUFFIXES and roster_path is None:
            roster_path = name
        else:
            raise OrgFileError(name, None, "expected at most one org file (.yaml/.yml/.toml) and one roster (.csv/.xlsx)")
    config, db = await _open()
    try:
        result = await import_org(db, org_path, roster_path, clock=SystemClock(), config=config)
    finally:
        await db.close()
    print(f"单位 units: 新增 {result.units_added}, 更新 {result.units_updated}, 未变 {result.units_unchanged}; "
          f"别名 aliases: {result.aliases}")
    print(f"人员 staff: 新增 {result.staff_added}, 更新 {result.staff_updated}, 未变 {result.staff_unchanged}")
    print(f"新绑定码 new bind codes: {len(result.codes)}")
    if result.codes:
        print_codes(result.codes, config)
    return 0


async def _codes() -> int:
    config, db = await _open()
    try:
        codes = await outstanding_codes(db, clock=SystemClock())
    finally:
        await db.close()
    print_codes(codes, config)
    return 0


async def _unbind(who: str) -> int:
    config, db = await _open()
    try:
        person, code = await unbind(db, who, clock=SystemClock(), config=config)
    finally:
        await db.close()
    state = f"已解除与聊天账号 {person['chat_id']} 的绑定" if person["chat_id"] is not None else "原本未绑定"
    print(f"{person['name']} ({person['phone']}): {state}; 新绑定码:")
    print_codes([code], config)
    return 0


async def _show() -> int:
    _config, db = await _open()
    try:
        rows = await org_overview(db)
    finally:
        await db.close()
    if not rows:
        print("组织架构为空: 先运行 gridbot org import (the org tree is empty)")
    for depth, unit, count in rows:
        extra = f" 主办 [{', '.join(unit['categories'])}]" if unit["categories"] else ""
        extra += f" 协办 [{', '.join(unit['shares'])}]" if unit["shares"] else ""
        area = " 农村" if unit["area"] == "rural" and unit["kind"] in ("community", "grid") else ""
        print(f"{'  ' * depth}{unit['name']} ({KIND_NAMES[unit['kind']]} {unit['code']}{area}) 人员 {count}{extra}")
    return 0
