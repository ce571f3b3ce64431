"""Deadlines in working time: weekends, the 2026 National Day holiday, a make-up workday, config days, office hours."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config, TimeLimit
from bot.sla import WorkCalendar, deadlines, limit_for

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def local(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=TZ)


def test_a_friday_ticket_skips_the_weekend():
    assert CAL.add_working_time(local(2026, 11, 27), timedelta(days=1)) == local(2026, 11, 30)


def test_national_day_is_skipped_and_the_make_up_saturday_counts():
    # Wed 30 Sep + 1 working day: 1–7 Oct are holidays, Thu 8 Oct is the next working day
    assert CAL.add_working_time(local(2026, 9, 30), timedelta(days=1)) == local(2026, 10, 8)
    # Fri 9 Oct + 1 working day: Saturday 10 Oct is a make-up workday (调休)
    assert CAL.is_workday(local(2026, 10, 10).date())
    assert CAL.add_working_time(local(2026, 10, 9), timedelta(days=1)) == local(2026, 10, 10)
    # and the Sunday after is not: Sat 10 Oct + 1 → Mon 12 Oct
    assert CAL.add_working_time(local(2026, 10, 10), timedelta(days=1)) == local(2026, 10, 12)


def test_config_adds_a_holiday_and_a_workday():
    cal = WorkCalendar.from_config(Config(extra_holidays=("2026-11-30",), extra_workdays=("2026-11-28",)))
    assert cal.add_working_time(local(2026, 11, 27), timedelta(days=1)) == local(2026, 11, 28)
    assert cal.add_working_time(local(2026, 11, 28), timedelta(days=1)) == local(2026, 12, 1)


def test_office_hours_count_only_those_hours():
    cal = WorkCalendar(office_hours=(time(8, 30), time(17, 30)))
    # Friday 16:30 + 2 office hours: 1 h on Friday, 1 h from Monday 08:30
    assert cal.add_working_time(local(2026, 11, 27, 16, 30), timedelta(hours=2 * 24 / 9)) == local(2026, 11, 30, 9, 30)
    assert cal.add_working_time(local(2026, 11, 27, 7), timedelta(days=1)) == local(2026, 11, 27, 17, 30)


def test_natural_time_for_urgent_tickets():
    config = Config()
    limit = limit_for(config, "help", "urgent")
    due = deadlines(local(2026, 10, 1, 23), limit, CAL)
    assert due.accept_due == local(2026, 10, 1, 23, 30) and due.resolve_due == local(2026, 10, 2, 1)
    slow = deadlines(local(2026, 9, 30), TimeLimit(timedelta(hours=24), timedelta(days=3)), CAL)
    assert slow.accept_due == local(2026, 10, 8) and slow.resolve_due == local(2026, 10, 10)


def test_working_time_between_skips_days_off():
    assert CAL.working_time_between(local(2026, 9, 30), local(2026, 10, 8)) == timedelta(days=1)
