"""Live cards over the sandbox: after a whole lifecycle no card in a worker's or a supervisor's chat
offers a button that would be refused; stale and hostile presses get a polite, truthful answer."""
from __future__ import annotations

import asyncio
import random

from conftest import RESIDENT, SUPERVISOR, WORKER, WORKER2
from flows import act, answer_of, report, ticket_state

from bot.actions import allowed, parse
from bot.services.accounts import identify
from bot.services.cards import facts_for
from storage import tickets


async def _settle(gridbot, seconds: float = 0.6) -> None:
    """Until the outbox is empty (the edits of the cards are out)."""
    for _ in range(100):
        async with gridbot.deps.db.read() as tx:
            if not await tx.scalar("SELECT count(*) FROM outbox WHERE state = 'pending'"):
                break
        await asyncio.sleep(0.05)
    await asyncio.sleep(seconds)


async def refused_buttons(gridbot, chat_id: int) -> list[tuple[str, str]]:
    """Buttons in `chat_id`'s chat that the action table would refuse now."""
    deps, bad = gridbot.deps, []
    actor = await identify(deps, chat_id)
    for message in await gridbot.user(chat_id).bot_messages():
        for label, data in (b for row in message.buttons or [] for b in ([row] if isinstance(row, tuple) else row)):
            parsed = parse(data)
            if parsed is None or not data.startswith("t:"):
                continue
            code, ticket_id, _ = parsed
            async with deps.db.read() as tx:
                ticket = await tickets.get(tx, ticket_id)
                ok = ticket is not None and allowed("disp" if code in ("to", "back") else code, ticket, actor,
                                                    await facts_for(tx, deps, actor, ticket))
            if not ok:
                bad.append((message.text.split("\n")[0], label))
    return bad


async def test_full_lifecycle_leaves_no_button_that_would_be_refused(gridbot):
    resident, li, zhao, wang = (gridbot.user(u) for u in (RESIDENT, WORKER, WORKER2, SUPERVISOR))
    number = await report(resident)
    # a return, a re-dispatch to the second grid
    await act(li, number, "退回", reply="不属于本网格，是第二网格的", expect="已退回")
    assert "已退回" in (await resident.wait_for("退回")).text
    await act(wang, "退回待派单", "派单/交办")
    picker = await wang.wait_for("请选择派往")
    assert number in picker.text and "不属于本网格" in picker.text and picker.button("返回")
    await wang.press(picker, "纺织路社区第二网格")
    await wang.wait_for("已派往 纺织路社区第二网格")
    assert "纺织路社区第二网格" in (await resident.wait_for("已派往")).text
    # the first worker's offer followed the ticket: a press on it says where it went
    offer = (await li.bot_messages())[0]
    assert not offer.button("签收")
    query = await li.forge_press(offer, f"t:acc:{(await ticket_state(gridbot.deps, number))['id']}")
    assert "已转派至 纺织路社区第二网格" in (await answer_of(gridbot.control, query))["answer"]["text"]
    await wang.send(f"/status {number}")
    assert "派单至 纺织路社区第二网格" in (await wang.wait_for("办理记录")).text   # history names the target
    # sign for, an extension asked and approved
    await act(zhao, number, "签收", expect="办理中")
    await act(zhao, number, "延期", reply="2027-01-15 需要等施工队进场", expect="已提交延期申请")
    await act(wang, "延期申请", "批准延期", expect="已批准")
    assert "施工队" in (await resident.wait_for("办结时限已延长")).text       # the resident hears why
    # resolved, rated unsatisfied with a reason (reopen), resolved again, rated satisfied: archived
    await act(zhao, number, "办结", reply="已清理雨水篦子", expect="已办结")
    rating = await resident.wait_for("请您评价")
    await resident.press(rating, "不满意")
    await resident.wait_for("哪里不满意")
    await resident.send("只清了一半，还是积水")
    await resident.wait_for("不满意的原因")
    assert "只清了一半" in (await zhao.wait_for("不满意的原因")).text
    await act(zhao, number, "办结", reply="加装了排水管，已验收", expect="已办结")
    rating = await resident.wait_for(lambda m: "请您评价" in m.text and "加装了排水管" in m.text)
    await resident.press(rating, "满意")
    await resident.wait_for("感谢您的评价")
    assert "加装了排水管" in (await zhao.wait_for("居民评价：满意")).text           # the result it rated
    assert (await ticket_state(gridbot.deps, number))["state"] == "closed"
    await _settle(gridbot)
    for chat in (WORKER, WORKER2, SUPERVISOR, RESIDENT):
        assert await refused_buttons(gridbot, chat) == [], chat
    receipt = next(m for m in await resident.bot_messages() if "已受理" in m.text)
    assert "已归档" in receipt.text and [b[0] for b in receipt.buttons] == ["补充评价"]   # the receipt followed too
    # every card of the ticket now says it is archived
    cards = [m for m in await zhao.bot_messages() if number in m.text and m.edited]
    assert cards and all("已归档" in m.text for m in cards)


async def test_any_callback_data_gets_a_polite_answer(gridbot):
    """Arbitrary data never reaches the error handler (its text is the internal-error alert)."""
    resident, li = gridbot.user(RESIDENT), gridbot.user(WORKER)
    await report(resident)
    offer = await li.wait_for("新工单")
    rng = random.Random(11)
    samples = ["t:to:1:abc", "t:acc:" + "9" * 40, "t:acc:1:2:3", "t:", "t::", "t:acc:-5", "t:rate:1:zz",
               "t:to:1:" + "9" * 30, "t:back:1", "t:disp:99999", "d:x", "\ud83d", "t:acc:1\x00"]
    alphabet = "t:0123456789abcdefghijklmnopqrstuvwxyz-_ 网格"
    samples += ["t:" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(15)]
    for data in samples:
        query = await li.forge_press(offer, data[:64])
        text = (await answer_of(gridbot.control, query))["answer"].get("text") or ""
        assert "系统暂时出了点问题" not in text, data


async def test_whistle_is_held_by_the_whistler_and_each_supervisor_gets_one_alert(gridbot):
    li, zhao, wang = gridbot.user(WORKER), gridbot.user(WORKER2), gridbot.user(SUPERVISOR)
    await li.send("/whistle 人民东路62号院3号楼外墙脱落，砸到人行道")
    done = await li.wait_for("已吹哨")
    number = done.text.split("工单 ")[1].split(" ")[0]
    ticket = await ticket_state(gridbot.deps, number)
    assert ticket["state"] == "accepted" and ticket["priority"] == "urgent"      # he is on the spot: his
    await _settle(gridbot)
    assert not [m for m in await li.bot_messages() if m.button("签收")]            # no order of his own to sign
    alerts = [m for m in await wang.bot_messages() if number in m.text]
    assert len(alerts) == 1 and alerts[0].button("派单/交办")                      # one alert, with what he can do
    assert not [m for m in await zhao.bot_messages() if number in m.text]
    assert await refused_buttons(gridbot, WORKER) == [] and await refused_buttons(gridbot, SUPERVISOR) == []


async def test_dispatch_picker_back_restores_the_card(gridbot):
    resident, li, wang = gridbot.user(RESIDENT), gridbot.user(WORKER), gridbot.user(SUPERVISOR)
    number = await report(resident)
    await act(li, number, "退回", reply="不属于本网格", expect="已退回")
    queue = await act(wang, "退回待派单", "派单/交办")
    picker = await wang.wait_for("请选择派往")
    assert picker.message_id == queue.message_id
    await wang.press(picker, "返回")
    card = await wang.wait_for(lambda m: m.message_id == queue.message_id and "请选择派往" not in m.text)
    assert number in card.text and card.button("派单/交办")
