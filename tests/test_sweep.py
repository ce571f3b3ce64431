"""The deadline sweep on a real database file with a fake clock: each alert once, across restarts; digests."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.app import build_deps
from bot.clock import parse_iso
from bot.services import handling, intake, resident as resident_service
from bot.services.sweep import sweep, sweep_query_plan
from conftest import RESIDENT, STREET, SUPERVISOR, WORKER

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines

FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def submit(deps, actor, text=FLOOD) -> dict:
    who = await actor(RESIDENT)
    await intake.start(deps, who, text)
    return await intake.submit(deps, who)


async def ticket_row(deps, ticket_id: int) -> dict:
    async with deps.db.read() as tx:
        return await tx.one("SELECT * FROM tickets WHERE id = :id", {"id": ticket_id})


async def alerts(deps, after: int = 0) -> list[dict]:
    async with deps.db.read() as tx:
        rows = await tx.all("SELECT * FROM outbox WHERE id > :after AND kind LIKE 'deadline_%' ORDER BY id",
                            {"after": after})
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


def summary(rows) -> list[tuple[int, str, str]]:
    return sorted((r["chat_id"], r["payload"].get("deadline"), r["payload"].get("stage")) for r in rows)


async def test_reminder_overdue_supervision_each_once(deps, clock, actor):
    view = await submit(deps, actor)
    due = parse_iso((await ticket_row(deps, view["id"]))["accept_due"])
    assert (await sweep(deps)).messages == 0

    clock.set(due - timedelta(hours=1))
    result = await sweep(deps)
    assert result.reminders == 1
    first = await alerts(deps)
    assert (WORKER, "accept", "remind") in summary(first)
    assert all(r["payload"]["stage"] == "remind" for r in first)
    assert (await sweep(deps)).messages == 0

    clock.set(due + timedelta(minutes=1))
    await sweep(deps)
    second = await alerts(deps, first[-1]["id"])
    assert (WORKER, "accept", "overdue") in summary(second)
    assert (SUPERVISOR, "accept", "overdue") in summary(second)
    assert STREET not in {r["chat_id"] for r in second}
    assert (await sweep(deps)).messages == 0

    clock.set(due + deps.config.supervision_after + timedelta(minutes=1))
    await sweep(deps)
    third = await alerts(deps, second[-1]["id"])
    assert summary(third) == [(STREET, "accept", "supervise")]
    clock.advance(days=3)
    assert (await sweep(deps)).messages == 0
    assert (await ticket_row(deps, view["id"]))["sweep_done"] == 1


async def test_restart_sends_nothing_twice(deps, clock, actor, tmp_path):
    view = await submit(deps, actor)
    due = parse_iso((await ticket_row(deps, view["id"]))["accept_due"])
    clock.set(due + timedelta(minutes=5))
    await sweep(deps)
    before = await alerts(deps)
    assert before
    await deps.db.close()

    again = await build_deps(deps.config, clock=clock)
    try:
        assert (await sweep(again)).messages == 0
        clock.set(due + again.config.supervision_after + timedelta(minutes=1))
        await sweep(again)
        assert summary(await alerts(again, before[-1]["id"])) == [(STREET, "accept", "supervise")]
    finally:
        await again.db.close()


async def test_downtime_gives_one_digest_per_person(deps, clock, actor):
    views = [await submit(deps, actor, FLOOD + f"（第{i}次）") for i in range(5)]
    clock.advance(days=10)          # the bot was down: every deadline passed long ago
    result = await sweep(deps)
    rows = await alerts(deps)
    per_chat: dict[int, list[str]] = {}
    for row in rows:
        per_chat.setdefault(row["chat_id"], []).append(row["kind"])
    assert per_chat[WORKER] == ["deadline_digest"]
    assert per_chat[SUPERVISOR] == ["deadline_digest"]
    assert per_chat[STREET] == ["deadline_digest"]
    digest = next(r for r in rows if r["chat_id"] == WORKER)
    assert len(digest["payload"]["items"]) == len(views)
    assert result.digests == len(per_chat)
    assert (await sweep(deps)).messages == 0


async def test_resolve_deadline_goes_to_the_assignee_and_extension_starts_a_new_round(deps, clock, actor):
    view = await submit(deps, actor)
    worker = await actor(WORKER)
    await handling.accept(deps, worker, view["id"])
    ticket = await ticket_row(deps, view["id"])
    due = parse_iso(ticket["resolve_due"])
    clock.set(due + timedelta(minutes=1))
    await sweep(deps)
    rows = await alerts(deps)
    assert summary(rows) == [(WORKER, "resolve", "overdue"), (SUPERVISOR, "resolve", "overdue")]
    # a moved deadline (as an approved extension does) is a new round of alerts
    async with deps.db.transaction() as tx:
        await tx.execute("UPDATE tickets SET resolve_due = :d WHERE id = :id",
                         {"d": (due + timedelta(days=3)).isoformat(), "id": view["id"]})
    clock.set(due + timedelta(days=3, minutes=1))
    await sweep(deps)
    assert (WORKER, "resolve", "overdue") in summary(await alerts(deps, rows[-1]["id"]))


async def test_unrated_resolved_ticket_closes_itself(deps, clock, actor):
    view = await submit(deps, actor)
    worker = await actor(WORKER)
    await handling.accept(deps, worker, view["id"])
    await handling.resolve(deps, worker, view["id"], "已疏通排水管道")
    clock.advance(days=6)
    assert (await sweep(deps)).auto_closed == 0
    clock.advance(days=1, minutes=1)
    assert (await sweep(deps)).auto_closed == 1
    ticket = await ticket_row(deps, view["id"])
    assert ticket["state"] == "closed" and ticket["rating"] is None
    async with deps.db.read() as tx:
        notice = await tx.one("SELECT payload FROM outbox WHERE kind = 'resident_update' ORDER BY id DESC LIMIT 1")
    assert json.loads(notice["payload"])["event"] == "auto_closed"
    assert (await sweep(deps)).auto_closed == 0


async def test_rated_ticket_is_not_auto_closed(deps, clock, actor):
    view = await submit(deps, actor)
    worker = await actor(WORKER)
    await handling.accept(deps, worker, view["id"])
    await handling.resolve(deps, worker, view["id"], "已处理")
    await resident_service.rate(deps, await actor(RESIDENT), view["id"], "s")
    clock.advance(days=30)
    assert (await sweep(deps)).auto_closed == 0


@pytest.mark.engines("sqlite")          # SQLite's planner; PostgreSQL picks by statistics
async def test_query_plan_uses_the_partial_indexes(deps):
    plan = " | ".join(await sweep_query_plan(deps))
    assert "USING INDEX tickets_sweep_accept" in plan
    assert "USING INDEX tickets_sweep_resolve" in plan
    assert "SCAN" not in plan.replace("SCAN SUBQUERY", "")
