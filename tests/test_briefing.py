"""The briefing's counts and rates on a hand-built data set; the text; the chart; sending once."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.services import briefing, briefing_text, chart
from conftest import DISTRICT, STREET, SUPERVISOR
from storage import org

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)


def at(day: int, hour: int) -> str:
    """Local (Shanghai) November `day`, `hour`:00 as stored UTC text."""
    return datetime(2026, 11, day, hour, tzinfo=TZ).astimezone(timezone.utc).isoformat(timespec="seconds")


async def put(tx, n: int, grid_id: int, **fields) -> int:
    row = {"number": f"GD-T{n}", "text": "测试", "category": "drainage", "state": "pending", "grid_id": grid_id,
           "unit_id": grid_id, "place": "", "created_at": at(26, 9), "accept_due": None, "resolve_due": None,
           "accepted_at": None, "resolved_at": None, "closed_at": None, "rating": None, **fields}
    row["updated_at"] = row["created_at"]
    columns = ", ".join(row)
    return await tx.insert(f"INSERT INTO tickets ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)


async def rate(tx, ticket_id: int, rating: str, when: str) -> None:
    action = "rate_unsatisfied" if rating == "unsatisfied" else "rate_satisfied"
    await tx.execute("INSERT INTO ticket_events (ticket_id, at, action, actor_kind, data) "
                     "VALUES (:t, :at, :a, 'resident', :d)",
                     {"t": ticket_id, "at": when, "a": action, "d": json.dumps({"rating": rating})})


async def dataset(deps) -> dict:
    async with deps.db.transaction() as tx:
        grid = (await org.unit_by_code(tx, "fangzhilu-1"))["id"]
        other = (await org.unit_by_code(tx, "songshanlu-1"))["id"]
        community = (await org.unit_by_code(tx, "fangzhilu"))["id"]
        t1 = await put(tx, 1, grid, place="人民东路62号院", created_at=at(26, 9), accept_due=at(26, 12),
                       accepted_at=at(26, 10), resolve_due=at(26, 18), resolved_at=at(26, 15),
                       closed_at=at(26, 16), state="closed", rating="satisfied")
        await rate(tx, t1, "satisfied", at(26, 16))
        t2 = await put(tx, 2, grid, place="人民东路62号院", created_at=at(26, 10), accept_due=at(26, 13),
                       accepted_at=at(26, 14), resolve_due=at(26, 20), state="accepted", rating="unsatisfied")
        await rate(tx, t2, "unsatisfied", at(26, 17))
        await put(tx, 3, grid, category="roads_lights", created_at=at(26, 11), accept_due=at(26, 15))
        await put(tx, 4, grid, created_at=at(25, 9), accept_due=at(25, 12), accepted_at=at(25, 10),
                  resolve_due=at(26, 9), resolved_at=at(26, 8), state="resolved")
        await put(tx, 5, other, created_at=at(26, 12), accept_due=at(27, 12))          # another community
        await put(tx, 6, grid, created_at=at(26, 13), state="cancelled", accept_due=at(26, 14))
    return {"community": community}


async def test_daily_counts_and_rates_for_a_community(deps, clock):
    ids = await dataset(deps)
    clock.set(datetime(2026, 11, 27, 9, tzinfo=TZ))
    b = await briefing.daily_briefing(deps, DAY, ids["community"])
    assert b.unit_name == "纺织路社区"
    assert b.counts == {"new": 4, "signed": 2, "resolved": 2, "closed": 1, "overdue": 2}
    # response: due in the day or signed in it: t1 (on time), t2 (late), t3 (not signed); t6 cancelled
    assert b.response == {"on_time": 1, "total": 3, "rate": 0.3333}
    # resolution: due in the day or resolved in it: t1 (closed), t4 (resolved), t2 (open)
    assert b.resolution == {"resolved": 2, "due": 3, "rate": 0.6667}
    assert b.satisfaction == {"satisfied": 1, "rated": 2, "rate": 0.5}
    assert b.top_categories[0] == ("排水防涝", 3)
    assert ("人民东路62号院", 2) in b.hot_spots
    assert [item["number"] for item in b.overdue_list] == ["GD-T3", "GD-T2"]
    assert b.patrol["patrolled"] == 0 and b.patrol["grids"] == 3
    assert b.series["days"][-1] == "2026-11-26" and len(b.series["days"]) == 14
    assert b.series["new"][-1] == 4 and b.series["new"][-2] == 1
    assert b.series["resolved"][-1] == 2


async def test_district_includes_everything_and_weekly_has_the_same_rates(deps, clock):
    await dataset(deps)
    clock.set(datetime(2026, 11, 27, 9, tzinfo=TZ))
    b = await briefing.daily_briefing(deps, DAY)
    assert b.counts["new"] == 5 and b.unit_name == "召陵区"
    week = await briefing.weekly_briefing(deps, date(2026, 11, 23))
    assert week.counts["new"] == 6 and week.counts["signed"] == 3
    assert week.response["total"] == 4 and week.response["on_time"] == 2
    text = briefing_text.format_briefing(week.to_dict())
    assert text.startswith("《民情周报》召陵区\n11月23日—11月29日 截至 09:00\n")


async def test_text_lists_rates_and_overdue_handlers(deps, clock):
    ids = await dataset(deps)
    clock.set(datetime(2026, 11, 27, 9, tzinfo=TZ))
    text = briefing_text.format_briefing((await briefing.daily_briefing(deps, DAY, ids["community"])).to_dict())
    assert text.startswith("《民情速报》纺织路社区\n2026年11月26日（周四）\n")
    assert "响应率 33.3%" in text and "解决率 66.7%" in text and "满意率 50.0%" in text
    assert "GD-T3" in text and "超签收时限" in text
    assert len(briefing_text.caption((await briefing.daily_briefing(deps, DAY)).to_dict())) <= 1024


async def test_chart_is_a_png_with_a_cjk_font(deps, clock, tmp_path):
    await dataset(deps)
    b = await briefing.daily_briefing(deps, DAY)
    path = chart.write_png(tmp_path / "c.png", b.series, briefing_text.chart_title(b.to_dict()))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.font_file() is not None


async def test_briefing_sent_once_after_the_configured_time(deps, clock):
    await dataset(deps)
    clock.set(datetime(2026, 11, 27, 7, 59, tzinfo=TZ))
    assert await briefing.send_due(deps) == 0
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=TZ))
    queued = await briefing.send_due(deps)
    assert await briefing.send_due(deps) == 0
    async with deps.db.read() as tx:
        rows = await tx.all("SELECT chat_id, kind, payload FROM outbox WHERE kind LIKE 'briefing%' ORDER BY id")
    assert queued == len(rows)
    chats = {r["chat_id"] for r in rows}
    assert {SUPERVISOR, STREET, DISTRICT} <= chats
    mine = [json.loads(r["payload"]) for r in rows if r["chat_id"] == SUPERVISOR]
    assert [p["briefing"]["unit_name"] for p in mine] == ["纺织路社区", "纺织路社区"]
    assert mine[0]["briefing"]["start"] == "2026-11-26"
    # a Monday also brings last week's summary
    clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=TZ))
    await briefing.send_due(deps)
    async with deps.db.read() as tx:
        kinds = [json.loads(r["payload"])["briefing"]["kind"] for r in await tx.all(
            "SELECT payload FROM outbox WHERE chat_id = :c AND kind = 'briefing' ORDER BY id", {"c": SUPERVISOR})]
    assert kinds == ["daily", "daily", "weekly"]
