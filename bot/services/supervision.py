"""What supervisors do within their jurisdiction: the queue, dispatch (派单/交办), extensions, merges."""
from __future__ import annotations


from bot.services import notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden, InvalidInput
from bot.services.intake import route
from bot.services.transitions import apply, load
from bot.services.units import SUPERVISING_KINDS
from bot.services.views import card
from bot.workflow import Action
from storage import org, tickets


def _require_supervisor(actor: Actor) -> None:
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("not_supervisor")


async def queue(deps: Deps, actor: Actor) -> dict:
    """Unassigned, returned and escalated tickets waiting at a supervising unit, and extension requests."""
    _require_supervisor(actor)
    async with deps.db.read() as tx:
        units = await policy.jurisdiction(tx, actor)
        mine = set(units)
        levels = [u["id"] for u in await org.all_units(tx) if u["id"] in mine and u["kind"] in SUPERVISING_KINDS]
        waiting = await tickets.pending_in_units(tx, levels)
        extensions = await tickets.extensions_in_units(tx, units)
        return {"waiting": [await card(tx, deps, t) for t in waiting],
                "extensions": [await card(tx, deps, t) for t in extensions]}


async def targets(deps: Deps, actor: Actor, ticket_id: int) -> list[dict]:
    """Where a supervisor may send this ticket: grids in their jurisdiction and the departments."""
    _require_supervisor(actor)
    async with deps.db.read() as tx:
        ticket = await load(tx, ticket_id)
        units = await policy.require_supervisor_of(tx, actor, ticket)
        grids = [u for u in await org.units_by_kind(tx, "grid") if u["id"] in units]
        if ticket["grid_id"]:
            grids.sort(key=lambda u: u["id"] != ticket["grid_id"])
        departments = await org.units_by_kind(tx, "department")
        suggested = await org.department_for_category(tx, ticket["category"])
        if suggested:
            departments.sort(key=lambda u: u["id"] != suggested["id"])
        # the likely answers first: the suggested department, then the ticket's own grid
        return departments[:1] + grids + departments[1:]


async def dispatch(deps: Deps, actor: Actor, ticket_id: int, unit_id: int, note: str = "") -> dict:
    """派单 to a grid of the jurisdiction, or 交办 to a department."""
    _require_supervisor(actor)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        units = await policy.require_supervisor_of(tx, actor, ticket)
        unit = await deps.units.unit(tx, unit_id)
        if unit is None or unit["kind"] not in ("grid", "department") or (
                unit["kind"] == "grid" and unit_id not in units):
            raise Forbidden("target_outside_jurisdiction")
        changes = {"unit_id": unit_id, "handler_id": None}
        if unit["kind"] == "grid":
            changes["grid_id"] = unit_id
        ticket = await apply(tx, deps, ticket, Action.DISPATCH, actor, note=note, data={"to": unit["code"]}, **changes)
        await route(tx, deps, ticket)
        if unit["kind"] == "department":
            await notify.resident(tx, deps, ticket, "to_department", department=unit["name"])
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def decide_extension(deps: Deps, actor: Actor, ticket_id: int, approve: bool, note: str = "") -> dict:
    _require_supervisor(actor)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        await policy.require_supervisor_of(tx, actor, ticket)
        if not ticket["extension_due"]:
            raise InvalidInput("no_extension")
        if approve:
            ticket = await apply(tx, deps, ticket, Action.APPROVE_EXTENSION, actor, note=note,
                                 data={"until": ticket["extension_due"]}, resolve_due=ticket["extension_due"],
                                 extension_due=None)
            await notify.resident(tx, deps, ticket, "extended")
        else:
            ticket = await apply(tx, deps, ticket, Action.DENY_EXTENSION, actor, note=note, extension_due=None)
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "extension_decided", approved=approve)
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def merge(deps: Deps, actor: Actor, duplicate_id: int, original_number: str) -> dict:
    """Merge a duplicate into its original; the duplicate's resident follows the original."""
    _require_supervisor(actor)
    async with deps.db.transaction() as tx:
        duplicate = await load(tx, duplicate_id)
        original = await tickets.by_number(tx, original_number.strip().upper())
        if original is None or original["id"] == duplicate_id or original["state"] in ("merged", "cancelled"):
            raise InvalidInput("merge_target")
        await policy.require_supervisor_of(tx, actor, duplicate)
        await policy.require_supervisor_of(tx, actor, original)
        duplicate = await apply(tx, deps, duplicate, Action.MERGE, actor, note=original["number"],
                                merged_into=original["id"], data={"into": original["number"]})
        await notify.resident(tx, deps, duplicate, "merged", into=original["number"])
        view = await card(tx, deps, duplicate)
    deps.wake_outbox()
    return view

