"""The control API: simulated users, callback queries, history long-poll, reset."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.sandbox import FakeBotApi
from bot.sandbox.client import SandboxControl, SandboxError

try:  # tests/ may or may not become a package
    from tests.sandbox_fixtures import *  # noqa: F403
    from tests.sandbox_fixtures import RESIDENT, TOKEN
except ModuleNotFoundError:
    from sandbox_fixtures import *  # type: ignore[no-redef]  # noqa: F403
    from sandbox_fixtures import RESIDENT, TOKEN  # type: ignore[no-redef]

KEYBOARD = {"inline_keyboard": [[{"text": "签收", "callback_data": "acc:1"}]]}


async def _bot(api: FakeBotApi, method: str, **params):
    async with httpx.AsyncClient() as client:
        return (await client.post(f"{api.bot_api_url}{TOKEN}/{method}", json=params)).json()


async def test_callback_queries_answer_once_and_expire():
    async with FakeBotApi(callback_ttl=0.3) as api, SandboxControl(api.base_url) as control:
        zhang = control.user(RESIDENT)
        await zhang.send("hi")
        sent = (await _bot(api, "sendMessage", chat_id=RESIDENT, text="新工单", reply_markup=KEYBOARD))["result"]
        with pytest.raises(SandboxError, match="no such button"):
            await control.call("POST", "press", {"user_id": RESIDENT, "message_id": sent["message_id"], "callback_data": "nope"})
        first = await zhang.press(sent["message_id"], "签收")
        assert (await _bot(api, "answerCallbackQuery", callback_query_id=first))["ok"]
        again = await _bot(api, "answerCallbackQuery", callback_query_id=first)
        assert again["description"].startswith("Bad Request: query is too old")
        late = await zhang.press(sent["message_id"], "acc:1")
        await asyncio.sleep(0.35)
        assert not (await _bot(api, "answerCallbackQuery", callback_query_id=late))["ok"]
        updates = (await _bot(api, "getUpdates"))["result"]
        assert [u["callback_query"]["data"] for u in updates if "callback_query" in u] == ["acc:1", "acc:1"]
        assert updates[-1]["callback_query"]["message"]["reply_markup"] == KEYBOARD


async def test_other_update_kinds_and_bot_methods(sandbox, control):
    zhang = control.user(RESIDENT)
    await zhang.share_location(33.5687, 114.0937)
    await zhang.send_contact()
    for kind in ("sticker", "voice", "document"):
        await zhang.send_other(kind)
    updates = (await _bot(sandbox, "getUpdates"))["result"]
    kinds = [next(k for k in u["message"] if k in ("location", "contact", "sticker", "voice", "document")) for u in updates]
    assert kinds == ["location", "contact", "sticker", "voice", "document"]
    assert updates[1]["message"]["contact"]["user_id"] == RESIDENT
    assert (await _bot(sandbox, "sendChatAction", chat_id=RESIDENT, action="typing"))["ok"]
    assert (await _bot(sandbox, "sendChatAction", chat_id=RESIDENT, action="dancing"))["error_code"] == 400
    loc = await _bot(sandbox, "sendLocation", chat_id=RESIDENT, latitude=33.5, longitude=114.0)
    assert loc["result"]["location"] == {"latitude": 33.5, "longitude": 114.0}
    deleted = await _bot(sandbox, "deleteMessage", chat_id=RESIDENT, message_id=loc["result"]["message_id"])
    assert deleted == {"ok": True, "result": True}
    again = await _bot(sandbox, "deleteMessage", chat_id=RESIDENT, message_id=loc["result"]["message_id"])
    assert again["description"] == "Bad Request: message to delete not found"
    sent = (await _bot(sandbox, "sendMessage", chat_id=RESIDENT, text="x", reply_markup=KEYBOARD))["result"]
    same = await _bot(sandbox, "editMessageReplyMarkup", chat_id=RESIDENT, message_id=sent["message_id"], reply_markup=KEYBOARD)
    assert same["description"].startswith("Bad Request: message is not modified")
    assert (await _bot(sandbox, "editMessageReplyMarkup", chat_id=RESIDENT, message_id=sent["message_id"]))["ok"]


async def test_history_long_poll_sees_new_messages_and_edits(sandbox, control):
    zhang = control.user(RESIDENT)
    await zhang.send("hi")
    waiter = asyncio.create_task(zhang.wait_for("状态"))
    await asyncio.sleep(0.1)
    sent = (await _bot(sandbox, "sendMessage", chat_id=RESIDENT, text="状态：待签收"))["result"]
    first = await waiter
    assert first.message_id == sent["message_id"] and not first.edited
    await _bot(sandbox, "editMessageText", chat_id=RESIDENT, message_id=sent["message_id"], text="状态：办理中")
    edited = await zhang.wait_for("办理中", timeout=2)
    assert edited.edited and edited.version == 2
    with pytest.raises(asyncio.TimeoutError):
        await zhang.wait_for("不会出现", timeout=0.3)


async def test_reset_keeps_update_ids_increasing(sandbox, control):
    await control.user(RESIDENT).send("一")
    before = (await _bot(sandbox, "getUpdates"))["result"][-1]["update_id"]
    await control.reset()
    assert (await _bot(sandbox, "sendMessage", chat_id=RESIDENT, text="x"))["description"] == "Bad Request: chat not found"
    await control.user(RESIDENT).send("二")
    after = (await _bot(sandbox, "getUpdates", offset=before + 1))["result"]
    assert [u["update_id"] for u in after] == [before + 1]
    assert (await control.stats())["calls"] == {"getUpdates": 1, "sendMessage": 1}
