"""Fetching updates with getUpdates, through the durable inbox.

Telegram counts an update as delivered once getUpdates is called with a higher offset, so the
next offset is asked for only after the fetched updates are stored (bot/services/inbox.py); the
pump (handlers/pump.py) hands them on, and at start what was stored but not finished. python-telegram-bot's
own Updater confirms as soon as it fetches, which is why it is not used.
"""
from __future__ import annotations

import asyncio
import logging
import warnings

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.services import inbox
from bot.services.deps import Deps
from handlers.delivery import seconds
from handlers.pump import InboxPump

log = logging.getLogger("gridbot.polling")


class Poller:
    def __init__(self, application: Application, deps: Deps, pump: InboxPump,
                 on_network_back=None, timeout: int = 10) -> None:
        self.application = application
        self.deps = deps
        self.pump = pump
        self.on_network_back = on_network_back
        self.timeout = timeout
        self.running = False
        # We call getUpdates through do_api_request on purpose (for the raw JSON); PTB suggests get_updates.
        warnings.filterwarnings("ignore", message=r"Please use 'Bot\.get_updates'", category=PTBUserWarning)

    async def run(self) -> None:
        self.running = True
        offset: int | None = None
        failures = 0
        while self.running:
            try:
                raw = await self._get_updates(offset)
            except RetryAfter as exc:
                await asyncio.sleep(seconds(exc.retry_after))
                continue
            except InvalidToken:
                log.critical("Telegram refused the bot token; polling stopped")
                raise
            except Conflict as exc:
                log.warning("getUpdates conflict (another instance polling, or a webhook set: "
                            "`gridbot run --webhook` with webhook_delete_at_stop, or deleteWebhook): %s", exc)
                await asyncio.sleep(1)
                continue
            except TelegramError as exc:         # network errors, timeouts, 5xx
                failures += 1
                log.info("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(min(0.25 * 2 ** failures, 3.0))
                continue
            if failures:
                failures = 0
                if self.on_network_back is not None:
                    await self.on_network_back()
            if not raw:
                continue
            updates = [Update.de_json(data, self.application.bot) for data in raw]
            try:
                fresh = await inbox.record(self.deps, [(u.update_id, _chat_id(u), data) for u, data in zip(updates, raw)])
            except Exception:               # not stored, so not confirmed: Telegram sends them again
                log.exception("could not store %d updates; fetching them again", len(updates))
                await asyncio.sleep(1)
                continue
            offset = max(u.update_id for u in updates) + 1          # only now: they are stored
            fetched = {u.update_id: u for u in updates}
            self.pump.offer({_chat_id(u) or 0 for u in updates},      # parsed already, unless cleaning changed it
                            {r.inbox_id: fetched[r.update_id] for r in fresh if not r.cleaned})

    async def _get_updates(self, offset: int | None) -> list[dict]:
        """getUpdates, its result as Telegram sent it: stored as is, parsed once (to_dict costs ~0.5 ms)."""
        kwargs = {"timeout": self.timeout, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            kwargs["offset"] = offset
        return await self.application.bot.do_api_request("get_updates", api_kwargs=kwargs,
                                                         read_timeout=self.timeout + 5)

    def stop(self) -> None:
        self.running = False


def _chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None
