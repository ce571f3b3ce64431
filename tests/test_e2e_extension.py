"""延期 over the sandbox: buttons of working days, dates as people type them, and what is refused."""
from __future__ import annotations

from datetime import datetime

from bot.dates import add_workdays
from conftest import RESIDENT, SUPERVISOR, WORKER, WORKER2
import flows
from flows import answer_of, report, ticket_state


def _local(deps, value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(deps.calendar.tz)


def _md(day) -> str:
    return f"{day.month}月{day.day}日"


async def _accepted(gridbot):
    resident, li = gridbot.user(RESIDENT), gridbot.user(WORKER)
    number = await report(resident)
    await flows.act(li, number, "签收", expect="办理中")
    ticket = await ticket_state(gridbot.deps, number)
    return number, ticket


async def test_extension_by_button_after_a_bad_text_and_an_early_date(gridbot):
    li, wang, deps = gridbot.user(WORKER), gridbot.user(SUPERVISOR), gridbot.deps
    number, ticket = await _accepted(gridbot)
    deadline = _local(deps, ticket["resolve_due"]).date()
    await flows.act(li, number, "延期")
    prompt = await li.wait_for("请输入新的办结日期")
    three = add_workdays(deadline, 3, deps.calendar)
    assert f"例如：{three:%m月%d日}" in prompt.text                     # the example is after the deadline
    assert [text for text, _ in prompt.buttons] == [f"+{n}个工作日（{add_workdays(deadline, n, deps.calendar):%m月%d日}）"
                                                   for n in (3, 5, 10)]
    assert all(len(data.encode()) <= 64 for _, data in prompt.buttons)

    await li.send("尽快处理")
    assert "没看懂这个日期" in (await li.wait_for("日期")).text
    await li.send(f"{_md(deadline)} 需要等材料")
    refusal = await li.wait_for("要晚于当前办结时限")
    assert f"{deadline:%m月%d日}" in refusal.text
    assert (await ticket_state(deps, number))["extension_due"] is None

    await li.press(prompt, prompt.buttons[0][0])
    await li.wait_for("请输入延期原因")
    await li.send_photo()                                               # a stray photo keeps the chosen date
    await li.wait_for("请使用按钮或命令")
    await li.send("需要等施工队进场")
    await li.wait_for("已提交延期申请")
    after = await ticket_state(deps, number)
    assert _local(deps, after["extension_due"]).date() == three and _local(deps, after["extension_due"]).hour == 18
    assert after["resolve_due"] == ticket["resolve_due"]                 # moves only when approved

    request = await flows.newest(wang, "延期申请", "批准延期")
    assert "申请人：李伟（纺织路社区第一网格）" in request.text and "施工队" in request.text
    await wang.press(request, "批准延期")
    await li.wait_for("延期申请已批准")
    assert (await ticket_state(deps, number))["resolve_due"] == after["extension_due"]


async def test_extension_typed_in_chinese_then_the_reason(gridbot):
    li, deps = gridbot.user(WORKER), gridbot.deps
    number, ticket = await _accepted(gridbot)
    later = add_workdays(_local(deps, ticket["resolve_due"]).date(), 7, deps.calendar)
    await flows.act(li, number, "延期")
    await li.wait_for("请输入新的办结日期")
    await li.send(f"{later.month}月{later.day}号".translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    await li.wait_for("请输入延期原因")
    await li.send("等待燃气公司停气")
    await li.wait_for("已提交延期申请")
    assert _local(deps, (await ticket_state(deps, number))["extension_due"]).date() == later


async def test_extension_buttons_are_checked_when_pressed(gridbot):
    li, zhao, deps = gridbot.user(WORKER), gridbot.user(WORKER2), gridbot.deps
    number, ticket = await _accepted(gridbot)
    await flows.act(li, number, "延期")
    prompt = await li.wait_for("请输入新的办结日期")
    data = prompt.buttons[0][1]
    forged = await answer_of(gridbot.control, await li.forge_press(prompt, f"t:ext:{ticket['id']}:99"))
    assert forged["answer"]["text"] and "系统暂时出了点问题" not in forged["answer"]["text"]
    other = await answer_of(gridbot.control, await zhao.forge_press(await _any(zhao), data))
    assert "无权" in other["answer"]["text"]
    assert (await ticket_state(deps, number))["extension_due"] is None


async def _any(user):
    await user.send("/help")
    return await user.wait_for("命令")
