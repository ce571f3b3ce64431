"""Apply one lifecycle action: compare-and-set on the ticket, one history row, in the caller's transaction."""
from __future__ import annotations

from typing import Any

from bot.services.deps import Actor, Deps
from bot.services.errors import NotFound, Stale
from bot.workflow import Action, IllegalTransition, next_state
from storage import tickets
from storage.db import StorageConflict, Tx


async def load(tx: Tx, ticket_id: int) -> dict:
    ticket = await tickets.get(tx, ticket_id)
    if ticket is None:
        raise NotFound("ticket")
    return ticket


async def apply(tx: Tx, deps: Deps, ticket: dict, action: Action, actor: Actor | None, note: str = "",
                data: dict[str, Any] | None = None, **changes: Any) -> dict:
    """Move `ticket` (as read in this transaction) by `action`; returns the ticket after the change."""
    try:
        target = next_state(action, ticket["state"])
    except IllegalTransition as exc:
        raise Stale("state", state=ticket["state"]) from exc
    now = deps.now_iso()
    try:
        await tickets.compare_and_set(tx, ticket["id"], ticket["state"], ticket["version"], now,
                                      state=str(target), **changes)
    except StorageConflict as exc:
        raise Stale("conflict") from exc
    await tickets.add_event(
        tx, ticket["id"], now, str(action),
        actor_kind=actor.kind if actor else "system", actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system", from_state=ticket["state"], to_state=str(target),
        note=note, data=data)
    return await tickets.get(tx, ticket["id"])


async def apply_change(tx: Tx, deps: Deps, ticket: dict, change, actor: Actor | None) -> dict:
    """Write a domain Change (bot/ticket.py) as one compare-and-set and one history row."""
    return await apply(tx, deps, ticket, change.action, actor, note=change.note, data=change.data, **change.fields)
