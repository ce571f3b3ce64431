"""The one way out: every message the bot owes (replies, edits, notices) leaves through the outbox.

Chats are sent concurrently (up to `send_concurrency` calls in flight), one chat's messages strictly
in order, paced to Telegram's flood limits (bot/pacing.py). Network errors, timeouts and 5xx are
retried with exponential backoff, and everything waiting goes at once when Telegram answers again;
429 pauses sending for `retry_after`. "Forbidden" (blocked, never started) and other 400s are not
retried: the row is marked undeliverable and kept for audit. Answers to button presses are not
messages: they go at once, retried only while Telegram still accepts them.

With several processes on one database, one sends at a time: the holder of the sender's lease
(renewed every third of `claim_ttl`; a dead holder's lease is taken over after it).
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.pacing import Pacer
from bot.services import notify, outbox
from bot.services.deps import Deps
from handlers import render
from handlers.replies import EDIT, SAY, markup_of

log = logging.getLogger("gridbot.outbox")
EDIT_KINDS = {"offer_taken", EDIT}
ANSWER_WINDOW = 15.0            # seconds Telegram takes an answer to a button press for


def seconds(value) -> float:
    """A duration PTB gives as int seconds or (opted in, or PTB 23) a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class OutboxSender:
    BATCH = 200

    def __init__(self, deps: Deps, bot: Bot, owner: str = "sender"):
        config = deps.config
        self.deps = deps
        self.bot = bot
        self.owner = owner
        self._lease_until = 0.0                            # monotonic time our sender's lease runs to
        self.pacer = Pacer(config.pace_per_second, config.pace_chat_burst, seconds(config.pace_chat_window),
                           enabled=config.rate_limiter)
        self.concurrency = max(1, config.send_concurrency)
        self._wake = asyncio.Event()
        self._stopping = False
        self._inflight: dict[int, asyncio.Task] = {}       # chat id → its send now
        self._answers: set[asyncio.Task] = set()
        # Answers have their own share of the connections, so a burst of presses cannot hold up sends
        # (a send that waits for a connection reaches Telegram late, bunched with later ones: a 429).
        self._answer_slots = asyncio.Semaphore(self.concurrency)
        self._failing = False                              # the last call failed on the network
        self._sent: list[tuple[int, int | None]] = []      # (row, message id) sent, not yet recorded
        # Rows whose outcome is known here but maybe not to a read of the heads already under way.
        self._settled: set[int] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Start what is due and may go now; sleep until woken, a window opens, or the interval passes."""
        interval = self.deps.config.outbox_interval.total_seconds()
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self._dispatch(interval) if await self._hold() else interval
            except Exception:                  # keep delivering whatever one round did
                log.exception("outbox round failed")
                wait = interval
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.TimeoutError:
                pass

    async def _hold(self) -> bool:
        """Whether we are the sender: the lease renewed once a third of it has passed."""
        ttl = self.deps.config.claim_ttl.total_seconds()
        now = time.monotonic()
        if now < self._lease_until - 2 * ttl / 3:
            return True
        if await outbox.hold_sender(self.deps, self.owner):
            self._lease_until = now + ttl
            return True
        self._lease_until = 0.0
        return False

    async def _dispatch(self, interval: float) -> float:
        await self._record_sent()              # before reading heads: a sent row is no chat's head
        free = self.concurrency - len(self._inflight)
        if free <= 0:
            return interval
        before = set(self._settled)
        rows = await outbox.due(self.deps, self.BATCH)
        settled, self._settled = self._settled, self._settled - before     # `before` is in this read
        wait = interval
        now = time.monotonic()
        for row in rows:
            chat_id = row["chat_id"]
            if chat_id in self._inflight or row["id"] in settled:
                continue
            counted = row["kind"] not in EDIT_KINDS
            delay = self.pacer.delay(chat_id, now, counted)
            if delay > 0:
                wait = min(wait, delay)
                continue
            self.pacer.take(chat_id, now, counted)
            self._inflight[chat_id] = asyncio.create_task(self._send(row), name=f"outbox-{row['id']}")
            free -= 1
            if free == 0:
                break
        return max(wait, 0.005)

    async def _send(self, row: dict) -> None:
        try:
            await self._deliver(row)
        except Exception:
            log.exception("outbox %s to chat %s failed", row["id"], row["chat_id"],
                          extra={"ticket_id": row["ticket_id"]})
            await outbox.retry(self.deps, row, outbox.backoff(self.deps, row["attempts"]), "internal error")
        finally:
            self._settled.add(row["id"])
            self._inflight.pop(row["chat_id"], None)
            self._wake.set()

    async def stop(self, grace: float) -> int:
        """Stop starting sends; give those in flight `grace` seconds, then cancel them (their rows
        stay pending for the next start). Returns how many were cut off."""
        self._stopping = True
        self._wake.set()
        tasks = list(self._inflight.values()) + list(self._answers)
        late: set = set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        await self._record_sent()
        if self._lease_until:
            try:
                await outbox.release_sender(self.deps, self.owner)     # another process sends at once
            except Exception:
                log.exception("could not give up the sender's lease; it lapses after claim_ttl")
        return len(late)

    # -- one row -------------------------------------------------------------------------------
    async def _deliver(self, row: dict) -> None:
        try:
            message = await self._call(row)
        except RetryAfter as exc:
            wait = seconds(exc.retry_after)
            self.pacer.pause(wait, time.monotonic())
            await outbox.retry(self.deps, row, timedelta(seconds=wait), f"429 retry after {wait}s")
        except Forbidden as exc:
            await outbox.give_up(self.deps, row, f"forbidden: {exc.message}")
            if row["kind"] == "resident_update" and row["ticket_id"]:
                await notify.resident_unreachable(self.deps, row["ticket_id"])
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._delivered(row, row["payload"].get("message_id"))
            else:
                await outbox.give_up(self.deps, row, f"bad request: {exc.message}")
        except (TimedOut, NetworkError) as exc:     # NetworkError covers 5xx and refused connections
            self._failing = True
            await outbox.retry(self.deps, row, outbox.backoff(self.deps, row["attempts"]), f"{type(exc).__name__}: {exc}")
        else:
            await self._delivered(row, getattr(message, "message_id", None))

    async def _delivered(self, row: dict, message_id: int | None) -> None:
        # Recorded in batches by the dispatch loop, which records before it reads the next heads.
        self._sent.append((row["id"], message_id))
        if self._failing:
            await self.network_back()

    async def _record_sent(self) -> None:
        if self._sent:
            batch, self._sent = self._sent, []
            await outbox.sent(self.deps, batch)

    async def network_back(self) -> None:
        """Telegram answers again (a send or a poll succeeded): what backs off goes now."""
        if self._failing:
            self._failing = False
            if await outbox.retry_now(self.deps):
                self._wake.set()

    async def _call(self, row: dict):
        kind, payload, chat_id = row["kind"], row["payload"], row["chat_id"]
        if kind == SAY:
            return await self.bot.send_message(chat_id, payload["text"], parse_mode=ParseMode.HTML,
                                               reply_markup=markup_of(payload.get("markup"), self.bot))
        if kind == EDIT:
            return await self._edit(chat_id, payload["message_id"], payload["text"],
                                    markup_of(payload.get("markup"), self.bot), fallback=True)
        text, markup = render.outbox_message(kind, payload)
        if kind in render.PHOTO_KINDS:
            return await self._send_photo(row, text)
        if kind in EDIT_KINDS:
            return await self._edit(chat_id, payload["message_id"], text, markup)
        photo = render.outbox_photo(kind, payload)
        if photo:
            return await self.bot.send_photo(chat_id, photo, caption=render.fit(text, render.MAX_CAPTION),
                                             parse_mode=ParseMode.HTML, reply_markup=markup)
        return await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def _edit(self, chat_id: int, message_id: int, text: str, markup, fallback: bool = False):
        """Edit an earlier message: its text, or its caption when it was a photo; a reply that can no
        longer edit its message (deleted, too old) becomes a new message."""
        where = {"chat_id": chat_id, "message_id": message_id}
        try:
            return await self.bot.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, **where)
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                raise
            if "no text" in reason:
                return await self.bot.edit_message_caption(caption=render.fit(text, render.MAX_CAPTION),
                                                           parse_mode=ParseMode.HTML, reply_markup=markup, **where)
            if not fallback:
                raise
            log.info("edit of message %s in chat %s failed (%s): sending it anew", message_id, chat_id, exc.message)
            return await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def _send_photo(self, row: dict, caption: str):
        """A chart file written when the row was queued; without it, the caption alone."""
        path = Path(row["payload"].get("chart") or "")
        if not path.is_file():
            return await self.bot.send_message(row["chat_id"], caption, parse_mode=ParseMode.HTML)
        return await self.bot.send_photo(row["chat_id"], path.read_bytes(), caption=caption,
                                         parse_mode=ParseMode.HTML)

    # -- answers to button presses ---------------------------------------------------------------
    def answer(self, query_id: str, text: str | None, show_alert: bool) -> None:
        """Answer at once, in the background; retried on network errors while Telegram still takes it."""
        task = asyncio.create_task(self._answer(query_id, text, show_alert), name=f"answer-{query_id}")
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer(self, query_id: str, text: str | None, show_alert: bool) -> None:
        deadline = time.monotonic() + ANSWER_WINDOW
        attempt = 0
        while True:
            try:
                async with self._answer_slots:
                    await self.bot.answer_callback_query(query_id, text, show_alert=show_alert)
                return
            except RetryAfter as exc:
                wait = seconds(exc.retry_after)
            except (TimedOut, NetworkError) as exc:
                wait = min(0.5 * 2 ** attempt, 4.0)
                log.info("answer to button press %s failed (%s), retrying", query_id, exc)
            except BadRequest as exc:          # "query is too old": the window has closed
                log.info("answer to button press %s dropped: %s", query_id, exc.message)
                return
            attempt += 1
            if time.monotonic() + wait >= deadline:
                log.info("answer to button press %s dropped: Telegram's %.0f s window has passed", query_id,
                         ANSWER_WINDOW)
                return
            await asyncio.sleep(wait)
