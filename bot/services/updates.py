"""Once per update: Telegram re-sends updates whose offset was not confirmed before a crash."""
from __future__ import annotations

from datetime import timedelta

from bot.clock import iso
from bot.services.deps import Deps
from storage import updates

KEEP = timedelta(days=3)        # far longer than Telegram keeps unconfirmed updates (24 h)
_PRUNE_EVERY = 1000


async def already_applied(deps: Deps, update_id: int) -> bool:
    async with deps.db.read() as tx:
        return await updates.seen(tx, update_id)


async def applied(deps: Deps, update_id: int) -> None:
    """Record the update as handled (after its handlers ran), pruning old records now and then."""
    async with deps.db.transaction() as tx:
        await updates.mark(tx, update_id, deps.now_iso())
        if update_id % _PRUNE_EVERY == 0:
            await updates.prune(tx, iso(deps.now() - KEEP))
