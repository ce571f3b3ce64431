"""The outbox's bookkeeping for whichever channel delivers it: what is due, and what became of each row."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import iso
from storage import outbox

if TYPE_CHECKING:
    from bot.services.deps import Deps

log = logging.getLogger("gridbot.outbox")


async def due(deps: Deps, limit: int) -> list[dict]:
    """The oldest pending row of each chat whose time has come (one chat's rows go in order)."""
    async with deps.db.read() as tx:
        return await outbox.due_heads(tx, deps.now_iso(), limit)


async def sent(deps: Deps, rows: list[tuple[int, int | None]]) -> None:
    """Record sends (row id, message id) in one transaction."""
    async with deps.db.transaction() as tx:
        await outbox.mark_sent_many(tx, rows, deps.now_iso())


async def retry(deps: Deps, row: dict, wait: timedelta, error: str) -> None:
    log.info("outbox %s to chat %s retry in %s: %s", row["id"], row["chat_id"], wait, error,
             extra={"ticket_id": row["ticket_id"]})
    async with deps.db.transaction() as tx:
        await outbox.mark_retry(tx, row["id"], iso(deps.now() + wait), error)


async def give_up(deps: Deps, row: dict, error: str) -> None:
    log.warning("outbox %s to chat %s undeliverable: %s", row["id"], row["chat_id"], error,
                extra={"ticket_id": row["ticket_id"]})
    async with deps.db.transaction() as tx:
        await outbox.mark_undeliverable(tx, row["id"], error)


async def retry_now(deps: Deps) -> int:
    """The channel answers again: rows backing off after network errors are due at once."""
    async with deps.db.transaction() as tx:
        return await outbox.retry_now(tx, deps.now_iso())


async def hold_sender(deps: Deps, owner: str) -> bool:
    """Be the one sender among the processes sharing the database (a lease of claim_ttl)."""
    now = deps.now()
    async with deps.db.transaction() as tx:
        return await outbox.hold_sender(tx, owner, iso(now), iso(now + deps.config.claim_ttl))


async def release_sender(deps: Deps, owner: str) -> None:
    async with deps.db.transaction() as tx:
        await outbox.release_sender(tx, owner)


def backoff(deps: Deps, attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … up to outbox_max_backoff."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), deps.config.outbox_max_backoff)
