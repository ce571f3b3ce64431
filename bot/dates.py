"""Dates as people type them in chat: 12月23日, 12-23, 12.23, 2026-12-23, 下周五, 周五, 明天, 3天后,
3个工作日后, in full-width digits or Chinese numerals (十二月二十三日, 三天后).

Pure: `today` is given, never read from the clock. A month and day without a year fall in the year
that puts them nearest to today, ties to the future (in December, 1月5日 is next January; on
12月2日, 11月30日 is two days ago, which the caller then refuses as too early). A week starts on
Monday: 本周五 is this week's Friday, 下周五 next week's, 周五 the next Friday after today.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Protocol

MAX_DAYS = 3660        # "10000天后" is not a deadline anyone means

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百]+")
_WEEKDAY_AFTER = re.compile(r"(?:周|星期|礼拜)$")
_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}

_YMD = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*[日号]?(?!\d)")
_MD = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?!\d)|(\d{1,2})\s*[-./]\s*(\d{1,2})(?!\d|[-./]\d)")
_MONTHS = re.compile(r"(\d{1,3})\s*个\s*月\s*(?:后|以后|之后)")
_DAY = re.compile(r"(\d{1,2})\s*[日号](?!\d)")
_WORDS = re.compile(r"(今天|今日|明天|明日|大后天|后天)")
_AFTER = re.compile(r"(\d{1,4})\s*(?:个)?\s*(天|日|工作日|周|星期|礼拜)\s*(?:后|以后|之后)")
_WEEKDAY = re.compile(r"(下下|下个|下|本|这个|这)?\s*(?:周|星期|礼拜)\s*([1-7日天])")
_WORD_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}


class Calendar(Protocol):
    def is_workday(self, day: date) -> bool: ...


class _Weekdays:
    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


def add_workdays(day: date, count: int, calendar: Calendar | None = None) -> date:
    """The `count`-th working day after `day` (the day itself does not count)."""
    calendar = calendar or _Weekdays()
    for _ in range(MAX_DAYS):
        if count <= 0:
            return day
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count -= 1
    raise ValueError("too many working days")


def _number(run: str) -> str:
    if "十" not in run and "百" not in run:
        return "".join(str(_DIGITS[c]) for c in run)
    total = current = 0
    for ch in run:
        if ch in "十百":
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            current = _DIGITS[ch]
    return str(total + current)


def normalize(text: str) -> tuple[str, list[int]]:
    """Half-width, Chinese numerals as digits (周五 → 周5 too); each output character's index in `text`."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        m = _NUMERALS.match(text, i)
        if m:
            after_week = _WEEKDAY_AFTER.search("".join(out[-2:]))
            digits = m.group(0) if after_week and len(m.group(0)) > 1 else _number(m.group(0))
            out.extend(digits)
            where.extend([i] * len(digits))
            i = m.end()
            continue
        ch = unicodedata.normalize("NFKC", text[i])
        out.extend(ch)
        where.extend([i] * len(ch))
        i += 1
    return "".join(out), where


def _nearest(today: date, month: int, day: int) -> date | None:
    """The date with this month and day nearest to today (ties to the future)."""
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    if not found:
        return None
    return min(found, key=lambda d: (abs((d - today).days), d < today))


def _day_of_month(today: date, day: int) -> date | None:
    """23号: this month's 23rd, or next month's once it has passed."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def _months_later(today: date, count: int) -> date | None:
    """3个月后: the same day that many months on (the month's last day if it has no such day)."""
    if not 0 < count <= MAX_DAYS // 31:
        return None
    month0 = today.month - 1 + count
    year, month = today.year + month0 // 12, month0 % 12 + 1
    for day in range(today.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(today.day, 28))


def _weekday(today: date, which: str | None, name: str) -> date:
    target = _WEEKDAYS[name]
    if not which:                                   # 周五: the next one after today
        return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    monday = today - timedelta(days=today.weekday())
    weeks = {"下下": 2, "下个": 1, "下": 1, "本": 0, "这个": 0, "这": 0}[which]
    return monday + timedelta(weeks=weeks, days=target)


def _match(norm: str, today: date, calendar: Calendar | None) -> tuple[date | None, int] | None:
    """The date at the start of `norm` and where it ends; None if no date starts there."""
    if m := _YMD.match(norm):
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), m.end()
        except ValueError:
            return None, m.end()
    if m := _MD.match(norm):
        month, day = int(m[1] or m[3]), int(m[2] or m[4])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None, m.end()
        return _nearest(today, month, day), m.end()
    if m := _AFTER.match(norm):
        count, unit = int(m[1]), m[2]
        if count <= 0 or count * (7 if unit in ("周", "星期", "礼拜") else 1) > MAX_DAYS:
            return None, m.end()
        if unit == "工作日":
            return add_workdays(today, count, calendar), m.end()
        return today + timedelta(days=count * (7 if unit in ("周", "星期", "礼拜") else 1)), m.end()
    if m := _MONTHS.match(norm):
        return _months_later(today, int(m[1])), m.end()
    if m := _WEEKDAY.match(norm):
        return _weekday(today, m[1], m[2]), m.end()
    if m := _WORDS.match(norm):
        return today + timedelta(days=_WORD_DAYS[m[1]]), m.end()
    if m := _DAY.match(norm):
        day = int(m[1])
        return (_day_of_month(today, day) if 1 <= day <= 31 else None), m.end()
    return None


def split_date(text: str, today: date, calendar: Calendar | None = None) -> tuple[date | None, str]:
    """The date a text starts with and the rest of the text as written (the reason), or (None, text).

    A text that starts like a date but is none (13月45日, 2026-02-30) gives (None, text) as well."""
    stripped = text.lstrip()
    norm, where = normalize(stripped)
    found = _match(norm, today, calendar)
    if found is None or found[0] is None:
        return None, text.strip()
    day, end = found
    rest = stripped[where[end]:] if end < len(where) else ""
    if rest and rest[0].isdigit():             # 12月231日: the number runs on, not a date
        return None, text.strip()
    return day, rest.strip(" \t\n，,。；;：:、")


def parse_date(text: str, today: date, calendar: Calendar | None = None) -> date | None:
    """The date a text is, all of it (nothing else around it); None for anything else."""
    day, rest = split_date(text, today, calendar)
    return day if day is not None and not rest else None
