"""Concurrent updates: different chats race each other, one chat races itself; the invariants hold."""
from __future__ import annotations

import asyncio

from conftest import RESIDENT, WORKER
from flows import FLOOD, history, report, ticket_state

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines


async def test_cancel_and_sign_for_at_once_one_wins(gridbot):
    resident, worker = gridbot.user(RESIDENT), gridbot.user(WORKER)
    for round_ in range(3):
        number = await report(resident, FLOOD.replace("积水", f"积水{round_}"))
        offer = await worker.wait_for(number)
        await resident.send(f"/status {number}")
        detail = await resident.wait_for(lambda m: m.text.startswith(f"工单 {number}"))
        await asyncio.gather(resident.press(detail, "撤销这张工单"), worker.press(offer, "签收"))
        for _ in range(100):
            events = await history(gridbot.deps, number)
            if "cancel" in events or "accept" in events:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)                      # the loser's update is handled too
        events = await history(gridbot.deps, number)
        state = (await ticket_state(gridbot.deps, number))["state"]
        assert ("cancel" in events) != ("accept" in events), events
        assert state == ("cancelled" if "cancel" in events else "accepted")


async def test_one_chat_against_itself_keeps_order_and_submits_once(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("人民东路62号院路灯坏了，晚上很黑")
    draft = await resident.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    # a double tap and two commands, all before the bot answered any of them
    await asyncio.gather(resident.press(draft, "✅ 提交"), resident.press(draft, "✅ 提交"))
    await resident.send("/help")
    await resident.send("/my")
    listing = await resident.wait_for(lambda m: m.text.startswith("我的工单"))
    async with gridbot.deps.db.read() as tx:
        tickets = await tx.scalar("SELECT count(*) FROM tickets")
    assert tickets == 1 and listing.text.count("GD") == 1
    messages = await resident.bot_messages()
    order = [m.message_id for m in messages]
    assert order == sorted(order)
    texts = [m.text for m in messages]
    receipt = next(i for i, t in enumerate(texts) if "已受理" in t)
    helped = next(i for i, t in enumerate(texts) if "/help" in t)
    assert receipt < helped < texts.index(listing.text)     # replies in the order the updates came


async def test_many_chats_at_once_get_distinct_tickets(gridbot):
    users = list(range(63001, 63031))
    for uid in users:
        await gridbot.control.add_user(uid, f"居民{uid}")
    numbers = await asyncio.gather(*(report(gridbot.user(uid), f"人民东路62号院{i}号楼下水道堵了")
                                     for i, uid in enumerate(users)))
    assert len(set(numbers)) == len(users)
    async with gridbot.deps.db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM tickets") == len(users)
        assert await tx.scalar("SELECT count(*) FROM inbox WHERE state = 'pending'") == 0
