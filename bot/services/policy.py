"""Who may see and do what: role, jurisdiction and ownership, always checked against the database."""
from __future__ import annotations

from bot.services.deps import Actor
from bot.services.errors import Forbidden
from storage import org, tickets
from storage.db import Tx

HANDLER_ROLES = ("worker", "handler")


async def jurisdiction(tx: Tx, actor: Actor) -> list[int]:
    """Units a supervisor answers for: their own and everything below it."""
    if actor.role == "admin":
        return [u["id"] for u in await org.all_units(tx)]
    if actor.role != "supervisor" or actor.unit_id is None:
        return []
    return await org.descendant_ids(tx, actor.unit_id)


async def can_see(tx: Tx, actor: Actor, ticket: dict) -> bool:
    if actor.kind == "resident":
        return ticket["resident_id"] == actor.id or ticket["id"] in await tickets.merged_into_of_resident(tx, actor.id)
    if actor.role in HANDLER_ROLES:
        return actor.id == ticket["handler_id"] or actor.unit_id in (ticket["unit_id"], ticket["grid_id"])
    units = set(await jurisdiction(tx, actor))
    return ticket["unit_id"] in units or ticket["grid_id"] in units


def require_owner(actor: Actor, ticket: dict) -> None:
    if actor.kind != "resident" or ticket["resident_id"] != actor.id:
        raise Forbidden("not_owner")


async def require_supervisor_of(tx: Tx, actor: Actor, ticket: dict) -> list[int]:
    units = await jurisdiction(tx, actor)
    if not units or (ticket["unit_id"] not in units and ticket["grid_id"] not in units):
        raise Forbidden("outside_jurisdiction")
    return units
