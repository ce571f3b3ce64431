"""The sandbox's simulated network: latency with jitter per Bot API call, and Telegram's flood limits."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.sandbox import FakeBotApi
from bot.sandbox.client import SandboxControl, SandboxError
from bot.sandbox.network import FloodLimits

try:  # tests/ may or may not become a package
    from tests.sandbox_fixtures import *  # noqa: F403
    from tests.sandbox_fixtures import RESIDENT, TOKEN
except ModuleNotFoundError:
    from sandbox_fixtures import *  # type: ignore[no-redef]  # noqa: F403
    from sandbox_fixtures import RESIDENT, TOKEN  # type: ignore[no-redef]

SLACK = 0.15   # what a loaded test machine may add to a local round trip


async def _bot(client: httpx.AsyncClient, api: FakeBotApi, method: str, **params) -> dict:
    return (await client.post(f"{api.bot_api_url}{TOKEN}/{method}", json=params)).json()


async def _timed(client: httpx.AsyncClient, api: FakeBotApi, method: str, **params) -> float:
    begun = time.monotonic()
    assert (await _bot(client, api, method, **params))["ok"]
    return time.monotonic() - begun


def _chats(api: FakeBotApi, first: int, count: int) -> list[int]:
    """`count` users who have started the bot, so it may write to them."""
    for chat_id in range(first, first + count):
        api.world.add_user(chat_id, f"居民{chat_id}").started = True
    return list(range(first, first + count))


async def test_each_call_takes_the_round_trip_within_the_jitter():
    async with FakeBotApi(latency=0.2) as api, httpx.AsyncClient() as client:
        assert 0.2 <= await _timed(client, api, "getMe") < 0.2 + SLACK
        api.set_latency(0.2, jitter=0.1)
        spent = [await _timed(client, api, "getMe") for _ in range(6)]
        assert all(0.1 <= s < 0.3 + SLACK for s in spent), spent
        async with SandboxControl(api.base_url) as control:
            assert (await control.stats())["latency"] == {"seconds": 0.2, "jitter": 0.1}
            await control.clear_latency()
            assert await _timed(client, api, "getMe") < SLACK


async def test_independent_calls_overlap():
    async with FakeBotApi(latency=0.3) as api, httpx.AsyncClient() as client:
        begun = time.monotonic()
        await asyncio.gather(_timed(client, api, "getMe"), _timed(client, api, "getMyCommands"))
        assert 0.3 <= time.monotonic() - begun < 0.45


async def test_long_poll_sees_updates_during_its_wait_and_answers_half_a_trip_later(sandbox, control):
    await control.latency(0.4)
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(_bot(client, sandbox, "getUpdates", timeout=5))
        await asyncio.sleep(0.5)                     # the poll is waiting on the server by now
        sent = time.monotonic()
        await control.user(RESIDENT).send("路灯坏了")
        updates = (await poll)["result"]
        assert [u["message"]["text"] for u in updates] == ["路灯坏了"]
        assert 0.2 <= time.monotonic() - sent < 0.2 + SLACK


async def test_file_downloads_take_the_round_trip_too(sandbox, control):
    photo = await control.user(RESIDENT).send_photo()
    async with httpx.AsyncClient() as client:
        path = (await _bot(client, sandbox, "getFile", file_id=photo.photo))["result"]["file_path"]
        await control.latency(0.2)
        begun = time.monotonic()
        response = await client.get(f"{sandbox.file_url}{TOKEN}/{path}")
        assert response.status_code == 200 and time.monotonic() - begun >= 0.2


async def test_a_burst_in_one_chat_gets_three_through_and_429_for_the_rest():
    async with FakeBotApi(flood_limits=True) as api, httpx.AsyncClient() as client:
        chat = _chats(api, RESIDENT + 100, 1)[0]
        answers = await asyncio.gather(*(_bot(client, api, "sendMessage", chat_id=chat, text=f"第{i}条")
                                         for i in range(5)))
        refused = [a for a in answers if not a["ok"]]
        assert sum(a["ok"] for a in answers) == 3 and len(refused) == 2
        for a in refused:
            assert a["error_code"] == 429 and a["parameters"]["retry_after"] >= 1
            assert a["description"] == f"Too Many Requests: retry after {a['parameters']['retry_after']}"
        assert len(api.world.messages[chat]) == 3, "refused messages are not delivered"
        async with SandboxControl(api.base_url) as control:
            stats = await control.stats()
        assert stats["flood_refused"] == 2 and stats["flood_refused_chats"] == {str(chat): 2}
        assert stats["flood_refused_by"] == {"chat": 2}


async def test_thirty_a_second_overall_then_admitted_again_after_the_window():
    async with FakeBotApi(flood_limits=True) as api, httpx.AsyncClient() as client:
        api.set_flood_limits(True, global_window_s=0.4)
        chats = _chats(api, 500_000, 40)
        answers = await asyncio.gather(*(_bot(client, api, "sendMessage", chat_id=c, text="通知") for c in chats))
        assert sum(a["ok"] for a in answers) == 30 and dict(api.flood.refused_by) == {"global": 10}
        assert {a["error_code"] for a in answers if not a["ok"]} == {429}
        await asyncio.sleep(0.45)
        again = await asyncio.gather(*(_bot(client, api, "sendMessage", chat_id=c, text="通知") for c in chats[30:]))
        assert all(a["ok"] for a in again), "the refused ten were not counted; the window has moved on"


async def test_refusals_are_not_counted_and_the_chat_window_moves_on():
    async with FakeBotApi(flood_limits=True) as api, httpx.AsyncClient() as client:
        api.set_flood_limits(True, chat_burst=2, chat_window_s=0.3)
        chat = _chats(api, RESIDENT + 200, 1)[0]
        oks = [(await _bot(client, api, "sendMessage", chat_id=chat, text="x"))["ok"] for _ in range(6)]
        assert oks == [True, True, False, False, False, False]
        await asyncio.sleep(0.35)
        assert (await _bot(client, api, "sendPhoto", chat_id=chat, photo=_photo_id(api)))["ok"]
        assert (await _bot(client, api, "sendLocation", chat_id=chat, latitude=33.5, longitude=114.0))["ok"]
        assert not (await _bot(client, api, "sendMessage", chat_id=chat, text="x"))["ok"]


def _photo_id(api: FakeBotApi) -> str:
    from bot.sandbox.tinyjpeg import TINY_JPEG
    return api.world.store_file(TINY_JPEG, "photos", "jpg", "image/jpeg").file_id


async def test_edits_answers_and_actions_are_never_refused(sandbox, control):
    await control.flood_limits(True, chat_burst=1, chat_window_s=30)
    zhang = control.user(RESIDENT)
    await zhang.send("hi")
    keyboard = {"inline_keyboard": [[{"text": "提交", "callback_data": "sub"}]]}
    async with httpx.AsyncClient() as client:
        sent = (await _bot(client, sandbox, "sendMessage", chat_id=RESIDENT, text="草稿", reply_markup=keyboard))["result"]
        assert not (await _bot(client, sandbox, "sendMessage", chat_id=RESIDENT, text="再来"))["ok"]
        for n in range(5):
            query = await zhang.press(sent["message_id"], "提交")
            assert (await _bot(client, sandbox, "answerCallbackQuery", callback_query_id=query))["ok"]
            edited = await _bot(client, sandbox, "editMessageText", chat_id=RESIDENT,
                                message_id=sent["message_id"], text=f"已提交 {n}", reply_markup=keyboard)
            assert edited["ok"]
            assert (await _bot(client, sandbox, "sendChatAction", chat_id=RESIDENT, action="typing"))["ok"]
    assert (await control.stats())["flood_refused"] == 1


async def test_failed_sends_do_not_use_up_the_window():
    async with FakeBotApi(flood_limits=True) as api, httpx.AsyncClient() as client:
        api.set_flood_limits(True, chat_burst=1, chat_window_s=30)
        chat = _chats(api, RESIDENT + 300, 1)[0]
        assert (await _bot(client, api, "sendMessage", chat_id=chat, text=""))["error_code"] == 400
        assert (await _bot(client, api, "sendMessage", chat_id=chat, text="有内容"))["ok"]


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_ptb_sees_retry_after_and_waits_with_latency():
    async with FakeBotApi(latency=0.1, flood_limits=True) as api:
        chat = _chats(api, RESIDENT + 400, 1)[0]
        async with Bot(TOKEN, base_url=api.bot_api_url) as bot:
            begun = time.monotonic()
            for n in range(3):
                await bot.send_message(chat, f"第{n}条")
            assert time.monotonic() - begun >= 0.3
            with pytest.raises(RetryAfter) as refused:
                await bot.send_message(chat, "第4条")
            wait = refused.value.retry_after
            assert (wait if isinstance(wait, timedelta) else timedelta(seconds=wait)) >= timedelta(seconds=1)


async def test_real_application_round_trips_under_latency(sandbox, control, echo_bot):
    await control.latency(0.1)
    zhang = control.user(RESIDENT)
    begun = time.monotonic()
    await zhang.send("路灯坏了")
    reply = await zhang.wait_for("回声", timeout=5)
    # The long poll's answer takes half a trip back, the reply half a trip in.
    assert time.monotonic() - begun >= 0.1
    await zhang.press(reply, "满意")
    assert (await zhang.wait_for("已评价", timeout=5)).edited


async def test_control_api_validates_the_network_settings(control):
    with pytest.raises(SandboxError, match="seconds"):
        await control.latency(-1)
    with pytest.raises(SandboxError, match="chat_burst"):
        await control.flood_limits(True, chat_burst=0)
    assert (await control.flood_limits(True, global_per_s=5)) == {
        "on": True, "global_per_s": 5, "global_window_s": 1.0, "chat_burst": 3, "chat_window_s": 3.0}
    body = await control.call("DELETE", "flood")
    assert body["flood"]["on"] is False


def test_rolling_windows_and_retry_after():
    limits = FloodLimits(on=True, global_per_s=30, chat_burst=3, chat_window_s=3.0)
    assert [limits.admit("1", t) for t in (0.0, 0.1, 0.2)] == [0.0, 0.0, 0.0]
    assert limits.admit("1", 0.5) == pytest.approx(2.5)      # until the first of the three leaves
    assert limits.admit("2", 0.5) == 0.0                     # another chat has its own window
    assert limits.admit("1", 3.0) == 0.0
    assert limits.admit("1", 3.05) == pytest.approx(0.05)    # 0.1 leaves at 3.1
    burst = FloodLimits(on=True, global_per_s=2, chat_burst=100)
    assert [burst.admit(str(c), 10.0) for c in range(2)] == [0.0, 0.0]
    assert burst.admit("9", 10.25) == pytest.approx(0.75)
    assert not FloodLimits().counts("sendMessage") and not burst.counts("editMessageText")
