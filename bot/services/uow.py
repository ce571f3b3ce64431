"""A unit of work: one write transaction that rolls back unless committed, with after-commit hooks.

    async with UnitOfWork(deps) as work:
        ... work.tx ...
        work.commit()

The outbox sender is woken by the commit (when something was queued), not by every caller.
"""
from __future__ import annotations

from typing import Callable

from bot.services.deps import Deps
from storage.db import Tx


class _Rollback(Exception):
    """Raised inside the transaction to roll it back when the block did not commit."""


class UnitOfWork:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.tx: Tx | None = None
        self._committed = False
        self._after: list[Callable[[], None]] = []
        self._cm = None

    def commit(self) -> None:
        """Keep what the block did (applied when the block ends without an exception)."""
        self._committed = True

    def after_commit(self, hook: Callable[[], None]) -> None:
        self._after.append(hook)

    async def __aenter__(self) -> "UnitOfWork":
        self._cm = self.deps.db.transaction()
        self.tx = await self._cm.__aenter__()
        return self

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None and not self._committed:
            try:
                await self._cm.__aexit__(_Rollback, _Rollback(), None)
            except _Rollback:
                pass
            return False
        await self._cm.__aexit__(exc_type, exc, tb)
        if exc_type is None:
            self.deps.wake_outbox()
            for hook in self._after:
                hook()
        return False
