"""Inbox claims between two processes, each its own connection to one database (an SQLite file in WAL
mode, or PostgreSQL), on one fake clock:
a chat is handled by one holder at a time, taken over once a dead holder's claim runs out, given up only
when nothing of it is pending, and an update is finished once."""
from __future__ import annotations

from dataclasses import replace

from bot.services import inbox
from storage.db import Database
from test_inbox import message

ENGINES = ("sqlite", "postgres")
A, B = "host:1:a", "host:2:b"


async def second_process(deps):
    """The same database opened again, as another process would (its own connection, same clock)."""
    return replace(deps, db=await Database.open(deps.db.path))


def other_chat(update_id: int, chat: int) -> tuple[int, int, dict]:
    _, _, data = message(update_id, "另一个人")
    data["message"]["chat"] = {"id": chat, "type": "private"}
    return update_id, chat, data


async def test_one_holder_per_chat_and_release_only_when_nothing_pending(deps):
    other = await second_process(deps)
    try:
        [first] = await inbox.record(deps, [message(1, "路灯坏了")])
        taken = await inbox.take(deps, 10001, A)
        assert taken.held and [r.inbox_id for r in taken.rows] == [first.inbox_id]
        await inbox.record(other, [message(2, "还有垃圾")])         # B received the chat's next update
        assert not (await inbox.take(other, 10001, B)).held            # A holds the chat
        await inbox.finish(deps, first.inbox_id, [])
        again = await inbox.take(deps, 10001, A)                       # A takes again before letting go
        assert [r.update_id for r in again.rows] == [2] and not again.released
        await inbox.finish(deps, again.rows[0].inbox_id, [])
        done = await inbox.take(deps, 10001, A)
        assert done.held and done.rows == [] and done.released
        [third] = await inbox.record(other, [message(3, "谢谢")])
        taken = await inbox.take(other, 10001, B)                      # free now: B takes it
        assert taken.held and [r.inbox_id for r in taken.rows] == [third.inbox_id]
    finally:
        await other.db.close()


async def test_a_dead_holders_claim_runs_out(deps, clock):
    other = await second_process(deps)
    try:
        await inbox.record(deps, [message(1, "路灯坏了"), other_chat(2, 10002)])
        assert (await inbox.take(deps, 10001, A)).held                # then A dies without finishing
        assert await inbox.unclaimed(other) == [10002]                 # the chat nobody holds is offered
        assert not (await inbox.take(other, 10001, B)).held
        clock.advance(seconds=deps.config.claim_ttl.total_seconds() - 2)
        assert await inbox.renew_claims(deps, A) == 1                  # a live holder renews …
        clock.advance(seconds=5)
        assert not (await inbox.take(other, 10001, B)).held
        clock.advance(seconds=deps.config.claim_ttl.total_seconds())      # … a dead one does not
        assert set(await inbox.unclaimed(other)) == {10001, 10002}
        taken = await inbox.take(other, 10001, B)
        assert taken.held and [r.update_id for r in taken.rows] == [1]
    finally:
        await other.db.close()


async def test_finished_once_and_claims_given_up_at_stop(deps):
    other = await second_process(deps)
    try:
        [row] = await inbox.record(deps, [message(1, "/my")])
        assert await inbox.finish(other, row.inbox_id, [(10001, "say", {"text": "一", "markup": None})])
        assert not await inbox.finish(deps, row.inbox_id, [(10001, "say", {"text": "二", "markup": None})])
        async with deps.db.read() as tx:
            said = await tx.all("SELECT payload FROM outbox WHERE kind = 'say'")
        assert len(said) == 1 and "一" in said[0]["payload"]

        await inbox.record(deps, [message(2, "路灯坏了")])
        assert (await inbox.take(deps, 10001, A)).held
        assert await inbox.release_claims(deps, A) == 1                # SIGTERM: free at once
        assert (await inbox.take(other, 10001, B)).held
    finally:
        await other.db.close()


async def test_the_last_finish_of_a_batch_gives_the_claim_up_unless_more_is_pending(deps):
    other = await second_process(deps)
    try:
        [first] = await inbox.record(deps, [message(1, "路灯坏了")])
        assert (await inbox.take(deps, 10001, A)).held
        await inbox.record(other, [message(2, "还有")])                 # arrived meanwhile, at B
        assert not await inbox.finish(deps, first.inbox_id, [], release=(10001, A))    # kept: 2 is pending
        assert not (await inbox.take(other, 10001, B)).held
        [second] = (await inbox.take(deps, 10001, A)).rows
        assert await inbox.finish(deps, second.inbox_id, [], release=(10001, A))       # released with it
        [third] = await inbox.record(other, [message(3, "谢谢")])
        assert [r.inbox_id for r in (await inbox.take(other, 10001, B)).rows] == [third.inbox_id]
    finally:
        await other.db.close()
