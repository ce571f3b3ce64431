"""The briefing (《民情速报》) as Chinese plain text, shared by the chat and `gridbot report`.

This is the one exception to "every Chinese text lives in handlers/render.py": the CLI must print
the same text without importing Telegram, and handlers/render.py imports telegram. It formats the
plain-data briefing (a dict, as stored in the outbox payload) and nothing else.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEADLINE = {"accept": "签收", "resolve": "办结"}
CHART_LABELS = {"new": "新增", "resolved": "办结", "y": "件数"}


def chart_title(b: dict) -> str:
    return f"{b['unit_name']} 近14天新增与办结"


def pct(part: dict) -> str:
    rate = part.get("rate")
    return "—（无）" if rate is None else f"{rate * 100:.1f}%"


def _period(b: dict) -> str:
    start = date.fromisoformat(b["start"])
    if b["kind"] == "daily":
        return f"{start.year}年{start.month}月{start.day}日"
    end = date.fromisoformat(b["last_day"])
    return f"{start.month}月{start.day}日—{end.month}月{end.day}日"


def _local(value: str, tz: str) -> str:
    return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M")


def title(b: dict) -> str:
    name = "民情速报" if b["kind"] == "daily" else "民情周报"
    return f"《{name}》{b['unit_name']} {_period(b)}"


def caption(b: dict) -> str:
    """A short summary for the chart photo (Telegram captions hold 1,024 characters)."""
    c = b["counts"]
    return (f"{title(b)}\n近14天新增与办结趋势\n"
            f"新增 {c['new']}｜签收 {c['signed']}｜办结 {c['resolved']}｜归档 {c['closed']}｜超时 {c['overdue']}\n"
            f"响应率 {pct(b['response'])}　解决率 {pct(b['resolution'])}　满意率 {pct(b['satisfaction'])}")


def format_briefing(b: dict) -> str:
    c, tz = b["counts"], b.get("timezone", "Asia/Shanghai")
    lines = [title(b), "",
             f"新增 {c['new']} 件，签收 {c['signed']} 件，办结 {c['resolved']} 件，归档 {c['closed']} 件，"
             f"当前超时 {c['overdue']} 件。",
             f"响应率 {pct(b['response'])}（按时签收 {b['response']['on_time']} / 应签收 {b['response']['total']}）",
             f"解决率 {pct(b['resolution'])}（已办结 {b['resolution']['resolved']} / 应办结 {b['resolution']['due']}）",
             f"满意率 {pct(b['satisfaction'])}（满意及基本满意 {b['satisfaction']['satisfied']} / "
             f"已评价 {b['satisfaction']['rated']}）"]
    patrol = b.get("patrol")
    if patrol:
        lines.append(f"巡格覆盖率 {pct(patrol)}（周期内已巡 {patrol['patrolled']} / 网格 {patrol['grids']}）")
    if b["top_categories"]:
        lines += ["", "【问题类别】" + "、".join(f"{name} {n}件" for name, n in b["top_categories"])]
    if b["hot_spots"]:
        lines += ["【热点区域】" + "、".join(f"{place} {n}次" for place, n in b["hot_spots"])]
    if b["overdue_list"]:
        lines += ["", f"【超时工单】（共 {c['overdue']} 件，列前 {len(b['overdue_list'])} 件）"]
        for item in b["overdue_list"]:
            who = item["handler"] or item["unit_name"] or "未派单"
            lines.append(f"· {item['number']} {item['category_name']} {item['place']} "
                         f"超{DEADLINE.get(item['deadline'], '')}时限（{_local(item['due'], tz)}）承办：{who}")
    else:
        lines += ["", "【超时工单】无"]
    return "\n".join(lines)
