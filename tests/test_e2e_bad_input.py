"""Bad and hostile input through the sandbox: a polite Chinese answer, nothing lost, nothing broken."""
from __future__ import annotations

import pytest

from conftest import RESIDENT, WORKER
from flows import answer_of, report, ticket_state


@pytest.mark.parametrize("text", [
    "<b>人民东路62号院</b> 路灯坏了 & 没人管 _*[ `code` ]( 都不亮",
    "'; DROP TABLE tickets; -- 人民东路62号院垃圾没人清",
    "我家樓下的路燈壞了好幾天，人民東路62號院",
    "人民东路62号院 elevator 坏了 help!!! 电梯困人风险",
])
async def test_special_text_is_escaped_and_kept(gridbot, text):
    resident = gridbot.user(RESIDENT)
    await resident.send(text)
    reply = await resident.wait_for("请确认")
    assert text.split()[0].replace("<b>", "").replace("</b>", "")[:4] in reply.text     # shown as typed, escaped
    async with gridbot.deps.db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM units") > 0                 # nothing was dropped


async def test_four_thousand_characters_accepted_and_trimmed_for_display(gridbot):
    resident = gridbot.user(RESIDENT)
    text = "人民东路62号院下雨积水。" + "情况说明" * 1020
    text = text[:4096]
    await resident.send(text)
    draft = await resident.wait_for("请确认")
    assert len(draft.text) < 4096
    await resident.press(draft, "✅ 提交")
    await resident.wait_for("已受理")
    async with gridbot.deps.db.read() as tx:
        assert await tx.scalar("SELECT length(text) FROM tickets") == len(text)   # stored whole


async def test_emoji_only_gets_a_polite_answer(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("😡😡😡")
    assert "没有看到文字内容" in (await resident.wait_for("文字")).text


@pytest.mark.parametrize("kind", ["sticker", "voice", "document"])
async def test_unsupported_messages_answered(gridbot, kind):
    resident = gridbot.user(RESIDENT)
    await resident.send_other(kind)
    assert "暂时只能处理文字、照片和位置" in (await resident.wait_for("暂时只能")).text


async def test_photo_with_caption_starts_a_report_and_huge_photo_is_fine(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send_photo(b"\xff\xd8\xff" + b"0" * 3_000_000, caption="人民东路62号院垃圾堆成山了")
    draft = await resident.wait_for("请确认")
    assert "照片：已附" in draft.text


async def test_unknown_command_and_malformed_arguments(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("/frobnicate")
    assert "没有这个命令" in (await resident.wait_for("命令")).text
    await resident.send("/status")
    assert "没有正在办理的工单" in (await resident.wait_for("工单")).text     # no number: her open tickets
    await resident.send("/status ';--<b>")
    assert "没有找到这张工单" in (await resident.wait_for("没有找到")).text


async def test_button_of_a_changed_ticket_is_refused(gridbot):
    resident, worker = gridbot.user(RESIDENT), gridbot.user(WORKER)
    number = await report(resident)
    offer = await worker.wait_for(number)
    await resident.send(f"/status {number}")
    detail = await resident.wait_for(lambda m: m.text.startswith(f"工单 {number}"))
    await resident.press(detail, "撤销这张工单")
    await resident.wait_for("已撤销")
    await worker.wait_for(lambda m: m.message_id == offer.message_id and "已撤销" in m.text)   # the card followed
    assert not (await worker.message(offer.message_id)).button("签收")
    query = await worker.forge_press(offer, offer.buttons[0][1])    # an old client still shows 签收
    assert "已被居民撤销" in (await answer_of(gridbot.control, query))["answer"]["text"]
    assert (await ticket_state(gridbot.deps, number))["state"] == "cancelled"


async def test_redelivered_update_has_one_effect(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("人民东路62号院下水道堵了，污水冒出来")
    draft = await resident.wait_for("请确认")
    query = await resident.press(draft, "✅ 提交")
    await resident.wait_for("已受理")
    stats = await gridbot.control.stats()
    async with gridbot.deps.db.read() as tx:
        update_id = await tx.scalar("SELECT max(update_id) FROM inbox")
    await gridbot.control.redeliver(update_id)
    await resident.send("/my")
    listing = await resident.wait_for("我的工单")
    assert listing.text.count("GD") == 1
    messages = [m for m in await resident.bot_messages() if "已受理" in m.text]
    assert len(messages) == 1
    assert query and stats
