"""The durable inbox on a real SQLite file: stored once, re-deliveries recognised, restarts lower not ignored."""
from __future__ import annotations

from bot.services import inbox

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines


def message(update_id: int, text: str, date: int = 1_700_000_000) -> tuple[int, int, dict]:
    return (update_id, 10001, {"update_id": update_id, "message": {
        "message_id": update_id, "date": date, "text": text,
        "chat": {"id": 10001, "type": "private"}, "from": {"id": 10001, "is_bot": False, "first_name": "张"}}})


async def test_redelivery_is_stored_once_and_a_reused_id_is_new(deps):
    first = await inbox.record(deps, [message(1, "路灯坏了"), message(2, "/my")])
    assert [r.update_id for r in first] == [1, 2]
    again = await inbox.record(deps, [message(1, "路灯坏了"), message(2, "/my")])      # not confirmed: sent again
    assert again == []
    restarted = await inbox.record(deps, [message(1, "垃圾没人收", date=1_700_100_000)])  # ids began again
    assert [r.data["message"]["text"] for r in restarted] == ["垃圾没人收"]


async def test_pending_until_finished_with_its_replies(deps):
    rows = await inbox.record(deps, [message(5, "a"), message(6, "b")])
    assert [r.inbox_id for r in await inbox.pending(deps)] == [r.inbox_id for r in rows]
    await inbox.finish(deps, rows[0].inbox_id, [(10001, "say", {"text": "好的", "markup": None})])
    assert [r.update_id for r in await inbox.pending(deps)] == [6]
    async with deps.db.read() as tx:
        owed = await tx.all("SELECT chat_id, kind, state FROM outbox WHERE kind = 'say'")
    assert owed == [{"chat_id": 10001, "kind": "say", "state": "pending"}]


async def test_unstorable_text_is_cleaned():
    assert inbox.clean({"a": ["x\ud83dy", "n\x00l", 3]}) == {"a": ["x\ufffdy", "n\ufffdl", 3]}
    assert inbox.clean("😀") == "😀"


async def test_cleaned_update_is_stored(deps):
    [row] = await inbox.record(deps, [message(9, "坏了\udc00")])
    assert row.data["message"]["text"] == "坏了\ufffd"
    [pending] = await inbox.pending(deps)
    assert pending.data == row.data
