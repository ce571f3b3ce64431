"""The briefing (《民情速报》) as Chinese plain text, shared by the chat and `gridbot report`.

This is the one exception to "every Chinese text lives in handlers/render.py": the CLI must print
the same text without importing Telegram, and handlers/render.py imports telegram. It formats the
plain-data briefing (a dict, as stored in the outbox payload) and nothing else.

Laid out for a phone: short lines (a figure and its basis on separate lines), no table, no monospace,
so Chinese never wraps mid-phrase; the chat adds only a bold title.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEADLINE = {"accept": "签收", "resolve": "办结"}
CHART_LABELS = {"new": "新增", "resolved": "办结", "y": "件数", "empty": "近14天无工单"}
WEEKDAYS = "一二三四五六日"
CATEGORIES_LISTED = 5


def chart_title(b: dict) -> str:
    return f"{b['unit_name']} 近14天新增与办结"


def pct(part: dict) -> str:
    rate = part.get("rate")
    return "无" if rate is None else f"{rate * 100:.1f}%"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def period(b: dict) -> str:
    """The day or week the briefing covers, and for a day not yet over, the time of the figures."""
    start = date.fromisoformat(b["start"])
    if b["kind"] == "daily":
        text = _day(start)
    else:
        end = date.fromisoformat(b["last_day"])
        text = f"{start.month}月{start.day}日—{end.month}月{end.day}日"
    if b.get("partial") and b.get("cut"):
        text += f" 截至 {_local(b['cut'], b.get('timezone', 'Asia/Shanghai'), '%H:%M')}"
    return text


def _local(value: str, tz: str, fmt: str = "%m-%d %H:%M") -> str:
    return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).strftime(fmt)


def title(b: dict) -> str:
    name = "民情速报" if b["kind"] == "daily" else "民情周报"
    return f"《{name}》{b['unit_name']}"


def is_empty(b: dict) -> bool:
    """Nothing happened in the period and nothing is open past its deadline."""
    c = b["counts"]
    return not any(c.values()) and not b["response"]["total"] and not b["resolution"]["due"] \
        and not b["satisfaction"]["rated"]


def rate_lines(b: dict) -> list[str]:
    r, d, s = b["response"], b["resolution"], b["satisfaction"]
    return [
        f"响应率 {pct(r)}" if r["total"] else "响应率：无应签收工单",
        *([f"　按时签收 {r['on_time']} / 应签收 {r['total']}"] if r["total"] else []),
        f"解决率 {pct(d)}" if d["due"] else "解决率：无应办结工单",
        *([f"　已办结 {d['resolved']} / 应办结 {d['due']}"] if d["due"] else []),
        f"满意率 {pct(s)}" if s["rated"] else "满意率：无评价",
        *([f"　满意及基本满意 {s['satisfied']} / 已评价 {s['rated']}"] if s["rated"] else []),
    ]


def caption(b: dict) -> str:
    """A short summary for the chart photo (Telegram captions hold 1,024 characters)."""
    c = b["counts"]
    return (f"{title(b)}\n{period(b)}\n近14天新增与办结趋势\n"
            f"新增 {c['new']}｜签收 {c['signed']}｜办结 {c['resolved']}｜归档 {c['closed']}｜超时 {c['overdue']}\n"
            f"响应率 {pct(b['response'])}　解决率 {pct(b['resolution'])}　满意率 {pct(b['satisfaction'])}")


def category_line(b: dict) -> str:
    """The period's categories, the first five by name and the rest together: they add up to 新增."""
    cats = list(b["top_categories"])
    shown, rest = cats[:CATEGORIES_LISTED], cats[CATEGORIES_LISTED:]
    parts = [f"{name} {n} 件" for name, n in shown]
    if rest:
        parts.append(f"其余 {len(rest)} 类共 {sum(n for _name, n in rest)} 件")
    return "、".join(parts)


def format_briefing(b: dict) -> str:
    c, tz = b["counts"], b.get("timezone", "Asia/Shanghai")
    lines = [title(b), period(b), ""]
    if is_empty(b):
        span = "当日" if b["kind"] == "daily" else "本周"
        lines.append(f"{span}没有新增、签收、办结或评价的工单，也没有超时工单。")
        return "\n".join(lines)
    lines += [f"新增 {c['new']} 件　签收 {c['signed']} 件", f"办结 {c['resolved']} 件　归档 {c['closed']} 件",
              f"当前超时 {c['overdue']} 件", "", *rate_lines(b)]
    patrol = b.get("patrol")
    if patrol and patrol["grids"]:
        lines += [f"巡格覆盖率 {pct(patrol)}", f"　周期内已巡 {patrol['patrolled']} / 网格 {patrol['grids']}"]
    lines += ["", "【问题类别】", category_line(b) if b["top_categories"] else "无新增工单"]
    if b["hot_spots"]:
        lines += ["", "【热点区域】", "、".join(f"{place} {n} 次" for place, n in b["hot_spots"])]
    if b["overdue_list"]:
        lines += ["", f"【超时工单】共 {c['overdue']} 件" + (f"，列前 {len(b['overdue_list'])} 件"
                                                          if c["overdue"] > len(b["overdue_list"]) else "")]
        for item in b["overdue_list"]:
            who = item["handler"] or item["unit_name"] or "未派单"
            lines += [f"· {item['number']} {item['category_name']}",
                      f"　{item['place'] or item['unit_name']}，超{DEADLINE.get(item['deadline'], '')}时限"
                      f"（{_local(item['due'], tz)}），承办：{who}"]
    else:
        lines += ["", "【超时工单】无"]
    return "\n".join(lines)
