"""延期's dates on a real database file with a fake clock: steps over a holiday, a typed date over the new year."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.clock import iso
from bot.services import extension, handling, intake
from bot.services.errors import Forbidden, InvalidInput, NotFound, Stale
from conftest import RESIDENT, WORKER, WORKER2

FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def accepted(deps, actor, resolve_due: str) -> int:
    who = await actor(RESIDENT)
    await intake.start(deps, who, FLOOD)
    view = await intake.submit(deps, who)
    await handling.accept(deps, await actor(WORKER), view["id"])
    async with deps.db.transaction() as tx:
        await tx.execute("UPDATE tickets SET resolve_due = :due WHERE id = :id", {"due": resolve_due, "id": view["id"]})
    return view["id"]


def utc(*args) -> str:
    return iso(datetime(*args, tzinfo=timezone.utc))


async def test_steps_count_working_days_over_national_day(deps, clock, actor):
    clock.set(datetime(2026, 9, 28, 2, 0, tzinfo=timezone.utc))                  # Monday 10:00 in Shanghai
    ticket_id = await accepted(deps, actor, utc(2026, 9, 30, 2, 0))                # due Wednesday 30 September
    offer = await extension.offer(deps, await actor(WORKER), ticket_id)
    # 10月8日, 9日, 10日 (a make-up Saturday) …; 18:00 Shanghai is 10:00 UTC
    assert offer["options"] == [(3, utc(2026, 10, 10, 10, 0)), (5, utc(2026, 10, 13, 10, 0)), (10, utc(2026, 10, 20, 10, 0))]
    chosen = await extension.choose_step(deps, await actor(WORKER), ticket_id, "5")
    assert chosen["until"] == utc(2026, 10, 13, 10, 0)
    with pytest.raises(Stale):
        await extension.choose_step(deps, await actor(WORKER), ticket_id, "7")
    with pytest.raises(NotFound):           # another grid's worker: as if there were no such ticket
        await extension.offer(deps, await actor(WORKER2), ticket_id)


async def test_typed_dates_in_december(deps, clock, actor):
    clock.set(datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc))
    ticket_id = await accepted(deps, actor, utc(2026, 12, 28, 2, 0))
    worker = await actor(WORKER)
    assert await extension.read(deps, worker, ticket_id, "1月5日 等材料") == (utc(2027, 1, 5, 10, 0), "等材料")
    assert await extension.read(deps, worker, ticket_id, "十二月二十九日") == (utc(2026, 12, 29, 10, 0), "")
    with pytest.raises(InvalidInput) as early:
        await extension.read(deps, worker, ticket_id, "12月28日 等材料")         # the deadline's own day
    assert early.value.reason == "extension_too_early"
    with pytest.raises(InvalidInput) as junk:
        await extension.read(deps, worker, ticket_id, "尽快处理")
    assert junk.value.reason == "extension_not_date" and junk.value.details["example"] > utc(2026, 12, 28, 2, 0)
    # after a +N button, a text without a date is the reason
    assert await extension.read(deps, worker, ticket_id, "尽快处理", until=utc(2027, 1, 4, 10, 0)) == \
        (utc(2027, 1, 4, 10, 0), "尽快处理")
