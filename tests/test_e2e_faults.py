"""Faults injected in the sandbox Bot API: every owed message arrives exactly once, in order."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.services import handling
from bot.services.accounts import identify
from conftest import RESIDENT, WORKER
from flows import report

NOTES = 6


@pytest.fixture
def bot_config(bot_config):
    return replace(bot_config, outbox_max_backoff=timedelta(seconds=1), outbox_interval=timedelta(seconds=0.2))


async def ticket_in_hand(gridbot):
    """A submitted ticket signed for by the worker, with every message so far delivered."""
    number = await report(gridbot.user(RESIDENT))
    await gridbot.user(WORKER).wait_for(number)
    worker = await identify(gridbot.deps, WORKER)
    async with gridbot.deps.db.read() as tx:
        ticket_id = await tx.scalar("SELECT id FROM tickets WHERE number = :n", {"n": number})
    await handling.accept(gridbot.deps, worker, ticket_id)
    await gridbot.user(RESIDENT).wait_for("已由网格员")
    return worker, ticket_id


async def owe_notes(gridbot, worker, ticket_id, tag: str) -> list[str]:
    notes = [f"{tag} 第{i}次进展" for i in range(1, NOTES + 1)]
    for note in notes:
        await handling.note(gridbot.deps, worker, ticket_id, note)
    return notes


async def delivered(gridbot, tag: str, expected: int, timeout: float) -> list[str]:
    """The notes with `tag` in the resident's chat, once `expected` of them arrived (or the time is up)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        seen = [m.text for m in await gridbot.user(RESIDENT).bot_messages() if tag in m.text]
        if len(seen) >= expected or loop.time() > end:
            return seen
        await asyncio.sleep(0.2)


async def outbox_states(gridbot) -> dict:
    async with gridbot.deps.db.read() as tx:
        rows = await tx.all("SELECT state, count(*) AS n FROM outbox GROUP BY state")
    return {r["state"]: r["n"] for r in rows}


def summary(name, notes, seen, states):
    lost = [n for n in notes if not any(n in s for s in seen)]
    duplicates = len(seen) - len({s for s in seen})
    print(f"\n[fault {name}] owed={len(notes)} delivered={len(seen)} duplicates={duplicates} "
          f"lost={len(lost)} outbox={states}")
    return lost, duplicates


@pytest.mark.parametrize("name,fault", [
    ("five-500s", {"method": "sendMessage", "kind": "status", "status": 500, "count": 5}),
    ("429-burst", {"method": "sendMessage", "kind": "429", "retry_after": 1, "count": 4}),
    ("drop", {"method": "sendMessage", "kind": "drop", "count": 3}),
])
async def test_owed_messages_survive_faults(gridbot, name, fault):
    worker, ticket_id = await ticket_in_hand(gridbot)
    await gridbot.control.fault(**fault)
    notes = await owe_notes(gridbot, worker, ticket_id, name)
    seen = await delivered(gridbot, name, NOTES, timeout=20)
    lost, duplicates = summary(name, notes, seen, await outbox_states(gridbot))
    assert not lost and not duplicates
    assert [n for n in notes] == [next(n for n in notes if n in s) for s in seen]      # in order
    stats = await gridbot.control.stats()
    assert sum(stats["faults_served"].values()) >= fault["count"]


async def test_thirty_second_outage(gridbot):
    worker, ticket_id = await ticket_in_hand(gridbot)
    await gridbot.control.fault(method="*", kind="outage", seconds=30)
    notes = await owe_notes(gridbot, worker, ticket_id, "outage")
    seen = await delivered(gridbot, "outage", NOTES, timeout=60)
    lost, duplicates = summary("outage-30s", notes, seen, await outbox_states(gridbot))
    assert not lost and not duplicates
    assert [next(n for n in notes if n in s) for s in seen] == notes
    # polling came back too: the resident can talk to the bot again
    await gridbot.user(RESIDENT).send("/my")
    await gridbot.user(RESIDENT).wait_for("我的工单", timeout=20)


async def test_blocked_resident_is_marked_unreachable(gridbot):
    worker, ticket_id = await ticket_in_hand(gridbot)
    await gridbot.control.block(RESIDENT)
    notes = await owe_notes(gridbot, worker, ticket_id, "blocked")
    warning = await gridbot.user(WORKER).wait_for("无法接收", timeout=10)
    assert "请通过电话" in warning.text
    await asyncio.sleep(0.5)
    states = await outbox_states(gridbot)
    print(f"\n[fault blocked] owed={len(notes)} undeliverable={states.get('undeliverable')} outbox={states}")
    async with gridbot.deps.db.read() as tx:
        failed = await tx.all("SELECT chat_id, kind FROM outbox WHERE state = 'undeliverable'")
    # the notes, and edits of her cards queued before she was known unreachable (none after)
    assert {f["chat_id"] for f in failed} == {RESIDENT} and not states.get("pending")
    assert sum(f["kind"] == "resident_update" for f in failed) == NOTES
    async with gridbot.deps.db.read() as tx:
        number = await tx.scalar("SELECT number FROM tickets WHERE id = :id", {"id": ticket_id})
    await gridbot.user(WORKER).send(f"/status {number}")
    detail = await gridbot.user(WORKER).wait_for(lambda m: m.text.startswith(f"工单 {number}"))
    assert "无法送达" in detail.text
    # only one warning for the ticket, however many messages failed
    warnings = [m for m in await gridbot.user(WORKER).bot_messages() if "无法接收" in m.text]
    assert len(warnings) == 1
