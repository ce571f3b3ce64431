"""Hands the inbox's pending updates to python-telegram-bot, chat by chat, for the chats this process
holds the claim of (bot/services/inbox.py `take`).

Whoever received an update (our poller or webhook, another process, or we before a crash) recorded it
in the inbox first. A drain per chat claims the chat, feeds its pending updates in the order recorded,
and waits until they are finished; the last one's finishing transaction gives the claim up if nothing
of the chat is pending, else the drain takes again. A chat another process holds is left to it: that process takes again before it lets go,
so it finds what we recorded. A repeating round renews our claims (every third of `claim_ttl`) and
looks for pending chats nobody holds (a receiver that crashed, a holder that died: its claims lapse
after `claim_ttl`), so every recorded update is handled within about `claim_ttl` of its holder's death.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket

from telegram import Update
from telegram.ext import Application

from bot.services import inbox
from bot.services.deps import Deps
from handlers.processor import ChatOrderedProcessor

log = logging.getLogger("gridbot.inbox")
MAX_QUEUED = 200          # updates handed to PTB but not yet handled; more wait in the inbox
BATCH = 50                # a chat's pending updates fed at once


def process_name() -> str:
    """This process among those sharing the database (the owner of its claims)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class InboxPump:
    def __init__(self, application: Application, deps: Deps, processor: ChatOrderedProcessor,
                 owner: str | None = None) -> None:
        self.application = application
        self.deps = deps
        self.processor = processor
        self.owner = owner or process_name()
        self.running = True
        self._drains: dict[int, asyncio.Task] = {}        # chat key → its drain
        self._wanted: set[int] = set()                     # chats offered while their drain was running
        self._parsed: dict[int, Update] = {}               # inbox row → the update as received, parsed once
        self._inbox_ids: dict[int, int] = {}               # id(Update) → inbox row, until finished
        self._finished: dict[int, asyncio.Future] = {}     # inbox row → set when finished (True: released)
        self._last: dict[int, int] = {}                    # last inbox row of a drain's batch → its chat

    # -- from the receivers -------------------------------------------------------------------------
    def offer(self, chat_keys, parsed: dict[int, Update] | None = None) -> None:
        """Updates of these chats were recorded (new or re-delivered): drain them if we can claim them."""
        if parsed:
            if len(self._parsed) > 2 * MAX_QUEUED:     # left by chats another process took: parse again
                self._parsed.clear()
            self._parsed.update(parsed)
        for key in chat_keys:
            self._start(key or 0)

    def _start(self, key: int) -> None:
        if not self.running:
            return
        if key in self._drains:
            self._wanted.add(key)
        else:
            self._drains[key] = asyncio.create_task(self._drain(key), name=f"drain-{key}")

    # -- from the processor ---------------------------------------------------------------------------
    def take_inbox_id(self, update: object) -> int | None:
        return self._inbox_ids.pop(id(update), None)

    def release_with(self, inbox_id: int | None) -> tuple[int, str] | None:
        """For the last update of a batch: (chat, owner), to give the claim up as it is finished."""
        key = self._last.pop(inbox_id, None) if inbox_id is not None else None
        return None if key is None else (key, self.owner)

    def finished(self, inbox_id: int | None, released: bool = False) -> None:
        future = self._finished.pop(inbox_id, None) if inbox_id is not None else None
        if future is not None and not future.done():
            future.set_result(released)

    # -- the work --------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Renew our claims and adopt pending chats nobody holds, until stopped."""
        ttl = self.deps.config.claim_ttl.total_seconds()
        interval, renew_every = min(1.0, ttl / 3), ttl / 3
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while self.running:
            try:
                if loop.time() - renewed >= renew_every:
                    renewed = loop.time()
                    await inbox.renew_claims(self.deps, self.owner)
                for key in await inbox.unclaimed(self.deps):
                    if key not in self._drains:
                        self._start(key)
            except Exception:
                log.exception("inbox round failed")
            await asyncio.sleep(interval)

    async def _drain(self, key: int) -> None:
        fed: set[int] = set()
        retries = 0
        try:
            while self.running:
                self._wanted.discard(key)
                taken = await inbox.take(self.deps, key, self.owner, BATCH)
                if not taken.held:
                    return                        # another process holds the chat; it takes again before letting go
                if not taken.rows:
                    if taken.released and key not in self._wanted:
                        return
                    continue
                if all(r.inbox_id in fed for r in taken.rows):
                    # They could not be finished (logged; the database refused?): again, ever more slowly.
                    # Handlers are safe to run again, as after a crash.
                    retries += 1
                    await asyncio.sleep(min(2.0 ** retries, 60.0))
                waits = []
                self._last[taken.rows[-1].inbox_id] = key
                for received in taken.rows:
                    fed.add(received.inbox_id)
                    waits.append(await self._feed(received))
                released = (await asyncio.gather(*waits))[-1]
                if released and key not in self._wanted:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("inbox drain of chat %s failed; its claim is given up", key)
            try:
                await inbox.drop_claim(self.deps, key, self.owner)
            except Exception:
                log.exception("could not give up the claim of chat %s; it lapses after claim_ttl", key)
        finally:
            if self._drains.get(key) is asyncio.current_task():
                del self._drains[key]

    async def _feed(self, received: inbox.Received) -> asyncio.Future:
        while self.application.update_queue.qsize() + self.processor.current_concurrent_updates > MAX_QUEUED and self.running:
            await asyncio.sleep(0.01)
        update = self._parsed.pop(received.inbox_id, None) or Update.de_json(received.data, self.application.bot)
        future = self._finished.get(received.inbox_id)
        if future is None:
            future = self._finished[received.inbox_id] = asyncio.get_running_loop().create_future()
        self._inbox_ids[id(update)] = received.inbox_id
        await self.application.update_queue.put(update)
        return future

    def stop(self) -> None:
        """Feed nothing more (the updates already handed to PTB are finished by application.stop())."""
        self.running = False

    async def close(self) -> None:
        """After the handlers stopped: end the drains and give our claims up for the other processes."""
        self.running = False
        drains = list(self._drains.values())
        for task in drains:
            task.cancel()
        if drains:
            await asyncio.wait(drains, timeout=1.0)
        try:
            await inbox.release_claims(self.deps, self.owner)
        except Exception:
            log.exception("could not give up our claims; they lapse after claim_ttl")
