"""Deadlines: when a ticket must be signed for and resolved.

Limits count in natural time or in working time. Working time skips days off by China's official
calendar (chinesecalendar, with its make-up workdays 调休) plus the config's extra holidays and
workdays. With office hours set, only those hours count and a day of limit is one office day
(so "1d" = 08:30–17:30 once); without, a working day counts whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.config import Config, TimeLimit

_DAY = timedelta(days=1)


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:       # a year the package has no data for yet: weekdays work
        return day.weekday() < 5


class WorkCalendar:
    def __init__(self, tz: str = "Asia/Shanghai", extra_holidays=(), extra_workdays=(),
                 office_hours: tuple[time, time] | None = None):
        self.tz = ZoneInfo(tz)
        self.extra_holidays = {date.fromisoformat(d) for d in extra_holidays}
        self.extra_workdays = {date.fromisoformat(d) for d in extra_workdays}
        self.office_hours = office_hours

    @classmethod
    def from_config(cls, config: Config) -> "WorkCalendar":
        hours = None
        if config.office_hours:
            start, _, end = config.office_hours.partition("-")
            hours = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        return cls(config.timezone, config.extra_holidays, config.extra_workdays, hours)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        return _official_workday(day)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        if self.office_hours:
            start, end = self.office_hours
        else:
            start, end = time(0), None
        begin = datetime.combine(day, start, self.tz)
        finish = datetime.combine(day, end, self.tz) if end else datetime.combine(day + _DAY, time(0), self.tz)
        return begin, finish

    def _day_length(self) -> timedelta:
        begin, finish = self._window(date(2026, 1, 5))
        return finish - begin

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of working time has passed after `start`."""
        remaining = duration * (self._day_length() / _DAY)
        cursor = start.astimezone(self.tz)
        day = cursor.date()
        for _ in range(3660):        # ten years of days: a bound, never reached by sane limits
            if self.is_workday(day):
                begin, finish = self._window(day)
                begin = max(begin, cursor)
                if begin < finish:
                    if begin + remaining <= finish:
                        return (begin + remaining).astimezone(start.tzinfo)
                    remaining -= finish - begin
            day += _DAY
        raise ValueError("time limit too long for the calendar")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from start to end (zero if end is earlier)."""
        total = timedelta(0)
        day = start.astimezone(self.tz).date()
        while day <= end.astimezone(self.tz).date():
            if self.is_workday(day):
                begin, finish = self._window(day)
                lo, hi = max(begin, start), min(finish, end)
                if hi > lo:
                    total += hi - lo
            day += _DAY
        return total / (self._day_length() / _DAY)


@dataclass(frozen=True)
class Deadlines:
    accept_due: datetime
    resolve_due: datetime


def limit_for(config: Config, limit_class: str, priority: str) -> TimeLimit:
    if priority == "urgent":
        return config.limits["urgent"]
    return config.limits.get(limit_class) or config.limits["help"]


def due(start: datetime, duration: timedelta, working_time: bool, calendar: WorkCalendar) -> datetime:
    return calendar.add_working_time(start, duration) if working_time else start + duration


def deadlines(start: datetime, limit: TimeLimit, calendar: WorkCalendar) -> Deadlines:
    return Deadlines(due(start, limit.accept, limit.working_time, calendar),
                     due(start, limit.resolve, limit.working_time, calendar))


REMINDER_SHARE = 1 / 3       # a reminder comes at most this share of the time limit before the deadline


def reminder_lead(lead: timedelta, limit: timedelta) -> timedelta:
    """How long before a deadline to remind: the configured lead, but never more than a third of the
    time limit (an urgent 30-minute sign-for is reminded 10 minutes before, not at once)."""
    return min(lead, limit * REMINDER_SHARE) if limit > timedelta(0) else lead
