"""A resident reports through the sandbox over HTTP, as in the chat page."""
from __future__ import annotations

import re

from conftest import RESIDENT, WORKER
from flows import answer_of

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines

FLOOD = "纺织路社区人民东路62号院一下雨就积水，出不了门"


async def confirm(user, text):
    await user.send(text)
    return await user.wait_for("请确认")


async def test_report_confirm_ticket_my_status(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("/start")
    await resident.wait_for("网格通")
    draft = await confirm(resident, FLOOD)
    assert "排水防涝" in draft.text and "人民东路62号院" in draft.text and "纺织路社区第一网格" in draft.text
    await resident.press(draft, "✅ 提交")
    done = await resident.wait_for("已受理")
    number = re.search(r"GD\d{8}-\d{4}", done.text).group(0)
    assert "纺织路社区第一网格" in done.text and "签收时限" in done.text and "办结时限" in done.text
    assert "李*" in done.text and "李伟" not in done.text          # the worker's name is masked

    offer = await gridbot.user(WORKER).wait_for(number)
    assert ("签收", f"t:acc:{_id(offer)}") in offer.buttons

    await resident.send("/my")
    assert number in (await resident.wait_for("我的工单")).text
    await resident.send(f"/status {number}")
    status = await resident.wait_for(f"工单 {number}")
    assert "待签收" in status.text and "提交" in status.text


def _id(message) -> str:
    return message.buttons[0][1].split(":")[2]


async def test_unknown_location_then_typed_address(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("路灯坏了好几天，晚上黑漆漆的")
    ask = await resident.wait_for("问题发生在哪里")
    assert "选择社区" in [text for text, _ in ask.buttons]
    await resident.send("人民东路62号院门口")
    draft = await resident.wait_for(lambda m: "位置：" in m.text and "提交" in str(m.buttons))
    assert "纺织路社区第一网格" in draft.text


async def test_unknown_location_picked_from_communities(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("路灯坏了好几天，晚上黑漆漆的")
    ask = await resident.wait_for("问题发生在哪里")
    await resident.send("火星基地")
    picker = await resident.wait_for("没有找到这个地址")
    name, _ = next(b for b in picker.buttons if ":unit:" in b[1])
    await resident.press(picker, name)
    draft = await resident.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    await resident.press(draft, "✅ 提交")
    done = await resident.wait_for("已受理")
    assert "待社区/街道工作人员确认后派单" in done.text


async def test_low_confidence_offers_three_categories(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("纺织路社区这边的事情想反映一下")
    await resident.wait_for("请具体说说是什么问题")           # vague: asked what happened first
    await resident.send("就是那个事，想反映一下")                # still nothing specific: the categories
    pick = await resident.wait_for("请选择最接近的一项")
    assert "纺织路社区这边的事情想反映一下" in pick.text and "就是那个事" in pick.text
    choices = [b for b in pick.buttons if ":cat:" in b[1]]
    assert len(choices) == 3
    await resident.press(pick, "其他类别…")
    every = await resident.wait_for(lambda m: len([b for b in m.buttons if ":cat:" in b[1]]) > 3)
    assert len([b for b in every.buttons if ":cat:" in b[1]]) == 20        # the whole taxonomy, none cut off
    pick = every
    await resident.press(pick, choices[0][0])
    draft = await resident.wait_for(lambda m: f"类别：{choices[0][0]}" in m.text)
    assert draft.buttons


async def test_cancel_draft_makes_no_ticket(gridbot):
    resident = gridbot.user(RESIDENT)
    draft = await confirm(resident, FLOOD)
    submit = draft.button("✅ 提交")[1]
    await resident.press(draft, "取消")
    await resident.wait_for("已取消")
    query = await resident.forge_press(draft.message_id, submit)   # an outdated client's 提交: refused
    assert "已经提交或已取消" in (await answer_of(gridbot.control, query))["answer"]["text"]
    await resident.send("/my")
    mine = await resident.wait_for("工单")
    assert "还没有提交过工单" in mine.text and "未提交的报告" not in mine.text


async def test_double_tapped_submit_makes_one_ticket(gridbot):
    resident = gridbot.user(RESIDENT)
    draft = await confirm(resident, FLOOD)
    submit = draft.button("✅ 提交")[1]
    await resident.press(draft, "✅ 提交")
    await resident.press(draft.message_id, submit)
    await resident.wait_for("已受理")
    await resident.send("/my")
    listing = await resident.wait_for("我的工单")
    assert len(re.findall(r"GD\d{8}-\d{4}", listing.text)) == 1


async def test_change_location_then_type_the_address(gridbot):
    resident = gridbot.user(RESIDENT)
    await resident.send("纺织路社区有个路灯坏了，晚上黑漆漆的")
    draft = await resident.wait_for(lambda m: "✅ 提交" in str(m.buttons))
    await resident.press(draft, "更改位置")
    await resident.wait_for("问题发生在哪里")
    await resident.send("人民东路62号院")
    moved = await resident.wait_for(lambda m: "纺织路社区第一网格" in m.text and "✅ 提交" in str(m.buttons))
    await resident.press(moved, "更改类别")
    every = await resident.wait_for(lambda m: len([b for b in m.buttons if ":cat:" in b[1]]) == 20)
    await resident.press(every, "排水防涝")
    final = await resident.wait_for(lambda m: "类别：<b>排水防涝</b>" in m.html or "类别：排水防涝" in m.text)
    assert "纺织路社区第一网格" in final.text and final.button("✅ 提交")
