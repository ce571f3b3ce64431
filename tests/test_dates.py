"""Dates as people type them (bot/dates.py), against a fixed today and China's work calendar."""
from __future__ import annotations

from datetime import date

import pytest

from bot.dates import add_workdays, parse_date, split_date
from bot.sla import WorkCalendar

CALENDAR = WorkCalendar()
WED_DEC = date(2026, 12, 2)          # a Wednesday in December: month-days in January roll over
TUE_HOLIDAY = date(2026, 9, 29)      # the Tuesday before National Day (10月1日–7日 off, 10月10日 a make-up Saturday)

TABLE = [
    (WED_DEC, "12月23日", date(2026, 12, 23)),
    (WED_DEC, "12-23", date(2026, 12, 23)),
    (WED_DEC, "12.23", date(2026, 12, 23)),
    (WED_DEC, "12/23", date(2026, 12, 23)),
    (WED_DEC, "12月23", date(2026, 12, 23)),
    (WED_DEC, "2026-12-23", date(2026, 12, 23)),
    (WED_DEC, "2026年12月23日", date(2026, 12, 23)),
    (WED_DEC, "2027.1.5", date(2027, 1, 5)),
    (WED_DEC, "１２月２３日", date(2026, 12, 23)),            # full-width digits
    (WED_DEC, "１２－２３", date(2026, 12, 23)),
    (WED_DEC, "十二月二十三日", date(2026, 12, 23)),          # Chinese numerals
    (WED_DEC, "二〇二七年一月五日", date(2027, 1, 5)),
    (WED_DEC, "1月5日", date(2027, 1, 5)),                    # rollover: next January
    (WED_DEC, "1-5", date(2027, 1, 5)),
    (WED_DEC, "11月30日", date(2026, 11, 30)),                # two days ago, not next year (the caller refuses it)
    (WED_DEC, "23号", date(2026, 12, 23)),
    (WED_DEC, "1号", date(2027, 1, 1)),
    (WED_DEC, "明天", date(2026, 12, 3)),
    (WED_DEC, "后天", date(2026, 12, 4)),
    (WED_DEC, "大后天", date(2026, 12, 5)),
    (WED_DEC, "3天后", date(2026, 12, 5)),
    (WED_DEC, "三天后", date(2026, 12, 5)),
    (WED_DEC, "10天以后", date(2026, 12, 12)),
    (WED_DEC, "两周后", date(2026, 12, 16)),
    (WED_DEC, "3个工作日后", date(2026, 12, 7)),              # Thu, Fri, Mon
    (WED_DEC, "三个工作日后", date(2026, 12, 7)),
    (WED_DEC, "周五", date(2026, 12, 4)),
    (WED_DEC, "星期三", date(2026, 12, 9)),                   # today is Wednesday: the next one
    (WED_DEC, "本周五", date(2026, 12, 4)),
    (WED_DEC, "下周五", date(2026, 12, 11)),
    (WED_DEC, "下周一", date(2026, 12, 7)),
    (WED_DEC, "下星期天", date(2026, 12, 13)),
    (WED_DEC, "礼拜日", date(2026, 12, 6)),
    (WED_DEC, "1个月后", date(2027, 1, 2)),
    (TUE_HOLIDAY, "3个工作日后", date(2026, 10, 9)),           # 9月30日, 10月8日, 10月9日
    (TUE_HOLIDAY, "5个工作日后", date(2026, 10, 12)),          # … 10月10日 (make-up), 10月12日
    (TUE_HOLIDAY, "3天后", date(2026, 10, 2)),                 # natural days count the holiday
    (TUE_HOLIDAY, "10月8日", date(2026, 10, 8)),
    (date(2027, 12, 1), "2月29日", date(2028, 2, 29)),           # a leap day ahead
]
JUNK = ["", "   ", "abc", "不知道", "尽快", "13月5日", "12月32日", "2026-02-30", "12月231日", "0天后",
        "99999天后", "周八", "下周", "明天下午", "12月23日 前后", "1234", "3点", "-5天后", "123456789012345678901234567890天后"]


@pytest.mark.parametrize("today, text, expected", TABLE, ids=[t for _, t, _ in TABLE])
def test_dates_as_people_type_them(today, text, expected):
    assert parse_date(text, today, CALENDAR) == expected


@pytest.mark.parametrize("text", JUNK)
def test_junk_is_no_date(text):
    assert parse_date(text, WED_DEC, CALENDAR) is None


def test_a_leap_day_that_is_not_near_is_no_date():
    assert parse_date("2月29日", date(2026, 6, 1), CALENDAR) is None


def test_a_date_and_its_reason():
    assert split_date("12月23日 需要协调施工队", WED_DEC) == (date(2026, 12, 23), "需要协调施工队")
    assert split_date("１２月２３日，需要协调施工队", WED_DEC) == (date(2026, 12, 23), "需要协调施工队")
    assert split_date("下周五需要等材料", WED_DEC) == (date(2026, 12, 11), "需要等材料")
    assert split_date("三个工作日后 等三天材料", WED_DEC, CALENDAR) == (date(2026, 12, 7), "等三天材料")
    assert split_date("需要协调施工队", WED_DEC) == (None, "需要协调施工队")
    assert split_date("12月231日 原因", WED_DEC) == (None, "12月231日 原因")


def test_working_days_skip_weekends_and_holidays():
    assert add_workdays(date(2026, 12, 4), 1, CALENDAR) == date(2026, 12, 7)        # Friday → Monday
    assert add_workdays(date(2026, 9, 30), 1, CALENDAR) == date(2026, 10, 8)        # over National Day
    assert add_workdays(date(2026, 12, 4), 0, CALENDAR) == date(2026, 12, 4)
