"""`gridbot org import|codes|unbind|show`: load the org tree and roster, hand out bind codes."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import config as config_module
from bot.clock import SystemClock, parse_iso
from bot.commands.table import table
from bot.org_import import (ImportRefused, ImportResult, IssuedCode, OrgAdminError, StaffChange, import_org,
                            org_overview, outstanding_codes, unbind)
from bot.orgfile import OrgFileError, RosterError
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
    p.add_argument("--check", action="store_true", help="show what would change, row by row, and write nothing")
    p.add_argument("--update", action="store_true",
                   help="allow rows that rename or move a bound person, or give a phone to another name")
    p.set_defaults(func=lambda args: _run(_import(args.files, check=args.check, update=args.update)))
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
    except ImportRefused as exc:
        print(import_report(exc.result))
        print(f"\n未导入，数据库未改动：{_verdict(exc.result)}", file=sys.stderr)
        return 2
    except RosterError as exc:
        print(f"错误：{exc.source}：{exc.reason}", file=sys.stderr)
        return 2
    except (OrgFileError, OrgAdminError, config_module.ConfigError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2


async def _open() -> tuple[config_module.Config, Database]:
    config = config_module.load()
    return config, await Database.open(config.database, pool_size=2)


def print_codes(codes: list[IssuedCode], config: config_module.Config) -> None:
    if not codes:
        print("没有待绑定的验证码 (no outstanding bind codes)")
        return
    zone = ZoneInfo(config.timezone)
    rows = [(c.name, ROLE_NAMES.get(c.role, c.role), c.unit_name, c.phone, c.code,
             parse_iso(c.expires).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             f"https://t.me/{config.bot_username}?start={c.code}") for c in codes]
    print(table(("姓名", "角色", "单位", "手机", "绑定码", "有效期至", "链接"), rows))


CHANGE_NAMES = {"new": "新增", "changed": "变更", "moved": "调动", "renamed": "改名", "unchanged": "未变"}


def _change_note(c: StaffChange) -> str:
    notes = []
    b = c.before
    if c.kind == "renamed":
        if not c.needs_update:
            notes.append(f"此手机号原属 {b['name']}（{b['unit_name']}{'，已绑定' if b['bound'] else ''}）")
        if c.unbinds:
            notes.append(f"{'确认后' if c.needs_update else '已'}解除 {b['name']} 的聊天绑定并发新绑定码")
    elif c.kind == "moved":
        notes.append(f"从 {b['unit_name']} 调到 {c.unit_name}{'（已绑定，绑定保留）' if b['bound'] else ''}")
    elif c.kind == "changed":
        if b["role"] != c.role:
            notes.append(f"角色 {ROLE_NAMES.get(b['role'], b['role'])} → {ROLE_NAMES.get(c.role, c.role)}")
        if not b["active"]:
            notes.append("重新启用")
    if c.namesake and c.kind != "renamed":
        notes.append(f"另有同名人员（手机 {c.namesake['phone']}，{c.namesake['unit_name']}）")
    if c.needs_update:
        notes.insert(0, "需 --update 确认：" + c.needs_update)
    return "；".join(notes)


def _verdict(r: ImportResult) -> str:
    parts = []
    if r.problems:
        parts.append(f"{len(r.problems)} 行有误，改正后再导入")
    if r.refused:
        parts.append(f"{len(r.refused)} 行会改动已绑定人员或占用他人手机号，确认无误请加 --update")
    return "；".join(parts) or "可以导入"


def import_report(r: ImportResult) -> str:
    """What an import did or (with --check, or refused) would do: counts, changed rows, bad rows. Chinese."""
    kinds = {k: sum(1 for c in r.changes if c.kind == k) for k in CHANGE_NAMES}
    lines = [f"单位：新增 {r.units_added}，更新 {r.units_updated}，未变 {r.units_unchanged}；别名 {r.aliases}",
             "人员：" + "，".join(f"{name} {kinds[k]}" for k, name in CHANGE_NAMES.items())
             + (f"；有误 {len(r.problems)} 行" if r.problems else "")]
    shown = [c for c in r.changes if c.kind != "unchanged"]
    if shown:
        lines += ["", table(("行", "变化", "姓名", "手机", "角色", "单位", "说明"),
                            ((c.line, ("✗ " if c.needs_update else "") + CHANGE_NAMES[c.kind], c.name, c.phone,
                              ROLE_NAMES.get(c.role, c.role), c.unit_name, _change_note(c)) for c in shown),
                            right=(0,))]
    if r.problems:
        lines += ["", f"有误的行（{len(r.problems)}）："]
        lines += [f"  第 {p.line} 行：{p.reason}" if p.line else f"  {p.reason}" for p in r.problems]
    return "\n".join(lines)


async def _import(files: list[str], check: bool = False, update: bool = False) -> int:
    org_path = roster_path = None
    for name in files:
        suffix = Path(name).suffix.lower()
        if suffix in _ORG_SUFFIXES and org_path is None:
            org_path = name
        elif suffix in _ROSTER_SUFFIXES and roster_path is None:
            roster_path = name
        else:
            raise OrgFileError(name, None, "最多一个组织架构文件（.yaml/.yml/.toml）和一个名册（.csv/.xlsx）")
    config, db = await _open()
    try:
        result = await import_org(db, org_path, roster_path, clock=SystemClock(), config=config,
                                  update=update, check=check)
    finally:
        await db.close()
    if check:
        print("检查（未写入数据库）：" + " ".join(files))
    print(import_report(result))
    if check:
        print(f"\n结论：{_verdict(result)}")
        if result.codes:
            print(f"导入后将发新绑定码 {len(result.codes)} 个")
        return 2 if result.problems or result.refused else 0
    print(f"\n新绑定码 new bind codes: {len(result.codes)}")
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
