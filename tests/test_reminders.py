"""Reminders that make sense, on a real database file with an injected clock: the lead is capped by the
time limit, times are told in 分钟/小时/天 (never 0秒), each label once."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.clock import parse_iso
from bot.services import intake
from bot.services.sweep import sweep
from bot.sla import reminder_lead
from conftest import RESIDENT, WORKER
from handlers import render

GAS = "人民东路62号院楼道里一股煤气味，好像燃气泄漏了"
FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"
LABELS = ("签收时限：", "办结时限：", "类别：", "位置：", "承办人：", "承办单位：")


async def submit(deps, actor, text):
    who = await actor(RESIDENT)
    await intake.start(deps, who, text)
    return await intake.submit(deps, who)


async def alerts(deps, after: int = 0) -> list[dict]:
    async with deps.db.read() as tx:
        rows = await tx.all("SELECT * FROM outbox WHERE id > :after AND kind LIKE 'deadline_%' ORDER BY id",
                            {"after": after})
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


def texts(rows) -> list[str]:
    return [render.outbox_message(r["kind"], r["payload"])[0] for r in rows]


def test_the_lead_is_capped_by_the_limit():
    assert reminder_lead(timedelta(hours=2), timedelta(minutes=30)) == timedelta(minutes=10)
    assert reminder_lead(timedelta(hours=2), timedelta(hours=24)) == timedelta(hours=2)
    assert reminder_lead(timedelta(hours=2), timedelta(hours=3)) == timedelta(hours=1)


async def test_an_urgent_sign_for_is_not_due_a_minute_after_it_came(deps, clock, actor):
    view = await submit(deps, actor, GAS)
    assert view["priority"] == "urgent"
    due = parse_iso(view["accept_due"])
    assert due - clock.now() == timedelta(minutes=30)
    clock.advance(minutes=1)
    assert (await sweep(deps)).reminders == 0
    clock.set(due - timedelta(minutes=11))
    assert (await sweep(deps)).reminders == 0
    clock.set(due - timedelta(minutes=9, seconds=30))
    assert (await sweep(deps)).reminders == 1
    [reminder] = [t for t in texts(await alerts(deps)) if "即将超时" in t]
    assert "剩余 10分钟" in reminder and "签收时限：" in reminder


async def test_overdue_at_the_deadline_says_a_minute_and_labels_come_once(deps, clock, actor):
    view = await submit(deps, actor, FLOOD)
    due = parse_iso(view["accept_due"])
    seen: list[str] = []
    for moment in (due - timedelta(hours=1, minutes=59, seconds=40), due, due + deps.config.supervision_after):
        clock.set(moment)
        await sweep(deps)
    rows = await alerts(deps)
    seen = texts(rows)
    stages = {(r["payload"]["stage"], r["payload"]["tier"]) for r in rows}
    assert stages == {("remind", "handler"), ("overdue", "handler"), ("overdue", "above"), ("supervise", "supervision")}
    assert any("剩余 2小时" in t for t in seen)
    overdue = [t for r, t in zip(rows, seen) if r["payload"]["stage"] == "overdue"]
    assert overdue and all("已超时 1分钟" in t for t in overdue)
    assert any("已超时 1天" in t for r, t in zip(rows, seen) if r["payload"]["stage"] == "supervise")
    for text in seen:
        assert "0秒" not in text and "秒" not in text
        for label in LABELS:
            assert text.count(label) <= 1, (label, text)


async def test_a_digest_tells_time_left_and_overdue(deps, clock, actor):
    views = [await submit(deps, actor, FLOOD) for _ in range(4)]
    clock.set(parse_iso(views[0]["accept_due"]) + timedelta(hours=3))
    await sweep(deps)
    [digest] = [r for r in await alerts(deps) if r["chat_id"] == WORKER and r["kind"] == "deadline_digest"]
    text = texts([digest])[0]
    assert text.count("已超时 3小时") == 4 and "0秒" not in text


@pytest.mark.parametrize("seconds, text", [
    (0, "1分钟"), (20, "1分钟"), (89, "1分钟"), (91, "2分钟"), (3599, "1小时"), (3600, "1小时"),
    (3660, "1小时1分钟"), (7200 + 29 * 60, "2小时29分钟"), (86400, "1天"), (90000, "1天1小时"),
    (86400 + 23 * 3600 + 40 * 60, "2天"), (10 * 86400 + 1, "10天"),
])
def test_durations_read_like_people_say_them(seconds, text):
    assert render.duration_text(seconds) == text
