"""The sandbox speaks webhooks as Telegram does: setWebhook/getWebhookInfo/deleteWebhook, POSTs with the
secret header, getUpdates refused while set, retries until a 2xx (at least once), one chat in order."""
from __future__ import annotations

import asyncio

import httpx
from aiohttp import web

from tests.sandbox_fixtures import *  # noqa: F403
from tests.sandbox_fixtures import TOKEN


class Receiver:
    """A bot's webhook endpoint that fails the first `fail` requests with 500 (the rest: 200)."""

    def __init__(self, fail: int = 0, delay: float = 0.0) -> None:
        self.fail, self.delay = fail, delay
        self.got: list[tuple[str | None, dict]] = []
        self.open = 0
        self.most_open = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            body = await request.json()
            await asyncio.sleep(self.delay)
            self.got.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            if self.fail > 0:
                self.fail -= 1
                return web.Response(status=500)
            return web.Response(status=200)
        finally:
            self.open -= 1

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"


async def bot_api(sandbox, method: str, **params) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox.bot_api_url}{TOKEN}/{method}", json=params)
    return response.json()


async def until(predicate, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_posts_with_secret_refuses_get_updates_and_deletes(sandbox, control):
    receiver = Receiver()
    runner, url = await receiver.start()
    try:
        assert (await bot_api(sandbox, "setWebhook", url=url, secret_token="s3cr-et_",
                              allowed_updates=["message"]))["ok"]
        info = (await bot_api(sandbox, "getWebhookInfo"))["result"]
        assert info["url"] == url and info["max_connections"] == 40 and info["allowed_updates"] == ["message"]
        refused = await bot_api(sandbox, "getUpdates")
        assert refused["error_code"] == 409 and "webhook is active" in refused["description"]
        await control.user(RESIDENT).send("路灯坏了")
        await until(lambda: receiver.got)
        secret, update = receiver.got[0]
        assert secret == "s3cr-et_" and update["message"]["text"] == "路灯坏了"
        await until(lambda: sandbox.world.updates == [])            # answered 200: delivered
        assert (await bot_api(sandbox, "setWebhook", url=url, secret_token="bad token!"))["error_code"] == 400

        assert (await bot_api(sandbox, "deleteWebhook"))["ok"]
        assert (await bot_api(sandbox, "getWebhookInfo"))["result"]["url"] == ""
        await control.user(RESIDENT).send("还在吗")
        polled = await bot_api(sandbox, "getUpdates", timeout=0)
        assert [u["message"]["text"] for u in polled["result"]] == ["还在吗"]
        assert len(receiver.got) == 1
    finally:
        await runner.cleanup()


async def test_retried_until_answered_and_one_chat_in_order(sandbox, control):
    receiver = Receiver(fail=3, delay=0.02)
    runner, url = await receiver.start()
    try:
        await bot_api(sandbox, "setWebhook", url=url, max_connections=5)
        users = list(range(70001, 70011))
        for uid in users:
            await control.add_user(uid, f"居民{uid}")
        for i in range(4):
            for uid in users:
                await control.user(uid).send(f"第{i}条")
        await until(lambda: not sandbox.world.updates, timeout=20)
        delivered = [u for _, u in receiver.got]
        posts = {}
        for update in delivered:
            posts[update["update_id"]] = posts.get(update["update_id"], 0) + 1
        assert len(posts) == 40 and sum(posts.values()) == 43        # three 500s, each sent again
        stats = (await control.stats())["webhook"]
        assert stats["failures"] == 3 and stats["redelivered"] == 3
        assert receiver.most_open <= 5
        for uid in users:                                              # each chat's in order
            texts = [u["message"]["text"] for u in delivered if u["message"]["chat"]["id"] == uid]
            firsts = list(dict.fromkeys(texts))
            assert firsts == [f"第{i}条" for i in range(4)], (uid, texts)
        info = (await bot_api(sandbox, "getWebhookInfo"))["result"]
        assert "500" in info["last_error_message"]
    finally:
        await runner.cleanup()


async def test_connection_refused_keeps_the_update(sandbox, control):
    await bot_api(sandbox, "setWebhook", url="http://127.0.0.1:9/hook")       # nothing listens there
    await control.user(RESIDENT).send("有人吗")
    await until(lambda: sandbox.webhook.failures >= 2)
    assert len(sandbox.world.updates) == 1
    assert "Connection failed" in (await bot_api(sandbox, "getWebhookInfo"))["result"]["last_error_message"]
