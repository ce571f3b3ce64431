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
    """The oldest pending row of each chat whose time has come (one chat's rows go in order), claimed
    for this process until outbox_claim_ttl from now: another process sending from the same database
    skips them. Rows this process already holds come back again (and their claim is renewed)."""
    now = deps.now()
    async with deps.db.transaction() as tx:
        return await outbox.claim_heads(tx, deps.node, iso(now), iso(now + deps.config.outbox_claim_ttl), limit)


async def release(deps: Deps) -> int:
    """At a clean stop: this process's claims on unsent rows go, so another sender need not wait them out."""
    async with deps.db.transaction() as tx:
        return await outbox.release_claims(tx, deps.node)


async def sent(deps: Deps, rows: list[tuple[dict, int | None]]) -> None:
    """Record sends (row, message id) in one transaction, and the ticket cards among them."""
    from bot.services.cards import record_sent
    from bot.services.uow import UnitOfWork
    async with UnitOfWork(deps) as work:
        await outbox.mark_sent_many(work.tx, [(row["id"], m) for row, m in rows], deps.now_iso())
        await record_sent(work.tx, deps, rows)
        work.commit()


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


def backoff(deps: Deps, attempts: int) -> timedelta:
    """1 s three times, then 2 s, 4 s … up to outbox_max_backoff. Most failures are a 5xx or two,
    and someone is usually waiting for the reply: a lone resident after five 500s waits 9 s, not 31."""
    return min(timedelta(seconds=2 ** min(max(attempts - 2, 0), 16)), deps.config.outbox_max_backoff)
