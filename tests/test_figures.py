"""Each rate's definition (README, bot/services/briefing.py) on a constructed set of tickets, with the
expected figure worked out by hand in the comments; and the same figures through the real services."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.services import briefing, briefing_text, chart, handling, intake, resident
from conftest import RESIDENT, WORKER
from storage import org

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)                      # the reported day: local 26 November, 00:00–24:00


def at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(timezone.utc).isoformat(timespec="seconds")


async def put(tx, n: int, grid: int, events=(), **fields) -> int:
    row = {"number": f"GD-F{n}", "text": "测试", "category": "drainage", "state": "accepted", "grid_id": grid,
           "unit_id": grid, "place": "", "created_at": at(25, 9), "accept_due": at(25, 12), "accepted_at": at(25, 10),
           "resolve_due": None, "resolved_at": None, "closed_at": None, "rating": None, "paused_at": None, **fields}
    row["updated_at"] = row["created_at"]
    ticket_id = await tx.insert(f"INSERT INTO tickets ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})", row)
    for action, when, data in events:
        await tx.execute("INSERT INTO ticket_events (ticket_id, at, action, actor_kind, data) VALUES (:t, :at, :a, "
                         "'system', :d)", {"t": ticket_id, "at": when, "a": action, "d": json.dumps(data)})
    return ticket_id


def resolved_on(day: int, hour: int):
    return ("resolve", at(day, hour), {})


def rated(rating: str, day: int, hour: int):
    return ("rate_unsatisfied" if rating == "unsatisfied" else "rate_satisfied", at(day, hour), {"rating": rating})


async def grid_id(deps) -> int:
    async with deps.db.read() as tx:
        return (await org.unit_by_code(tx, "fangzhilu-1"))["id"]


async def test_resolution_rate_reopen_merge_cancel_extension_pause(deps, clock):
    g = await grid_id(deps)
    async with deps.db.transaction() as tx:
        # R1 due 26th 12:00, resolved 26th 11:00, closed satisfied         → due, resolved
        await put(tx, 1, g, resolve_due=at(26, 12), resolved_at=at(26, 11), closed_at=at(26, 15), state="closed",
                  events=[resolved_on(26, 11), rated("satisfied", 26, 15)])
        # R2 resolved 26th 10:00, rated 不满意 26th 16:00: reopened, new deadline 1 Dec
        #                                                                  → due (resolved in the day), NOT resolved
        await put(tx, 2, g, resolve_due="2026-12-01T04:00:00+00:00",
                  events=[resolved_on(26, 10), rated("unsatisfied", 26, 16)])
        # R3 resolved 26th 9:00, rated 不满意 only on the 27th 9:00 (after the day): → due, NOT resolved
        await put(tx, 3, g, resolve_due=at(30, 12), events=[resolved_on(26, 9), rated("unsatisfied", 27, 9)])
        # R4 due 26th 14:00, still open                                      → due, not resolved
        await put(tx, 4, g, resolve_due=at(26, 14))
        # R5 due 26th 14:00 but merged into another; R6 due 26th but cancelled → left out
        await put(tx, 5, g, resolve_due=at(26, 14), state="merged")
        await put(tx, 6, g, resolve_due=at(26, 14), state="cancelled")
        # R7 was due 26th 9:00, extension approved to 28th 9:00, open        → not due on the 26th
        await put(tx, 7, g, resolve_due=at(28, 9), events=[("approve_extension", at(25, 17), {"until": at(28, 9)})])
        # R8 due 26th 13:00, paused (waiting on the resident) since 26th 8:00 → not due by that deadline
        await put(tx, 8, g, resolve_due=at(26, 13), paused_at=at(26, 8), events=[("ask_resident", at(26, 8), {})])
        # R9 due 26th 13:00, paused only at 26th 20:00, after it had passed   → due, not resolved
        await put(tx, 9, g, resolve_due=at(26, 13), paused_at=at(26, 20))
    clock.set(datetime(2026, 11, 27, 10, tzinfo=TZ))
    b = await briefing.daily_briefing(deps, DAY)
    # due = R1, R2, R3, R4, R9 = 5; resolved now = R1 = 1; 1 / 5 = 20.0 %
    assert b.resolution == {"resolved": 1, "due": 5, "rate": 0.2}
    # overdue now (cut = end of the 26th): R4 (14:00) and R9 (13:00); not R8 (paused before due), not R7
    assert sorted(item["number"] for item in b.overdue_list) == ["GD-F4", "GD-F9"]
    # satisfaction: ratings given on the 26th: R1 satisfied, R2 unsatisfied → 1 / 2 = 50 %
    assert b.satisfaction == {"satisfied": 1, "rated": 2, "rate": 0.5}


async def test_response_rate_on_time_late_unsigned_cancel_merge(deps, clock):
    g = await grid_id(deps)
    async with deps.db.transaction() as tx:
        # S1 sign-for due 26th 12:00, signed 26th 11:00            → dispatched, on time
        await put(tx, 1, g, created_at=at(26, 9), accept_due=at(26, 12), accepted_at=at(26, 11))
        # S2 due 26th 12:00, signed 26th 13:00                     → dispatched, late
        await put(tx, 2, g, created_at=at(26, 9), accept_due=at(26, 12), accepted_at=at(26, 13))
        # S3 due 26th 12:00, never signed                          → dispatched, not on time
        await put(tx, 3, g, created_at=at(26, 9), accept_due=at(26, 12), accepted_at=None, state="pending")
        # S4 due 25th 12:00 (the day before), signed 26th 8:00      → dispatched (signed in the day), late
        await put(tx, 4, g, created_at=at(25, 9), accept_due=at(25, 12), accepted_at=at(26, 8))
        # S5 due 27th 9:00 (after the day), signed 26th 20:00       → dispatched (signed in the day), on time
        await put(tx, 5, g, created_at=at(26, 19), accept_due=at(27, 9), accepted_at=at(26, 20))
        # S6 cancelled, S7 merged, both due 26th 12:00              → left out
        await put(tx, 6, g, created_at=at(26, 9), accept_due=at(26, 12), accepted_at=None, state="cancelled")
        await put(tx, 7, g, created_at=at(26, 9), accept_due=at(26, 12), accepted_at=None, state="merged")
        # S8 due 27th 9:00, not signed                              → not dispatched in the day
        await put(tx, 8, g, created_at=at(26, 22), accept_due=at(27, 9), accepted_at=None, state="pending")
    clock.set(datetime(2026, 11, 27, 10, tzinfo=TZ))
    b = await briefing.daily_briefing(deps, DAY)
    # dispatched = S1..S5 = 5; on time = S1, S5 = 2; 2 / 5 = 40.0 %
    assert b.response == {"on_time": 2, "total": 5, "rate": 0.4}


async def test_satisfaction_rate_counts_ratings_in_the_period_not_auto_closes(deps, clock):
    g = await grid_id(deps)
    async with deps.db.transaction() as tx:
        await put(tx, 1, g, state="closed", events=[rated("satisfied", 26, 9)])             # counted, satisfied
        await put(tx, 2, g, state="closed", events=[rated("basically_satisfied", 26, 10)])  # counted, satisfied
        await put(tx, 3, g, events=[rated("unsatisfied", 26, 11)])                          # counted, not
        await put(tx, 4, g, state="closed", events=[("auto_close", at(26, 12), {})])        # no rating: left out
        await put(tx, 5, g, state="closed", events=[rated("satisfied", 25, 12)])            # the day before
    clock.set(datetime(2026, 11, 27, 10, tzinfo=TZ))
    # rated on the 26th = 3; satisfied or basically = 2; 2 / 3 = 66.7 %
    assert (await briefing.daily_briefing(deps, DAY)).satisfaction == {"satisfied": 2, "rated": 3, "rate": 0.6667}


async def test_reopened_ticket_through_the_services_halves_the_resolution_rate(deps, actor, clock):
    """Issue 13, step 3: two tickets resolved today, one rated 不满意. README: 1 / 2 = 50 %, not 1 / 1."""
    me, worker = await actor(RESIDENT), await actor(WORKER, "李伟")
    numbers = []
    for text in ("纺织路社区人民东路62号院一下雨就积水，出不了门", "纺织路社区人民东路62号院路灯坏了，晚上一片黑"):
        await intake.start(deps, me, text)
        ticket = await intake.submit(deps, me)
        numbers.append(ticket["id"])
        clock.advance(minutes=5)
        await handling.accept(deps, worker, ticket["id"])
        await handling.resolve(deps, worker, ticket["id"], "已处理")
    clock.advance(minutes=30)
    await resident.rate(deps, me, numbers[0], "s")
    await resident.rate(deps, me, numbers[1], "u")
    b = await briefing.daily_briefing(deps, briefing.local_today(deps))
    assert b.resolution == {"resolved": 1, "due": 2, "rate": 0.5}
    assert b.counts["resolved"] == 1                              # resolved_at of the reopened one is cleared
    text = briefing_text.format_briefing(b.to_dict())
    assert "解决率 50.0%\n　已办结 1 / 应办结 2" in text
    assert "满意率 50.0%\n　满意及基本满意 1 / 已评价 2" in text


async def test_category_list_adds_up_to_the_total(deps, clock):
    g = await grid_id(deps)
    cats = ["drainage"] * 3 + ["roads_lights"] * 2 + ["sanitation", "noise", "greening", "property", "other", "other"]
    async with deps.db.transaction() as tx:
        for n, category in enumerate(cats):
            await put(tx, n, g, created_at=at(26, 9), category=category, accept_due=at(26, 20), accepted_at=None,
                      state="pending")
    clock.set(datetime(2026, 11, 27, 10, tzinfo=TZ))
    b = await briefing.daily_briefing(deps, DAY)
    assert sum(n for _name, n in b.top_categories) == b.counts["new"] == 11
    line = briefing_text.category_line(b.to_dict())
    # 7 categories: 排水防涝 3, 道路路灯 2, 其他 2, then four of 1 each; five shown (3 + 2 + 2 + 1 + 1 = 9),
    # the other two categories together: 2 tickets; 9 + 2 = 11
    assert line.startswith("排水防涝 3 件、其他 2 件、道路路灯 2 件、") or line.startswith("排水防涝 3 件、道路路灯 2 件、其他 2 件、")
    assert line.endswith("其余 2 类共 2 件")


async def test_an_empty_day_says_so_and_its_chart_starts_at_zero(deps, clock):
    clock.set(datetime(2026, 11, 27, 10, tzinfo=TZ))
    b = (await briefing.daily_briefing(deps, DAY)).to_dict()
    text = briefing_text.format_briefing(b)
    assert text == "《民情速报》召陵区\n2026年11月26日（周四）\n\n当日没有新增、签收、办结或评价的工单，也没有超时工单。"
    axis = chart.figure(b["series"], briefing_text.chart_title(b)).axes[0]
    assert axis.get_ylim() == (0.0, 1.0)


async def test_rates_without_a_base_read_plainly_and_today_names_its_time(deps, clock):
    g = await grid_id(deps)
    async with deps.db.transaction() as tx:
        await put(tx, 1, g, created_at=at(26, 9), accept_due=at(26, 20), accepted_at=None, state="pending")
    clock.set(datetime(2026, 11, 26, 10, 5, tzinfo=TZ))
    b = (await briefing.daily_briefing(deps, DAY)).to_dict()
    text = briefing_text.format_briefing(b)
    assert text.splitlines()[1] == "2026年11月26日（周四） 截至 10:05"
    assert "响应率：无应签收工单" in text and "解决率：无应办结工单" in text and "满意率：无评价" in text
    assert "—" not in text and "（无）" not in text
    assert max(len(line) for line in text.splitlines()) <= 24         # fits a phone's line, no mid-phrase wrap


def test_report_without_a_date_names_its_day(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    monkeypatch.setenv("GRIDBOT_DB", str(tmp_path / "g.db"))
    monkeypatch.delenv("GRIDBOT_CONFIG", raising=False)
    assert main(["report", "daily"]) == 0
    captured = capsys.readouterr()
    yesterday = datetime.now(TZ).date() - timedelta(days=1)
    assert f"未指定 --date，报告昨天（自 {yesterday.isoformat()} 起）" in captured.err
    assert captured.out.splitlines()[1].startswith(f"{yesterday.year}年{yesterday.month}月{yesterday.day}日")
    assert main(["report", "daily", "--date", "26/11"]) == 2
    assert "不是日期" in capsys.readouterr().err
