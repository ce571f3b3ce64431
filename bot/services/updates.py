"""Once per update: Telegram re-sends updates whose offset was not confirmed before a crash.

Updates are handled one at a time in update-id order, so a high-water mark tells a re-delivery
from a new update. The mark is kept in memory and written to the database at most once a second
(and at shutdown): a crash can forget at most that last second, whose re-deliveries then meet the
idempotent use cases (a submitted draft answers with its ticket; a transition is a compare-and-set).
"""
from __future__ import annotations

import time
from datetime import timedelta

from typing import TYPE_CHECKING

from bot.clock import iso
from storage import updates

if TYPE_CHECKING:
    from bot.services.deps import Deps

KEEP = timedelta(days=3)        # far longer than Telegram keeps unconfirmed updates (24 h)
FLUSH_EVERY = 1.0               # seconds


class AppliedUpdates:
    def __init__(self) -> None:
        self.high: int | None = None        # highest update id applied
        self._stored: int | None = None
        self._flushed_at = 0.0

    async def _load(self, deps: Deps) -> None:
        if self.high is None:
            async with deps.db.read() as tx:
                self.high = self._stored = await updates.highest(tx)

    async def already_applied(self, deps: Deps, update_id: int) -> bool:
        await self._load(deps)
        return self.high is not None and update_id <= self.high

    async def applied(self, deps: Deps, update_id: int) -> None:
        """Record the update as handled (after its handlers ran)."""
        await self._load(deps)
        self.high = max(self.high or 0, update_id)
        if time.monotonic() - self._flushed_at >= FLUSH_EVERY:
            await self.flush(deps)

    async def flush(self, deps: Deps) -> None:
        if self.high is None or self.high == self._stored:
            return
        async with deps.db.transaction() as tx:
            await updates.mark(tx, self.high, deps.now_iso())
            await updates.prune(tx, iso(deps.now() - KEEP))
        self._stored = self.high
        self._flushed_at = time.monotonic()
