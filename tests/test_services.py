"""Use cases on a real SQLite file with the demo district and a fake clock."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.services import handling, intake, resident, supervision
from bot.services.errors import NotFound, Forbidden, InvalidInput, RateLimited, Stale
from storage import org
from conftest import RESIDENT, STREET, SUPERVISOR, WORKER, WORKER2

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines

FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def submit(deps, actor, text=FLOOD):
    await intake.start(deps, actor, text)
    return await intake.submit(deps, actor)


async def outbox(deps, kind=None):
    async with deps.db.read() as tx:
        rows = await tx.all("SELECT * FROM outbox ORDER BY id")
    return [r for r in rows if kind is None or r["kind"] == kind]


async def test_submit_routes_to_grid_with_deadlines_from_the_clock(deps, actor, clock):
    view = await submit(deps, await actor(RESIDENT))
    assert view["number"] == "GD20261126-0001"
    assert view["category"] == "drainage" and view["grid_name"] == "纺织路社区第一网格"
    # help class: sign for within 24 working hours, resolve within 5 working days (Thu 10:00 → Thu next week)
    assert view["accept_due"] == "2026-11-27T02:00:00+00:00"
    assert view["resolve_due"] == "2026-12-03T02:00:00+00:00"
    offers = await outbox(deps, "new_ticket")
    assert {r["chat_id"] for r in offers} >= {WORKER}


async def test_urgent_words_shorten_the_limits(deps, actor, clock):
    view = await submit(deps, await actor(RESIDENT), "人民东路62号院楼道里一股煤气味，好像燃气泄漏了")
    assert view["priority"] == "urgent"
    assert datetime.fromisoformat(view["resolve_due"]) - clock.now() == timedelta(hours=2)


async def test_two_sign_fors_at_once_exactly_one_wins(deps, actor):
    view = await submit(deps, await actor(RESIDENT))
    phone, tablet = await actor(WORKER), await actor(WORKER)      # 签收 pressed on two devices at once
    results = await asyncio.gather(handling.accept(deps, phone, view["id"]), handling.accept(deps, tablet, view["id"]),
                                   return_exceptions=True)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, Stale) for r in results) == 1
    async with deps.db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM ticket_events WHERE action = 'accept'") == 1


async def test_worker_of_another_grid_and_resident_refused(deps, actor):
    """Who may not see a ticket is answered as if it did not exist; its owner is refused."""
    view = await submit(deps, await actor(RESIDENT))
    with pytest.raises(NotFound):
        await handling.accept(deps, await actor(WORKER2), view["id"])
    with pytest.raises(Forbidden):
        await handling.accept(deps, await actor(RESIDENT), view["id"])
    with pytest.raises(NotFound):
        await resident.rate(deps, await actor(10999, "别人"), view["id"], "s")


async def test_supervisor_outside_jurisdiction_refused(deps, actor):
    view = await submit(deps, await actor(RESIDENT))
    await handling.accept(deps, await actor(WORKER), view["id"])
    await handling.escalate(deps, await actor(WORKER), view["id"], "需要社区协调")
    # an unrelated community's supervisor, bound to a chat, tries to dispatch it
    async with deps.db.transaction() as tx:
        person = await tx.one("SELECT s.id FROM staff s JOIN units u ON u.id = s.unit_id WHERE s.role = 'supervisor' "
                              "AND u.kind = 'community' AND u.name != '纺织路社区' LIMIT 1")
        await tx.execute("UPDATE staff SET chat_id = 777 WHERE id = :id", person)
    with pytest.raises(NotFound):          # outside their jurisdiction: as if it did not exist
        await supervision.dispatch(deps, await actor(777), view["id"], 1)
    with pytest.raises(Forbidden):
        await supervision.queue(deps, await actor(RESIDENT))


async def test_rating_unsatisfied_reopens_to_the_same_handler(deps, actor, clock):
    res, li = await actor(RESIDENT), await actor(WORKER)
    view = await submit(deps, res)
    await handling.accept(deps, li, view["id"])
    await handling.resolve(deps, li, view["id"], "已疏通")
    clock.advance(days=1)
    reopened = await resident.rate(deps, res, view["id"], "u")
    assert reopened["state"] == "accepted" and reopened["reopen_count"] == 1
    assert reopened["resolve_due"] > view["resolve_due"]
    assert (await outbox(deps, "reopened"))[0]["chat_id"] == WORKER
    with pytest.raises(Stale):
        await resident.rate(deps, res, view["id"], "s")          # not resolved any more


async def test_resident_ticket_limit_per_hour(deps, actor, clock):
    res = await actor(RESIDENT)
    for _ in range(deps.config.tickets_per_hour):
        await submit(deps, res)
    with pytest.raises(RateLimited):
        await submit(deps, res)
    clock.advance(hours=1, seconds=1)
    await submit(deps, res)


@pytest.mark.parametrize("text", ["", "   \n\t", "😀😀😀", "。。。！！"])
async def test_empty_or_meaningless_text_refused(deps, actor, text):
    with pytest.raises(InvalidInput):
        await intake.start(deps, await actor(RESIDENT), text)


async def test_draft_survives_restart(tmp_path, clock):
    from bot.app import build_deps
    from bot.config import Config
    config = Config(db_path=str(tmp_path / "g.db"))
    deps = await build_deps(config, clock=clock)
    from bot.services.accounts import identify
    res = await identify(deps, RESIDENT, "张阿姨")
    await intake.start(deps, res, FLOOD)
    await deps.db.close()
    deps = await build_deps(config, clock=clock)
    view = await intake.submit(deps, res)
    assert view["category"] == "drainage"
    await deps.db.close()


async def test_escalation_climbs_one_level_at_a_time(deps, actor):
    view = await submit(deps, await actor(RESIDENT))
    li, wang = await actor(WORKER), await actor(SUPERVISOR)
    step1 = await handling.escalate(deps, li, view["id"], "网格解决不了")
    assert step1["unit_name"] == "纺织路社区"
    step2 = await handling.escalate(deps, wang, view["id"], "社区解决不了")
    assert step2["unit_kind"] == "street"
    with pytest.raises(Stale) as moved:
        await handling.escalate(deps, wang, view["id"], "再上报")   # not at the community any more
    assert moved.value.reason == "moved" and moved.value.details["unit"] == step2["unit_name"]
    queue = await supervision.queue(deps, await actor(STREET))
    assert [c["number"] for c in queue["waiting"]] == [view["number"]]


async def test_waiting_on_the_resident_pauses_the_clock(deps, actor, clock):
    """追问 on a Friday afternoon, answered on Monday: the working-time deadline moves by the working time waited."""
    from bot.services import sweep
    res, li = await actor(RESIDENT), await actor(WORKER)
    clock.set(datetime.fromisoformat("2026-11-27T06:00:00+00:00"))          # Fri 14:00 in Shanghai
    view = await submit(deps, res)
    await handling.accept(deps, li, view["id"])
    due = datetime.fromisoformat(view["resolve_due"])                        # five working days later
    await handling.ask_resident(deps, li, view["id"], "积水大概多深？什么时候开始的？")
    asked = await outbox(deps)
    assert asked[-1]["chat_id"] == RESIDENT and "question" in asked[-1]["payload"]
    clock.set(due + timedelta(days=1))                                       # past the old deadline
    await sweep.sweep(deps)
    assert not [r for r in await outbox(deps) if r["kind"].startswith("deadline")]     # paused: nobody chased
    clock.set(datetime.fromisoformat("2026-12-07T02:00:00+00:00"))          # answered the next Monday 10:00
    answered_at = clock.now()
    after = await resident.reply(deps, res, view["id"], "大概到脚踝，前天开始的")
    waited = deps.calendar.working_time_between(datetime.fromisoformat("2026-11-27T06:00:00+00:00"), answered_at)
    assert datetime.fromisoformat(after["resolve_due"]) == deps.calendar.add_working_time(due, waited)
    assert (await outbox(deps))[-1]["kind"] == "resident_reply"
    with pytest.raises(Stale):
        await resident.reply(deps, res, view["id"], "再说一句")                # no longer waiting


async def test_rating_comment_is_asked_for_briefly(deps, clock):
    from bot.services import inputs
    await inputs.expect(deps, RESIDENT, "comment", 1)
    assert (await inputs.take(deps, RESIDENT))["what"] == "comment"
    await inputs.expect(deps, RESIDENT, "comment", 1)
    clock.advance(minutes=11)
    assert await inputs.take(deps, RESIDENT) is None            # later text is a new report again
    await inputs.expect(deps, RESIDENT, "ret", 1)
    clock.advance(minutes=29)
    assert (await inputs.take(deps, RESIDENT))["what"] == "ret"   # a handler's reason: half an hour
    await inputs.expect(deps, RESIDENT, "ret", 1)
    clock.advance(minutes=31)
    assert await inputs.take(deps, RESIDENT) is None
    await inputs.expect(deps, RESIDENT, "reply", 1)
    clock.advance(days=2)
    assert (await inputs.take(deps, RESIDENT))["what"] == "reply"   # a handler's question to her waits for her


async def test_personal_numbers_masked_for_everyone_but_resident_and_handler(deps, actor):
    import json
    res, li = await actor(RESIDENT), await actor(WORKER)
    view = await submit(deps, res, "人民东路62号院积水，我电话13812345678，身份证410102199001011234")
    assert "13812345678" in view["text"]                                   # the resident sees their own
    offer = json.loads((await outbox(deps, "new_ticket"))[0]["payload"])
    assert "13812345678" not in offer["ticket"]["text"] and "138****5678" in offer["ticket"]["text"]
    assert "410102199001011234" not in offer["ticket"]["text"]
    await handling.accept(deps, li, view["id"])
    mine = await resident.status(deps, li, view["number"])                 # the handler sees it whole
    assert "13812345678" in mine["text"]
    other = await resident.status(deps, await actor(SUPERVISOR), view["number"])
    assert "13812345678" not in other["text"]


async def test_stale_presses_say_what_happened(deps, actor):
    """已由 李* 签收, 已办结 …: a press on a card that has moved on names what became of the ticket."""
    from bot.services import actions
    view = await submit(deps, await actor(RESIDENT))
    li = await actor(WORKER)
    await handling.accept(deps, li, view["id"])
    async with deps.db.transaction() as tx:         # 王建国, the grid's other worker, on his phone
        await org.bind_staff(tx, (await org.staff_by_phone(tx, "13800000007"))["id"], 20007)
    with pytest.raises(Stale) as taken:
        await handling.accept(deps, await actor(20007), view["id"])
    assert taken.value.reason == "taken" and taken.value.details["by"] == "李*"
    with pytest.raises(Stale) as again:             # his own second tap
        await handling.accept(deps, li, view["id"])
    assert again.value.reason == "taken_by_you"
    await handling.resolve(deps, li, view["id"], "已疏通")
    with pytest.raises(Stale) as resolved:
        await handling.note(deps, li, view["id"], "再补充一句")
    assert resolved.value.reason == "now_resolved"
    with pytest.raises(NotFound):                   # ids that do not exist, however large
        await actions.perform(deps, li, "acc", 2 ** 70)


def test_retries_start_gently_then_back_off_up_to_the_cap(deps):
    from bot.services.outbox import backoff
    waits = [backoff(deps, attempts).total_seconds() for attempts in range(8)]
    assert waits == [1, 1, 1, 2, 4, 8, 16, 32]
    assert backoff(deps, 40) == deps.config.outbox_max_backoff
