"""Residents talk the way people do (issue 12): conversations over the sandbox, a restart where it matters."""
from __future__ import annotations

from dataclasses import replace

import pytest

import flows
from bot.app import bind_demo_accounts, build_application, build_deps, start, stop
from bot.config import Config
from bot.demo import DEMO_USERS
from bot.sandbox.client import SandboxControl
from bot.sandbox.server import FakeBotApi
from conftest import RESIDENT, WORKER
from flows import NUMBER, act, ticket_state


class Bot:
    """The bot on the sandbox, restartable on the same database while the sandbox (and its chats) stay."""

    def __init__(self, api: FakeBotApi, config: Config):
        self.api, self.config = api, config
        self.deps = self.application = None

    async def start(self) -> None:
        self.deps = await build_deps(self.config)
        await bind_demo_accounts(self.deps)
        self.application = build_application(self.config, self.deps)
        await start(self.application)

    async def stop(self) -> None:
        await stop(self.application)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def chat(tmp_path):
    api = FakeBotApi(users=DEMO_USERS, callback_ttl=30)
    await api.start()
    config = Config(db_path=str(tmp_path / "gridbot.db"), rate_limiter=False,
                    telegram_base_url=api.bot_api_url, telegram_base_file_url=api.file_url)
    bot = Bot(api, config)
    await bot.start()
    control = SandboxControl(api.base_url)
    bot.control = control
    try:
        yield bot
    finally:
        await control.aclose()
        await bot.stop()
        await api.stop()


def card(m) -> bool:
    return "请确认" in m.text and bool(m.buttons)


async def pick_category(user, message, name: str):
    """Sets the draft's category to `name` from whatever the card offers (the classifier may or may not be sure)."""
    if message.button(name) is None:
        await user.press(message, "其他类别…" if message.button("其他类别…") else "更改类别")
        message = await user.wait_for(lambda m: m.button(name) is not None)
    await user.press(message, name)
    return await user.wait_for(lambda m: card(m) and f"类别：{name}" in m.text)


async def latest_card(user):
    return next(m for m in reversed(await user.bot_messages()) if card(m))


# ---- case 1: a follow-up message never wipes the draft ---------------------------------------

async def test_place_then_more_problem_then_restart_then_submit(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("楼道里的灯又坏了")
    first = await resident.wait_for(card)
    await resident.send("人民东路62号院2号楼")                        # only the place
    placed = await resident.wait_for(lambda m: card(m) and "人民东路62号院" in m.text)
    assert "楼道里的灯又坏了" in placed.text and "纺织路社区第一网格" in placed.text
    assert "2号楼" in placed.text                                      # the detail is kept
    keyboard = await resident.wait_for("位置已记下")
    assert (keyboard.reply_markup or {}).get("remove_keyboard")
    placed = await pick_category(resident, placed, "道路路灯")
    await resident.send("还有楼下的垃圾也没人收")                      # another matter? ask, lose nothing
    ask = await resident.wait_for(lambda m: m.button("补充到刚才的报告"))
    assert "楼道里的灯又坏了" in ask.text and "还有楼下的垃圾也没人收" in ask.text
    await resident.press(ask, "补充到刚才的报告")
    whole = await resident.wait_for(lambda m: card(m) and "垃圾" in m.text)
    assert "楼道里的灯又坏了" in whole.text and "类别：道路路灯" in whole.text and "依据" not in whole.text
    await chat.restart()                                              # the draft lives in the database
    await resident.press(placed.message_id, "✅ 提交")                 # the earlier card submits the whole draft
    done = await resident.wait_for("已受理")
    number = NUMBER.search(done.text).group(0)
    ticket = await ticket_state(chat.deps, number)
    assert "楼道里的灯又坏了" in ticket["text"] and "垃圾也没人收" in ticket["text"] and "2号楼" in ticket["text"]
    assert ticket["place"] == "人民东路62号院" and ticket["category"] == "roads_lights"
    offer = await chat.control.user(WORKER).wait_for(number)
    assert "垃圾" in offer.text and "楼道里的灯" in offer.text


async def test_a_new_problem_keeps_the_first_draft_for_later(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("人民东路62号院一下雨就积水，出不了门")
    lamp = await resident.wait_for(card)
    await resident.send("纺织路菜市场门口的垃圾堆了好几天没人清")
    ask = await resident.wait_for(lambda m: m.button("这是一个新问题"))
    await resident.press(ask, "这是一个新问题")
    await resident.wait_for("刚才的报告已保存")
    garbage = await resident.wait_for(lambda m: card(m) and "垃圾" in m.text)
    assert "积水" not in garbage.text
    await chat.restart()
    await resident.send("/my")
    mine = await resident.wait_for("未提交的报告")
    assert "一下雨就积水" in mine.text and "垃圾堆了好几天" in mine.text and len(mine.buttons) == 2
    await resident.press(garbage, "✅ 提交")
    first = NUMBER.search((await resident.wait_for("已受理")).text).group(0)
    await resident.send("纺织路菜市场门口的垃圾又堆起来了")             # the next report offers the kept one
    again = await resident.wait_for(card)
    assert "还有 1 份未提交的报告" in again.text
    await resident.press(again, "取消")
    await resident.wait_for("已取消")
    await resident.press(lamp, "✅ 提交")                            # the kept draft's own card still works
    second = NUMBER.search((await resident.wait_for(lambda m: "已受理" in m.text and first not in m.text)).text).group(0)
    assert "积水" in (await ticket_state(chat.deps, second))["text"]
    assert "垃圾" in (await ticket_state(chat.deps, first))["text"]
    await resident.send("/my")
    assert "未提交的报告" not in (await resident.wait_for("我的工单")).text


async def test_kept_draft_is_continued_from_my(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("路灯坏了好几天，晚上黑漆漆的")
    await resident.wait_for("问题发生在哪里")
    await resident.send("楼上邻居天天半夜装修，吵得睡不着")
    await resident.press(await resident.wait_for(lambda m: m.button("这是一个新问题")), "这是一个新问题")
    await resident.wait_for(lambda m: card(m) and "装修" in m.text)
    await resident.send("/my")
    mine = await resident.wait_for("未提交的报告")
    name = next(text for text, _ in mine.buttons if "路灯" in text)
    await resident.press(mine, name)
    back = await resident.wait_for(lambda m: "路灯坏了" in m.text and "问题发生在哪里" in m.text)
    await resident.send("嵩山路12号院门口")
    placed = await resident.wait_for(lambda m: card(m) and "嵩山路社区第一网格" in m.text)
    assert "路灯坏了" in placed.text and back.message_id


# ---- case 2: after 满意 the next message is not swallowed ----------------------------------

async def _resolved_and_rated(chat):
    resident, worker = chat.control.user(RESIDENT), chat.control.user(WORKER)
    number = await flows.report(resident)
    await act(worker, number, "签收", expect="办理中")
    await act(worker, number, "办结", reply="管道已疏通", expect="已办结")
    rating = await resident.wait_for("请您评价")
    await resident.press(rating, "满意")
    thanks = await resident.wait_for("感谢您的评价")
    return resident, worker, number, thanks


async def test_after_rating_a_command_and_a_new_problem_are_not_a_comment(chat):
    resident, worker, number, thanks = await _resolved_and_rated(chat)
    assert thanks.button("补充评价")                                   # offered, not waited for
    await resident.send("/my")
    await resident.wait_for("我的工单")
    await resident.send("纺织路菜市场门口的垃圾堆了好几天没人清")
    draft = await resident.wait_for(card)
    assert "垃圾" in draft.text and "已收到您的留言" not in draft.text
    assert "comment" not in await flows.history(chat.deps, number)


async def test_comment_button_then_command_ends_the_question(chat):
    resident, worker, number, thanks = await _resolved_and_rated(chat)
    neighbour = chat.control.user(10002)                              # someone else's 补充评价: refused
    await neighbour.send("/start")
    hello = await neighbour.wait_for("网格通")
    query = await neighbour.forge_press(hello.message_id, thanks.button("补充评价")[1])
    assert "无权" in (await flows.answer_of(chat.control, query))["answer"]["text"]
    await resident.press(thanks, "补充评价")
    await resident.wait_for("请输入您的评价")
    await chat.restart()
    await resident.send("/status")                                   # a command ends the question
    await resident.wait_for("没有正在办理的工单")
    await resident.send("纺织路菜市场门口的垃圾堆了好几天没人清")
    assert "垃圾" in (await resident.wait_for(card)).text
    assert "comment" not in await flows.history(chat.deps, number)
    await resident.press(thanks, "补充评价")                          # the button still works afterwards
    await resident.wait_for("请输入您的评价")
    await resident.send("网格员很负责，谢谢")
    await resident.wait_for("已收到您的留言")
    assert "网格员很负责" in (await worker.wait_for("评价留言")).text


# ---- case 4: status questions in plain words ----------------------------------------------

async def test_status_questions_answer_with_her_open_tickets(chat):
    resident, worker = chat.control.user(RESIDENT), chat.control.user(WORKER)
    number = await flows.report(resident)
    await act(worker, number, "签收", expect="办理中")
    for question in ("我的工单咋样了", "处理得怎么样了", "有人管吗"):
        await resident.send(question)
        listing = await resident.wait_for("正在办理的工单")
        assert number in listing.text and "办理中" in listing.text
    assert not [m for m in await resident.bot_messages() if card(m) and "咋样" in m.text]
    short = number.rsplit("-", 1)[1]
    for arg in (short, f"-{short}", str(int(short))):
        await resident.send(f"/status {arg}")
        detail = await resident.wait_for(f"工单 {number}")
        assert "办理中" in detail.text
    await resident.send("/status")
    assert number in (await resident.wait_for("正在办理的工单")).text
    await resident.send(f"{short}号工单进度怎么样了")
    assert "办理中" in (await resident.wait_for(f"工单 {number}")).text


async def test_a_neighbour_cannot_reach_her_ticket_by_short_number(chat):
    resident = chat.control.user(RESIDENT)
    number = await flows.report(resident)
    other = chat.control.user(10002)
    await other.send(f"/status {number.rsplit('-', 1)[1]}")
    assert "没有找到" in (await other.wait_for("工单")).text
    await other.send("我的工单咋样了")
    assert number not in (await other.wait_for("没有正在办理的工单")).text


# ---- case 3: vague reports ------------------------------------------------------------------

async def test_vague_report_asks_what_and_where_then_keeps_both(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("有个事情想反映一下")
    ask = await resident.wait_for("请具体说说是什么问题、在什么地方")
    assert not [b for b in ask.buttons if ":cat:" in b[1]]            # no arbitrary categories
    await resident.send("人民东路62号院门口的井盖丢了，晚上很危险")
    draft = await resident.wait_for(card)
    assert "有个事情想反映一下" in draft.text and "井盖丢了" in draft.text
    assert "纺织路社区第一网格" in draft.text and "道路路灯" in draft.text


# ---- case 5: location ------------------------------------------------------------------------

def _keyboard(message) -> dict:
    return message.reply_markup or {}


async def test_location_keyboard_follows_the_question_and_presets_land_in_grids(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("晚上路灯一直不亮，黑漆漆的")
    ask = await resident.wait_for("问题发生在哪里")
    offer = await resident.wait_for("发送您的位置")
    assert _keyboard(offer)["keyboard"][0][0]["request_location"]
    assert not [m for m in await resident.bot_messages() if "请输入地址" in m.text]    # asked once
    await resident.press(ask, "更改类别")
    every = await resident.wait_for(lambda m: m.button("道路路灯") is not None and "请选择问题的类别" in m.text)
    assert "不太确定" not in every.text                                # she asked to change it
    await resident.press(every, "道路路灯")
    await resident.wait_for(lambda m: "发送您的位置" in m.text and m.seq > every.seq)   # asked again: keyboard again
    await resident.share_location(33.5925, 114.1000)
    placed = await resident.wait_for(lambda m: card(m) and "翟庄社区第一网格" in m.text)   # the 召陵区政府 preset
    assert "依据" not in placed.text and "类别：道路路灯" in placed.text
    gone = await resident.wait_for("位置已记下")
    assert _keyboard(gone).get("remove_keyboard")
    await resident.press(placed, "✅ 提交")
    assert "翟庄社区第一网格" in (await resident.wait_for("已受理")).text


async def test_a_point_in_the_district_but_in_no_grid_is_not_outside(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("路边的垃圾桶满了没人清")
    await resident.wait_for("问题发生在哪里")
    await resident.share_location(33.6050, 114.0550)
    unsure = await resident.wait_for("没能确定属于哪个网格")
    assert "不在本区" not in unsure.text and unsure.button("纺织路社区")
    await resident.share_location(34.7, 113.6)
    assert "不在本区的网格范围内" in (await resident.wait_for("位置")).text      # Zhengzhou: really outside
    await resident.press(unsure, "纺织路社区")
    draft = await resident.wait_for(lambda m: card(m) and "纺织路社区" in m.text)
    assert "纺织路社区（纺织路社区）" not in draft.text                  # named once
    assert _keyboard(await resident.wait_for("位置已记下")).get("remove_keyboard")


async def test_cancelling_while_the_place_is_asked_takes_the_keyboard_away(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("路灯坏了好几天，晚上黑漆漆的")
    ask = await resident.wait_for("问题发生在哪里")
    await resident.press(ask, "取消")
    await resident.wait_for("已取消")
    assert _keyboard(await resident.wait_for("好的")).get("remove_keyboard")


# ---- case 6: place names as people write them ------------------------------------------------

async def test_place_names_as_people_write_them(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("人民东路62号楼下积水了，出不了门")
    draft = await resident.wait_for(card)
    assert "纺织路社区第一网格" in draft.text
    await resident.press(draft, "取消")
    await resident.send("召陵村6组的路灯坏了")
    draft = await resident.wait_for(lambda m: card(m) and "召陵村" in m.text)
    assert "召陵村第三网格" in draft.text
    await resident.press(draft, "取消")
    await resident.send("人民东路上的井盖丢了")                        # a road of one community
    draft = await resident.wait_for(lambda m: card(m) and "井盖" in m.text)
    assert "位置：<b>人民东路</b>（纺织路社区）" in draft.html or "人民东路（纺织路社区）" in draft.text
    await resident.press(draft, "取消")
    await resident.send("黄河路边上的井盖丢了")                        # a road of two communities: she picks
    pick = await resident.wait_for(lambda m: "经过好几个社区" in m.text)
    assert pick.button("纺织路社区") and pick.button("翟庄社区") and not pick.button("嵩山路社区")
    await resident.press(pick, "翟庄社区")
    final = await resident.wait_for(lambda m: card(m) and "翟庄社区" in m.text and m.button("✅ 提交"))
    await resident.press(final, "✅ 提交")
    done = await resident.wait_for("已受理")
    assert (await ticket_state(chat.deps, NUMBER.search(done.text).group(0)))["place"] == "翟庄社区"


# ---- case 7: urgency as people say it ---------------------------------------------------------

async def test_burst_pipe_is_urgent_and_a_fear_is_not(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("人民东路62号院自来水管子爆了，水哗哗往外冒")
    burst = await resident.wait_for(card)
    assert "⚠️ 紧急" in burst.text                                    # shown before any question
    burst = await pick_category(resident, burst, "水电气暖供应")
    assert "⚠️ 紧急" in burst.text
    await resident.press(burst, "✅ 提交")
    done = await resident.wait_for("已受理")
    assert "紧急" in done.text
    await resident.send("纺织厂家属院楼道电线老化，怕着火")
    fear = await resident.wait_for(lambda m: card(m) and "怕着火" in m.text)
    assert "紧急" not in fear.text


# ---- questions end at a button too ------------------------------------------------------------

async def test_a_button_ends_a_question(chat):
    resident, worker = chat.control.user(RESIDENT), chat.control.user(WORKER)
    first = await flows.report(resident)
    second = await flows.report(resident, "纺织厂家属院门口的路灯坏了好几天")
    await act(worker, first, "签收", expect="办理中")
    await act(worker, first, "进展")
    await worker.wait_for("请输入办理进展")
    await act(worker, second, "签收", expect="办理中")              # another button: the question is over
    await worker.send("已联系排水公司")
    assert "请使用按钮或命令" in (await worker.wait_for("按钮")).text
    assert "note" not in await flows.history(chat.deps, first)


async def test_ok_and_thanks_are_not_reports(chat):
    resident = chat.control.user(RESIDENT)
    await resident.send("纺织路菜市场门口的垃圾堆了好几天没人清")
    draft = await resident.wait_for(card)
    await resident.send("好的")
    await resident.wait_for("请点报告下方")
    again = await resident.wait_for(card)
    assert "好的" not in again.text.split("\n\n")[1] and again.button("✅ 提交")
    await resident.press(again, "✅ 提交")
    await resident.wait_for("已受理")
    await resident.send("谢谢")
    await resident.wait_for("不客气")
    await resident.send("/my")
    assert len(NUMBER.findall((await resident.wait_for("我的工单")).text)) == 1
    assert draft.message_id


async def test_a_complaint_ending_in_a_status_phrase_is_a_report(chat):
    resident = chat.control.user(RESIDENT)
    await flows.report(resident)
    await resident.send("纺织路菜市场门口的垃圾堆了一个星期了，到底有没有人管")
    assert "垃圾" in (await resident.wait_for(card)).text
