"""Patrols: check-in inside or outside the grid's boundary, reminders once per missed cycle, coverage."""
from __future__ import annotations

from datetime import date

import pytest

from bot.services import briefing, patrol
from bot.services.errors import Forbidden
from conftest import RESIDENT, SUPERVISOR, WORKER

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines


async def reminders(deps, chat_id=WORKER) -> list[dict]:
    async with deps.db.read() as tx:
        return await tx.all("SELECT * FROM outbox WHERE kind = 'patrol_reminder' AND chat_id = :c", {"c": chat_id})


async def test_check_in_inside_and_outside_the_boundary(deps, actor):
    worker = await actor(WORKER)
    inside = await patrol.check_in(deps, worker, 33.5825, 114.0725)
    assert inside["inside"] is True and inside["grid_name"] == "纺织路社区第一网格"
    outside = await patrol.check_in(deps, worker, 33.60, 114.10)
    assert outside["inside"] is False
    with pytest.raises(Forbidden):
        await patrol.check_in(deps, await actor(RESIDENT), 33.58, 114.07)
    with pytest.raises(Forbidden):
        await patrol.check_in(deps, await actor(SUPERVISOR), 33.58, 114.07)


async def test_reminder_once_per_missed_cycle(deps, clock, actor):
    assert await patrol.remind(deps) == 0                     # starts counting now
    clock.advance(days=31)
    assert await patrol.remind(deps) > 0                      # rural grids: a 30-day cycle
    assert await reminders(deps) == []                        # 李伟's grid is urban: 45 days
    clock.advance(days=15)
    await patrol.remind(deps)
    assert len(await reminders(deps)) == 1
    await patrol.remind(deps)
    assert len(await reminders(deps)) == 1
    await patrol.check_in(deps, await actor(WORKER), 33.5825, 114.0725)
    clock.advance(days=44)
    await patrol.remind(deps)
    assert len(await reminders(deps)) == 1                    # patrolled grid: no reminder within the cycle
    clock.advance(days=2)
    await patrol.remind(deps)
    await patrol.remind(deps)
    assert len(await reminders(deps)) == 2


async def test_coverage_in_the_briefing(deps, clock, actor):
    await patrol.check_in(deps, await actor(WORKER), 33.5825, 114.0725)
    b = await briefing.daily_briefing(deps, date(2026, 11, 26), (await actor(SUPERVISOR)).unit_id)
    assert b.patrol == {"patrolled": 1, "grids": 3, "rate": 0.3333}
    clock.advance(days=46)
    b = await briefing.daily_briefing(deps, date(2027, 1, 10), (await actor(SUPERVISOR)).unit_id)
    assert b.patrol["patrolled"] == 0
