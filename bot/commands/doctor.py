"""`gridbot doctor`: is the bot healthy? The database, the last sweep, the outbox backlog, the last update.

Exit status 0 healthy, 1 unhealthy (for monitoring), 2 the configuration cannot be read."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.table import table

STATE_NAMES = {"pending": "待签收", "accepted": "办理中", "resolved": "已办结", "closed": "已归档",
               "cancelled": "已撤销", "merged": "已合并"}
PROBLEMS = {
    "database_missing": "数据库文件不存在",
    "database_error": "数据库无法打开",
    "sweep_never_ran": "时限巡检从未运行（机器人没有运行过？）",
    "sweep_stale": "时限巡检已停止（机器人没有运行？）",
    "outbox_backlog": "待发消息积压（发送停滞？）",
}


def register(sub) -> None:
    parser = sub.add_parser("doctor", help="database, last sweep, outbox backlog, last update; exit 1 if unhealthy")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    parser.set_defaults(func=run)


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(max(seconds, 0))
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if s >= size:
            return f"{s // size} {unit}前"
    return f"{s} 秒前"


def _when(value: str | None, age: float | None, zone: ZoneInfo) -> str:
    if not value:
        return "无"
    local = datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return f"{local}（{_ago(age)}）"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def text_report(report: dict, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    rows = []
    if report["database"] != "ok":
        rows.append(("数据库", f"{PROBLEMS[report['problems'][0]]}：{report['path']} {report.get('error', '')}".strip()))
    else:
        tickets = "，".join(f"{STATE_NAMES.get(k, k)} {v}" for k, v in sorted(report["tickets"].items())) or "无"
        rows += [
            ("数据库", f"正常：{report['path']}（{_size(report['size_bytes'])}，结构版本 {report['schema_version']}）"),
            ("工单", tickets),
            ("上次时限巡检", _when(report["last_sweep"], report["last_sweep_age"], zone)),
            ("待发消息", f"{report['outbox_pending']} 条"),
            ("最早待发消息", _when(report["outbox_oldest_pending"], report["outbox_oldest_pending_age"], zone)),
            ("无法送达消息", f"{report['outbox_undeliverable']} 条"),
            ("待处理更新", f"{report['inbox_pending']} 条"),
            ("上次收到更新", _when(report["last_update"], report["last_update_age"], zone)),
        ]
    verdict = "正常" if report["healthy"] else "异常：" + "；".join(PROBLEMS[p] for p in report["problems"])
    rows.append(("结论", verdict))
    return table(("项目", "状态"), rows)


def run(args) -> int:
    from bot import config as config_module
    from bot.clock import SystemClock
    from bot.services.health import check
    config = config_module.load()
    report = asyncio.run(check(config, SystemClock().now()))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(text_report(report, config.timezone))
    return 0 if report["healthy"] else 1
