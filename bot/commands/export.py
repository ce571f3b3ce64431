"""`gridbot export` and `gridbot forget`: a resident's data requests (PIPL), by what people know.

The export is what a resident receives: Chinese field names, local times, category and unit names,
the messages as they read them; as JSON (stdout or --out FILE.json) or an XLSX workbook (--out FILE.xlsx).
"""
from __future__ import annotations

import asyncio
import html
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

STATE_NAMES = {"pending": "待签收", "accepted": "办理中", "resolved": "已办结，待评价", "closed": "已归档",
               "cancelled": "已撤销", "merged": "已合并"}
RATING_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
PRIORITY_NAMES = {"urgent": "紧急", "normal": "一般"}
ACTOR_NAMES = {"resident": "居民本人", "staff": "工作人员", "system": "系统"}
MESSAGE_STATES = {"pending": "待发送", "sent": "已发送", "undeliverable": "无法送达"}
FORGET_LINES = {
    "identity": "身份信息", "texts_masked": "工单正文中的手机号、身份证号（已打码）", "locations": "共享的位置",
    "photos": "照片", "messages": "发给本人的消息内容", "drafts": "未提交的草稿", "pending_questions": "待回答的提问",
    "attempts": "操作频率记录", "updates": "收到的原始消息",
}
IDENTITY_NAMES = {"chat_id": "聊天账号", "name": "姓名", "username": "用户名", "phone": "手机号"}
ERRORS = {"resident": "找不到这位居民", "phone_ambiguous": "这个手机号对应多位居民，请用 --chat 或工单号",
          "who": "请指明居民：--chat、--phone、--ticket 或 --resident"}
_TAG = re.compile(r"<[^>]+>")


def register(sub) -> None:
    for name, help_text in (("export", "everything stored about a resident, readable (JSON or XLSX)"),
                            ("forget", "anonymise a resident, keeping the tickets' statistics")):
        parser = sub.add_parser(name, help=help_text)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--chat", type=int, help="the resident's chat id (the id shown in the sandbox page)")
        who.add_argument("--phone", help="the phone number the resident gave")
        who.add_argument("--ticket", metavar="NUMBER", help="one of the resident's ticket numbers (GD…)")
        who.add_argument("--resident", type=int, help="internal resident id")
        if name == "export":
            parser.add_argument("--out", metavar="FILE", help="write FILE.json or FILE.xlsx instead of printing JSON")
        parser.set_defaults(func=run, action=name)


def _local(value: str | None, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _message_text(kind: str, payload: str) -> str:
    data = json.loads(payload or "{}")
    if not data:
        return ""
    text = data.get("text")
    if text is None:
        try:
            from handlers import render
            text = render.outbox_message(kind, data)[0]
        except Exception:  # a kind the renderer no longer knows: say what it was
            text = f"（{kind}）"
    return html.unescape(_TAG.sub("", text))


def readable(data: dict, timezone: str) -> dict:
    """The export with Chinese field names, local times, names instead of codes and plain message texts."""
    zone = ZoneInfo(timezone)
    r = data["resident"]
    from handlers.render import ACTION_NAMES
    return {
        "居民": {"编号": r["id"], "聊天账号": r["chat_id"], "姓名": r["name"], "用户名": r["username"],
               "手机号": r["phone"], "首次使用": _local(r["created_at"], zone), "已注销身份": bool(r["forgotten"])},
        "工单": [{"工单号": t["number"], "内容": t["text"], "类别": t["category_name"],
                "紧急程度": PRIORITY_NAMES.get(t["priority"], t["priority"]), "状态": STATE_NAMES.get(t["state"], t["state"]),
                "地点": t["place"], "所属网格": t["grid_name"] or "", "当前承办单位": t["unit_name"] or "",
                "位置": f"{t['latitude']:.5f}, {t['longitude']:.5f}" if t["latitude"] is not None else "",
                "照片": "有" if t["photo"] else "", "提交时间": _local(t["created_at"], zone),
                "签收时限": _local(t["accept_due"], zone), "办结时限": _local(t["resolve_due"], zone),
                "签收时间": _local(t["accepted_at"], zone), "办结时间": _local(t["resolved_at"], zone),
                "归档时间": _local(t["closed_at"], zone), "办理结果": t["result"],
                "评价": RATING_NAMES.get(t["rating"], t["rating"] or ""), "重办次数": t["reopen_count"]}
               for t in data["tickets"]],
        "办理记录": [{"工单号": e["number"], "时间": _local(e["at"], zone), "事项": ACTION_NAMES.get(e["action"], e["action"]),
                  "操作人": ACTOR_NAMES.get(e["actor_kind"], e["actor_kind"]), "说明": e["note"]}
                 for e in data["history"]],
        "消息": [{"时间": _local(m["created_at"], zone), "状态": MESSAGE_STATES.get(m["state"], m["state"]),
                "发送时间": _local(m["sent_at"], zone), "内容": _message_text(m["kind"], m["payload"])}
               for m in data["messages"]],
    }


def write_xlsx(path: Path, export: dict) -> None:
    """One sheet per part (居民, 工单, 办理记录, 消息), field names as the header row."""
    import openpyxl
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, part in export.items():
        rows = [part] if isinstance(part, dict) else part
        sheet = book.create_sheet(title)
        header = list(rows[0]) if rows else ["（无）"]
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(h) for h in header])
        for i, h in enumerate(header, 1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(10, min(60, len(str(h)) * 2 + 4))
    book.save(path)


def forget_report(summary: dict) -> str:
    removed = []
    for key, label in FORGET_LINES.items():
        value = summary[key]
        if key == "identity":
            if value:
                removed.append(f"{label}：{'、'.join(IDENTITY_NAMES[k] for k in value)}")
        elif value:
            removed.append(f"{label}：{value} 项")
    lines = [f"已注销居民 {summary['resident']} 的身份。", "清除了：" if removed else "没有可清除的个人信息。"]
    lines += [f"  · {line}" for line in removed]
    lines.append(f"保留了：{summary['tickets_kept']} 件工单的类别、地点、时间、状态和办理记录（统计用，不再指向本人）。")
    return "\n".join(lines)


def run(args) -> int:
    return asyncio.run(_run(args))


async def _run(args) -> int:
    from bot import config as config_module
    from bot.app import build_deps
    from bot.services import privacy
    from bot.services.errors import InvalidInput, NotFound

    config = config_module.load()
    deps = await build_deps(config)
    who = {"resident_id": args.resident, "chat_id": args.chat, "phone": args.phone, "ticket": args.ticket}
    try:
        if args.action == "export":
            data = readable(await privacy.export(deps, **who), config.timezone)
        else:
            summary = await privacy.forget(deps, **who)
    except (NotFound, InvalidInput) as exc:
        given = next(f"--{k.replace('_id', '')} {v}" for k, v in who.items() if v is not None)
        print(f"错误：{ERRORS.get(exc.reason, ERRORS['resident'])}（{given}）", file=sys.stderr)
        return 1
    finally:
        await deps.db.close()
    if args.action == "forget":
        print(forget_report(summary))
        return 0
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".xlsx":
            write_xlsx(out, data)
        else:
            out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"已导出到 {out}：工单 {len(data['工单'])} 件，办理记录 {len(data['办理记录'])} 条，消息 {len(data['消息'])} 条")
    else:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0
