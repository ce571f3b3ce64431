"""The fake Bot API driven by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import pytest
from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.sandbox.tinyjpeg import TINY_JPEG
try:  # tests/ may or may not become a package
    from tests.sandbox_fixtures import *  # noqa: F403
    from tests.sandbox_fixtures import RESIDENT, WORKER
except ModuleNotFoundError:
    from sandbox_fixtures import *  # type: ignore[no-redef]  # noqa: F403
    from sandbox_fixtures import RESIDENT, WORKER  # type: ignore[no-redef]


async def test_text_is_echoed(control, echo_bot):
    zhang = control.user(RESIDENT)
    await zhang.send("小区路灯坏了 <3 & more")
    reply = await zhang.wait_for("回声")
    assert reply.text == "回声：小区路灯坏了 <3 & more"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert reply.buttons == [("👍 满意", "rate:5"), ("👎 不满意", "rate:1")]
    assert reply.html.startswith("<b>回声</b>")


async def test_button_press_answers_and_edits(control, echo_bot):
    zhang = control.user(RESIDENT)
    await zhang.send("路灯")
    reply = await zhang.wait_for("回声")
    query_id = await zhang.press(reply, "满意")
    edited = await zhang.wait_for(lambda m: m.edited)
    assert edited.message_id == reply.message_id
    assert edited.text.endswith("已评价：rate:5")
    assert edited.buttons == []
    answered = await control.callback_query(query_id)
    assert answered["answered"] and answered["answer"]["text"] == "谢谢评价"


async def test_validation_errors_surface_as_bad_request(control, echo_bot):
    bot = echo_bot.bot
    await control.user(RESIDENT).send("hi")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "br" at byte offset 3'):
        await bot.send_message(RESIDENT, "abc<br>def", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Can't find end tag corresponding to start tag \"b\""):
        await bot.send_message(RESIDENT, "<b>abc", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(RESIDENT, "1.5", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(RESIDENT, "字" * 4097)
    await bot.send_message(RESIDENT, "字" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(RESIDENT, "😀" * 2049)  # 2 UTF-16 units each
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(RESIDENT, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="网" * 22)]]))  # 66 bytes
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(WORKER, "not started yet")
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(RESIDENT, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await bot.send_photo(RESIDENT, TINY_JPEG, caption="x" * 1025)


async def test_edit_rules(control, echo_bot):
    bot = echo_bot.bot
    await control.user(RESIDENT).send("hi")
    sent = await bot.send_message(RESIDENT, "<b>状态</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_text("<b>状态</b>", RESIDENT, sent.message_id, parse_mode="HTML")
    await bot.edit_message_text("状态", RESIDENT, sent.message_id)  # entities differ: allowed
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", RESIDENT, 9999)
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await bot.answer_callback_query("12345")


async def test_retry_after_and_forbidden(control, echo_bot):
    bot = echo_bot.bot
    await control.user(RESIDENT).send("hi")
    await control.user(RESIDENT).wait_for("回声")
    await control.fault("sendMessage", "429", count=1, retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7"):
        await bot.send_message(RESIDENT, "x")
    await bot.send_message(RESIDENT, "x")  # the burst is over
    await control.block(RESIDENT)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(RESIDENT, "x")
    stats = await control.stats()
    assert stats["faults_served"] == {"429": 1}
    assert stats["errors"]["Forbidden: bot was blocked by the user"] == 1


async def test_commands_per_chat_scope(control, echo_bot):
    bot = echo_bot.bot
    await control.user(WORKER).send("/start")
    await bot.set_my_commands([BotCommand("my", "我的工单")])
    await bot.set_my_commands([BotCommand("todo", "待办"), BotCommand("whistle", "吹哨")], scope=BotCommandScopeChat(WORKER))
    assert [c.command for c in await bot.get_my_commands()] == ["my"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(WORKER))] == ["todo", "whistle"]
    history = await control.history(WORKER)
    assert [c["command"] for c in history["chats"][str(WORKER)]["commands"]] == ["todo", "whistle"]
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_photo_upload_and_download(control, echo_bot):
    bot = echo_bot.bot
    zhang = control.user(RESIDENT)
    await zhang.send_photo(caption="井盖坏了")
    sent = await bot.send_photo(RESIDENT, TINY_JPEG, caption="<i>现场照片</i>", parse_mode="HTML")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (96, 64)
    assert sent.caption == "现场照片"
    tg_file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await tg_file.download_as_bytearray()) == TINY_JPEG
    again = await bot.send_photo(RESIDENT, sent.photo[-1].file_id)  # resend by file_id
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    history = await zhang.messages()
    assert history[0].photo and not history[0].outgoing
