"""The fake Bot API over raw HTTP: update semantics, parameter encodings, faults."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from bot.sandbox.entities import EntityParseError, parse_html, parse_markdown_v2
try:  # tests/ may or may not become a package
    from tests.sandbox_fixtures import *  # noqa: F403
    from tests.sandbox_fixtures import RESIDENT, TOKEN
except ModuleNotFoundError:
    from sandbox_fixtures import *  # type: ignore[no-redef]  # noqa: F403
    from sandbox_fixtures import RESIDENT, TOKEN  # type: ignore[no-redef]


@pytest.fixture
async def http(sandbox):
    async with httpx.AsyncClient(base_url=f"{sandbox.bot_api_url}{TOKEN}/", timeout=10) as client:
        yield client


async def test_get_updates_offset_semantics(control, http):
    for text in ("一", "二", "三"):
        await control.user(RESIDENT).send(text)
    first = (await http.post("getUpdates", data={"timeout": "0"})).json()["result"]
    assert [u["message"]["text"] for u in first] == ["一", "二", "三"]
    ids = [u["update_id"] for u in first]
    assert ids == sorted(ids)
    again = (await http.post("getUpdates", json={"offset": ids[1]})).json()["result"]
    assert [u["update_id"] for u in again] == ids[1:]  # the first is confirmed, now dropped
    assert (await http.get("getUpdates", params={"offset": ids[0]})).json()["result"][0]["update_id"] == ids[1]
    started = time.monotonic()
    empty = (await http.post("getUpdates", json={"offset": ids[2] + 1, "timeout": 1})).json()
    assert empty == {"ok": True, "result": []} and time.monotonic() - started >= 0.9
    waiter = asyncio.create_task(http.post("getUpdates", json={"offset": ids[2] + 1, "timeout": 5}))
    await asyncio.sleep(0.2)
    await control.user(RESIDENT).send("/start now")
    update = (await waiter).json()["result"][0]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    await control.redeliver(ids[0])
    redelivered = (await http.post("getUpdates", json={"offset": update["update_id"] + 1})).json()["result"]
    assert [u["update_id"] for u in redelivered] == [ids[0]]
    assert (await http.post("getUpdates", json={"offset": update["update_id"] + 1})).json()["result"] == []


async def test_form_encoded_markup_and_errors(control, http):
    await control.user(RESIDENT).send("hi")
    markup = {"keyboard": [[{"text": "📍 发送位置", "request_location": True}]], "resize_keyboard": True}
    r = await http.post("sendMessage", data={"chat_id": str(RESIDENT), "text": "请发位置", "reply_markup": json.dumps(markup)})
    assert r.json()["ok"] and "reply_markup" not in r.json()["result"]  # reply keyboards are not echoed
    chats = (await control.history(RESIDENT))["chats"]
    assert chats[str(RESIDENT)]["keyboard"]["keyboard"][0][0]["request_location"] is True
    r = await http.post("sendMessage", data={"chat_id": str(RESIDENT), "text": "x", "reply_markup": "{oops"})
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    r = await http.post("sendMessage", json={"chat_id": RESIDENT, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}})
    assert "Text buttons are unallowed" in r.json()["description"]
    r = await http.post("noSuchMethod", json={})
    assert r.status_code == 404 and r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    r = await http.post("sendMessage", json={"chat_id": RESIDENT, "text": "a & b", "parse_mode": "HTML"})
    assert r.status_code == 400 and "can't parse entities" in r.json()["description"]


async def test_faults_status_timeout_drop_outage(control, http):
    await control.user(RESIDENT).send("hi")
    await control.fault("sendMessage", "status", status=500, count=2)
    codes = [(await http.post("sendMessage", json={"chat_id": RESIDENT, "text": "x"})).status_code for _ in range(3)]
    assert codes == [500, 500, 200]
    await control.fault("sendMessage", "timeout", seconds=2)
    with pytest.raises(httpx.ReadTimeout):
        await http.post("sendMessage", json={"chat_id": RESIDENT, "text": "x"}, timeout=0.3)
    await control.fault("*", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        await http.post("sendMessage", json={"chat_id": RESIDENT, "text": "x"})
    await control.fault("*", "outage", seconds=0.5)
    assert (await http.post("getMe")).status_code == 502
    await asyncio.sleep(0.6)
    assert (await http.post("getMe")).json()["result"]["username"] == "gridbot_sandbox_bot"


def test_html_parser_matches_telegram():
    assert parse_html("<b>粗</b><a href='https://x.cn/?a=1&amp;b=2'>链接</a>") == (
        "粗链接", [{"type": "bold", "offset": 0, "length": 1},
                  {"type": "text_link", "offset": 1, "length": 2, "url": "https://x.cn/?a=1&b=2"}])
    assert parse_html("<tg-spoiler>s</tg-spoiler><blockquote expandable>q</blockquote>")[1] == [
        {"type": "spoiler", "offset": 0, "length": 1}, {"type": "expandable_blockquote", "offset": 1, "length": 1}]
    for bad, message in [
        ("a<foo>b</foo>", 'Unsupported start tag "foo" at byte offset 1'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("中<b", "Unclosed start tag at byte offset 3"),
        ('<span class="x">a</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ]:
        with pytest.raises(EntityParseError, match=message.replace("(", r"\(")):
            parse_html(bad)
    assert parse_markdown_v2(r"*粗* \.\!")[0] == "粗 .!"
