"""Receiving updates by webhook: Telegram POSTs each update to `webhook_url`; a reverse proxy in front
(TLS, the public name) forwards it to `webhook_listen`:`webhook_port` at `webhook_path`.

A request is answered 200 only once its update is committed to the inbox (bot/services/inbox.py), so a
crash after the answer loses nothing: the update is pending in the database and whichever process
holds its chat next handles it (handlers/pump.py). Before the commit a crash, an error (500) or a
refused request leaves the update with Telegram, which delivers it again (at least once; a
re-delivery is recognised and stored once). The secret token header is compared in constant time:
missing 401, wrong 403.

At start the webhook is set (url, secret token, allowed updates, max connections), retried in the
background while Telegram is away. At stop it is left in place unless `webhook_delete_at_stop`:
with several processes behind the proxy one stopping must not cut the others off, and with none
left Telegram keeps the updates (24 h) and retries until a process is back.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.services import inbox
from bot.services.deps import Deps
from handlers.pump import InboxPump

log = logging.getLogger("gridbot.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(config) -> str:
    """The configured secret, or one derived from the bot token: the same in every process of one bot,
    unguessable without the token, and within Telegram's alphabet (A-Z a-z 0-9 _ -, up to 256)."""
    if config.webhook_secret:
        return config.webhook_secret
    token = (config.telegram_token or "sandbox").encode()
    return hmac.new(token, b"gridbot webhook secret token", hashlib.sha256).hexdigest()


def webhook_path(config) -> str:
    return config.webhook_path or urlsplit(config.webhook_url).path or "/"


class WebhookReceiver:
    def __init__(self, application: Application, deps: Deps, pump: InboxPump) -> None:
        self.application = application
        self.deps = deps
        self.pump = pump
        config = deps.config
        self.secret = webhook_secret(config).encode()
        self.path = webhook_path(config)
        self._runner: web.AppRunner | None = None
        self._setting: asyncio.Task | None = None
        self.port = config.webhook_port

    async def start(self) -> None:
        """Listen, then set the webhook (so Telegram's first POST finds us)."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        config = self.deps.config
        site = web.TCPSite(self._runner, config.webhook_listen, config.webhook_port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("webhook listening on %s:%s%s", config.webhook_listen, self.port, self.path)
        if not await self._set_webhook():
            self._setting = asyncio.create_task(self._keep_setting(), name="set-webhook")

    async def _set_webhook(self) -> bool:
        config = self.deps.config
        try:
            await self.application.bot.set_webhook(
                url=config.webhook_url, secret_token=self.secret.decode(), allowed_updates=Update.ALL_TYPES,
                max_connections=config.webhook_max_connections)
        except TelegramError as exc:
            log.warning("setWebhook failed (%s); trying again", exc)
            return False
        log.info("webhook set to %s", config.webhook_url)
        return True

    async def _keep_setting(self) -> None:
        """Telegram was away at start: try again, with growing pauses, until it takes the webhook."""
        attempt = 0
        while not await self._set_webhook():
            attempt += 1
            await asyncio.sleep(min(0.5 * 2 ** attempt, 30.0))

    async def stop(self) -> None:
        """Stop taking updates (those being recorded finish first); delete the webhook if so configured."""
        if self._setting is not None:
            self._setting.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.deps.config.webhook_delete_at_stop:
            try:
                await asyncio.wait_for(self.application.bot.delete_webhook(), 3.0)
                log.info("webhook deleted")
            except (TelegramError, asyncio.TimeoutError) as exc:
                log.warning("deleteWebhook failed: %r", exc)

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="secret token missing")
        if not hmac.compare_digest(given.encode(), self.secret):
            return web.Response(status=403, text="secret token wrong")
        try:
            data = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        update = Update.de_json(data, self.application.bot)
        chat = update.effective_chat.id if update.effective_chat is not None else None
        try:
            fresh = await inbox.record(self.deps, [(update.update_id, chat, data)])
        except Exception:                     # not stored: Telegram sends it again
            log.exception("could not store update %s", update.update_id, extra={"update_id": update.update_id})
            return web.Response(status=500, text="not stored")
        self.pump.offer([chat or 0], {r.inbox_id: update for r in fresh if not r.cleaned})
        return web.Response(status=200)
