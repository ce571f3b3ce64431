"""Runs the sandbox alone: python -m bot.sandbox [--port 8088] [--echo]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import httpx

from .server import FakeBotApi

DEMO_TOKEN = "123456:" + "SANDBOX" * 5


async def echo_loop(api: FakeBotApi) -> None:
    """A raw-HTTP echo bot (no telegram import), for trying the page without the app."""
    base = f"{api.bot_api_url}{DEMO_TOKEN}"
    offset = 0
    async with httpx.AsyncClient(timeout=40) as client:
        await client.post(f"{base}/setMyCommands", json={"commands": [
            {"command": "start", "description": "开始"}, {"command": "help", "description": "帮助"}]})
        while True:
            r = (await client.post(f"{base}/getUpdates", json={"offset": offset, "timeout": 25})).json()
            for u in r.get("result", []):
                offset = u["update_id"] + 1
                if "callback_query" in u:
                    cq = u["callback_query"]
                    await client.post(f"{base}/answerCallbackQuery", json={"callback_query_id": cq["id"], "text": "收到"})
                    m = cq["message"]
                    await client.post(f"{base}/editMessageText", json={
                        "chat_id": m["chat"]["id"], "message_id": m["message_id"],
                        "text": f"{m.get('text', '')}\n✅ 已选择：{cq['data']}"})
                elif "message" in u:
                    msg = u["message"]
                    said = msg.get("text") or next((k for k in ("photo", "location", "contact", "sticker", "voice", "document") if k in msg), "?")
                    await client.post(f"{base}/sendMessage", json={
                        "chat_id": msg["chat"]["id"], "parse_mode": "HTML",
                        "text": f"<b>回声</b>：{said.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}",
                        "reply_markup": {"inline_keyboard": [[{"text": "👍 满意", "callback_data": "rate:5"},
                                                              {"text": "👎 不满意", "callback_data": "rate:1"}]]}})


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--echo", action="store_true", help="also run a tiny echo bot")
    args = parser.parse_args()
    api = FakeBotApi()
    await api.start(args.host, args.port)
    print(f"sandbox page:  {api.page_url}")
    print(f"bot API:       {api.bot_api_url}<token>/<method>   (any token like {DEMO_TOKEN})")
    print(f"file API:      {api.file_url}<token>/<file_path>")
    task = asyncio.create_task(echo_loop(api)) if args.echo else None
    try:
        await asyncio.Event().wait()
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await api.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
