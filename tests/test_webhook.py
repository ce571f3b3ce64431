"""Webhook mode, in process over the sandbox: the secret token checked (401/403), an update answered 200
only once it is in the inbox (a failed store is a 500 and Telegram's retry brings it in), the webhook
set at start with the secret and left in place at stop unless webhook_delete_at_stop."""
from __future__ import annotations

import asyncio
import socket
import sqlite3
from dataclasses import replace

import httpx
import pytest

from bot.app import bind_demo_accounts, build_application, build_deps, start, stop
from bot.config import Config
from bot.demo import DEMO_USERS
from bot.sandbox.client import SandboxControl
from bot.sandbox.server import FakeBotApi
from conftest import RESIDENT
from handlers.webhook import SECRET_HEADER, webhook_secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def hooked(tmp_path):
    api = FakeBotApi(users=DEMO_USERS, callback_ttl=30)
    await api.start()
    port = free_port()
    config = Config(db_path=str(tmp_path / "gridbot.db"), rate_limiter=False, telegram_base_url=api.bot_api_url,
                    webhook_url=f"http://127.0.0.1:{port}/hook", webhook_port=port)
    deps = await build_deps(config)
    await bind_demo_accounts(deps)
    application = build_application(config, deps)
    await start(application)
    control = SandboxControl(api.base_url)
    running = {"stopped": False}
    try:
        yield api, control, config, application, running
    finally:
        await control.aclose()
        if not running["stopped"]:
            await stop(application)
        await api.stop()


def update(update_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_764_640_000, "text": text,
        "chat": {"id": RESIDENT, "type": "private"}, "from": {"id": RESIDENT, "is_bot": False, "first_name": "张阿姨"}}}


async def test_secret_token_checked_and_200_only_once_stored(hooked):
    api, control, config, application, _ = hooked
    url = config.webhook_url
    secret = webhook_secret(config)
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, json=update(900001, "/my"))).status_code == 401
        wrong = {SECRET_HEADER: secret[:-1] + ("0" if secret[-1] != "0" else "1")}
        assert (await client.post(url, json=update(900001, "/my"), headers=wrong)).status_code == 403
        assert (await client.post(url, content=b"{", headers={SECRET_HEADER: secret})).status_code == 400
        answer = await client.post(url, json=update(900002, "/help"), headers={SECRET_HEADER: secret})
        assert answer.status_code == 200
        with sqlite3.connect(config.db_path) as conn:       # committed by the time of the answer
            assert conn.execute("SELECT count(*) FROM inbox WHERE update_id = 900002").fetchone()[0] == 1
            assert conn.execute("SELECT count(*) FROM inbox WHERE update_id = 900001").fetchone()[0] == 0
    for _ in range(200):                                     # and handled from there
        async with application.bot_data["deps"].db.read() as tx:
            if await tx.scalar("SELECT state FROM inbox WHERE update_id = 900002") == "done":
                break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("update 900002 not handled")


async def test_set_at_start_a_failed_store_is_retried_and_kept_at_stop(hooked):
    api, control, config, application, running = hooked
    info = api.webhook.info()
    assert info["url"] == config.webhook_url and api.webhook.secret == webhook_secret(config)
    resident = control.user(RESIDENT)
    await resident.send("/my")
    assert await resident.wait_for("还没有提交过工单", timeout=10)

    db = application.bot_data["deps"].db
    async with db.transaction() as tx:                       # the database refuses the next store
        await tx.execute("ALTER TABLE inbox RENAME TO inbox_away")
    await resident.send("/help")
    for _ in range(200):
        if api.webhook.failures:
            break
        await asyncio.sleep(0.02)
    assert api.webhook.failures >= 1 and "500" in api.webhook.last_error_message
    async with db.transaction() as tx:
        await tx.execute("ALTER TABLE inbox_away RENAME TO inbox")
    assert await resident.wait_for(lambda m: "还没有提交过工单" not in m.text, timeout=15)   # sent again, handled

    await stop(application)
    running["stopped"] = True
    assert api.webhook.url == config.webhook_url            # others behind the proxy may still serve


async def test_deleted_at_stop_when_asked(tmp_path):
    async with FakeBotApi(users=DEMO_USERS) as api:
        port = free_port()
        config = Config(db_path=str(tmp_path / "gridbot.db"), telegram_base_url=api.bot_api_url,
                        webhook_url=f"http://127.0.0.1:{port}/hook", webhook_port=port, webhook_delete_at_stop=True)
        deps = await build_deps(config)
        application = build_application(replace(config), deps)
        await start(application)
        for _ in range(100):
            if api.webhook.url:
                break
            await asyncio.sleep(0.02)
        assert api.webhook.url
        await stop(application)
        assert api.webhook.url == ""
