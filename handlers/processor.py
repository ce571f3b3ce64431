"""Updates of different chats are handled concurrently; one chat's strictly in the order received.

python-telegram-bot hands each update to `do_process_update` in its own task, in the order they
left the update queue, bounded by `max_concurrent_updates`. A lock per chat (asyncio locks wake
waiters first come, first served) keeps one chat's updates in order. After the handlers, the
update is finished: what it owes is queued and its inbox row marked done, in one transaction.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from handlers import replies

log = logging.getLogger("gridbot.updates")
Finish = Callable[[object, replies.Outgoing], Awaitable[None]]


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max(2, max_concurrent_updates))        # 1 would make PTB bypass us
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.finish: Finish | None = None
        self.answer: Callable[[str, str | None, bool], None] = lambda *a: None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        outgoing = replies.begin(self.answer)
        try:
            await coroutine                       # PTB sends handler errors to the error handler
        finally:
            if self.finish is not None:
                try:
                    await self.finish(update, outgoing)
                except Exception:
                    log.exception("update %s could not be finished; it stays in the inbox",
                                  getattr(update, "update_id", None),
                                  extra={"update_id": getattr(update, "update_id", None)})


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
