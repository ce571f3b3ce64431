"""Delivers the outbox: renders each owed message and sends it, in order per chat, with retries.

Network errors, timeouts and 5xx are retried with exponential backoff; 429 waits `retry_after`;
"Forbidden" (blocked, never started) and other 400s are not retried: the row is marked
undeliverable and kept for audit.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import iso
from bot.services import notify
from bot.services.deps import Deps
from handlers import render
from storage import outbox

log = logging.getLogger("gridbot.outbox")
EDIT_KINDS = {"offer_taken"}


class OutboxSender:
    BATCH = 50
    def __init__(self, deps: Deps, bot: Bot):
        self.deps = deps
        self.bot = bot
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send what is due, then sleep until woken or the interval passes; stop() ends it between batches."""
        interval = self.deps.config.outbox_interval.total_seconds()
        while not self._stopping:
            self._wake.clear()
            try:
                sent = await self.send_due()
            except Exception:          # keep delivering whatever one batch did
                log.exception("outbox batch failed")
                sent = 0
            if sent:                        # a chat's next message becomes its head only now
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), interval)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def send_due(self, limit: int | None = None) -> int:
        """Send the head message of each chat that is due; returns how many were handled."""
        async with self.deps.db.read() as tx:
            rows = await outbox.due_heads(tx, self.deps.now_iso(), limit or self.BATCH)
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def _deliver(self, row: dict) -> None:
        text, markup = render.outbox_message(row["kind"], row["payload"])
        photo = render.outbox_photo(row["kind"], row["payload"])
        try:
            if row["kind"] in render.PHOTO_KINDS:
                message = await self._send_photo(row, text)
            elif row["kind"] in EDIT_KINDS:
                message = await self._edit(row, text, markup)
            elif photo:
                message = await self.bot.send_photo(row["chat_id"], photo, caption=render.fit(text, render.MAX_CAPTION),
                                                    parse_mode=ParseMode.HTML, reply_markup=markup)
            else:
                message = await self.bot.send_message(row["chat_id"], text, parse_mode=ParseMode.HTML,
                                                      reply_markup=markup)
        except RetryAfter as exc:
            wait = exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after)
            await self._retry(row, wait, f"429 retry after {wait}")
        except Forbidden as exc:
            await self._give_up(row, f"forbidden: {exc.message}")
            if row["kind"] == "resident_update" and row["ticket_id"]:
                await notify.resident_unreachable(self.deps, row["ticket_id"])
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._mark_sent(row, row["payload"].get("message_id"))
            else:
                await self._give_up(row, f"bad request: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            backoff = min(timedelta(seconds=2 ** min(row["attempts"], 16)), self.deps.config.outbox_max_backoff)
            await self._retry(row, backoff, f"{type(exc).__name__}: {exc}")
        else:
            await self._mark_sent(row, getattr(message, "message_id", None))

    async def _edit(self, row: dict, text: str, markup):
        """Edit an earlier message: its text, or its caption when it was a photo."""
        where = {"chat_id": row["chat_id"], "message_id": row["payload"]["message_id"]}
        try:
            return await self.bot.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, **where)
        except BadRequest as exc:
            if "no text" not in exc.message.lower():
                raise
            return await self.bot.edit_message_caption(caption=render.fit(text, render.MAX_CAPTION),
                                                       parse_mode=ParseMode.HTML, reply_markup=markup, **where)

    async def _send_photo(self, row: dict, caption: str):
        """A chart file written when the row was queued; without it, the caption alone."""
        path = Path(row["payload"].get("chart") or "")
        if not path.is_file():
            return await self.bot.send_message(row["chat_id"], caption, parse_mode=ParseMode.HTML)
        return await self.bot.send_photo(row["chat_id"], path.read_bytes(), caption=caption,
                                         parse_mode=ParseMode.HTML)

    async def _mark_sent(self, row: dict, message_id: int | None) -> None:
        async with self.deps.db.transaction() as tx:
            await outbox.mark_sent(tx, row["id"], self.deps.now_iso(), message_id)
        self.sent += 1

    async def _retry(self, row: dict, wait: timedelta, error: str) -> None:
        log.info("outbox %s to chat %s retry in %s: %s", row["id"], row["chat_id"], wait, error,
                 extra={"ticket_id": row["ticket_id"]})
        async with self.deps.db.transaction() as tx:
            await outbox.mark_retry(tx, row["id"], iso(self.deps.now() + wait), error)

    async def _give_up(self, row: dict, error: str) -> None:
        log.warning("outbox %s to chat %s undeliverable: %s", row["id"], row["chat_id"], error,
                    extra={"ticket_id": row["ticket_id"]})
        async with self.deps.db.transaction() as tx:
            await outbox.mark_undeliverable(tx, row["id"], error)
