"""Everything the bot says leaves through the outbox: residents reporting in a burst while the
Bot API fails get their draft and their number once the fault clears, without sending again."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from flows import NUMBER

BURST = 20
FIRST = 61001


@pytest.fixture
def bot_config(bot_config):
    return replace(bot_config, outbox_max_backoff=timedelta(seconds=2), outbox_interval=timedelta(seconds=0.2))


async def one_report(gridbot, user_id: int, text: str, timeout: float) -> str:
    """A resident who sends once and presses once, then waits; returns the ticket number."""
    user = gridbot.user(user_id)
    await user.send(text)
    draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons), timeout=timeout)
    await user.press(draft, "✅ 提交")
    done = await user.wait_for("已受理", timeout=timeout)
    return NUMBER.search(done.text).group(0)


async def burst(gridbot, timeout: float = 40) -> list[str]:
    for uid in range(FIRST, FIRST + BURST):
        await gridbot.control.add_user(uid, f"居民{uid}")
    texts = [f"人民东路62号院{i}号楼路灯坏了，晚上很黑" for i in range(BURST)]
    return await asyncio.gather(*(one_report(gridbot, FIRST + i, texts[i], timeout) for i in range(BURST)))


async def drafts_per_resident(gridbot) -> list[int]:
    counts = []
    for uid in range(FIRST, FIRST + BURST):
        messages = await gridbot.user(uid).bot_messages()
        counts.append(sum(1 for m in messages if "请确认" in m.text or "已受理" in m.text))
    return counts


@pytest.mark.parametrize("name,fault,duplicates_allowed", [
    ("5x500", {"method": "*", "kind": "status", "status": 500, "count": 5}, False),
    ("502", {"method": "*", "kind": "status", "status": 502, "count": 3}, False),
    ("10x429", {"method": "*", "kind": "429", "retry_after": 1, "count": 10}, False),
    ("timeouts", {"method": "sendMessage", "kind": "timeout", "seconds": 6, "count": 3}, True),
    ("refused-outage", {"method": "*", "kind": "outage", "seconds": 5}, False),
    ("hanging-outage", {"method": "*", "kind": "outage", "seconds": 5, "hang": True}, False),
])
async def test_burst_under_faults_reaches_everyone(gridbot, name, fault, duplicates_allowed):
    await gridbot.control.fault(**fault)
    numbers = await burst(gridbot)
    assert len(set(numbers)) == BURST                              # one ticket each
    counts = await drafts_per_resident(gridbot)
    stats = await gridbot.control.stats()
    print(f"\n[burst {name}] faults served={stats['faults_served']} messages per resident={counts}")
    assert sum(stats["faults_served"].values()) >= 1
    if not duplicates_allowed:
        assert counts == [1] * BURST                               # the draft, edited into the receipt


async def test_direct_replies_wait_out_a_failure(gridbot):
    """/my during five 500s on sendMessage: answered once Telegram answers again, exactly once."""
    user = gridbot.user(FIRST)
    await gridbot.control.add_user(FIRST, "居民")
    await gridbot.control.fault(method="sendMessage", kind="status", status=500, count=5)
    await user.send("/my")
    await user.wait_for("工单", timeout=20)
    await asyncio.sleep(0.5)
    replies = [m for m in await user.bot_messages()]
    assert len(replies) == 1
    async with gridbot.deps.db.read() as tx:
        row = await tx.one("SELECT state, attempts FROM outbox WHERE chat_id = :c AND kind = 'say'", {"c": FIRST})
    assert row["state"] == "sent" and row["attempts"] >= 2


async def test_answer_to_a_press_is_retried(gridbot):
    """A button press whose answer meets a 500 is still answered (within Telegram's window)."""
    user = gridbot.user(FIRST)
    await gridbot.control.add_user(FIRST, "居民")
    await user.send("人民东路62号院路灯坏了")
    draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    await gridbot.control.fault(method="answerCallbackQuery", kind="status", status=500, count=2)
    query = await user.press(draft, "✅ 提交")
    await user.wait_for("已受理")
    for _ in range(100):
        answered = (await gridbot.control.callback_query(query))["answered"]
        if answered:
            break
        await asyncio.sleep(0.05)
    assert answered


@pytest.mark.engines("sqlite", "postgres")
async def test_text_the_database_cannot_store_is_cleaned(gridbot):
    """A lone UTF-16 surrogate or NUL in a report is replaced at the edge; the report goes through."""
    user = gridbot.user(FIRST)
    await gridbot.control.add_user(FIRST, "居民")
    await user.send("人民东路62号院路灯坏了\ud83d，晚上\x00很黑")
    draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    await user.press(draft, "✅ 提交")
    await user.wait_for("已受理")
    async with gridbot.deps.db.read() as tx:
        text = await tx.scalar("SELECT text FROM tickets ORDER BY id DESC LIMIT 1")
    assert "路灯坏了\ufffd，晚上\ufffd很黑" in text
