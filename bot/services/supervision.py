"""What supervisors do within their jurisdiction: the queue, dispatch (派单/交办), extensions, merges."""
from __future__ import annotations


from bot.services import cards, notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden, InvalidInput
from bot.services.intake import route
from bot.services.ops import operation, perform
from bot.services.transitions import apply, apply_change, load
from bot.services.uow import UnitOfWork
from bot.services.units import SUPERVISING_KINDS
from bot.services.views import card
from bot.ticket import Ticket
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
        return {"waiting": [await _with_buttons(tx, deps, actor, t) for t in waiting],
                "extensions": [await _with_buttons(tx, deps, actor, t) for t in extensions]}


async def _with_buttons(tx, deps: Deps, actor: Actor, ticket: dict) -> dict:
    view = await card(tx, deps, ticket)
    view["buttons"] = await cards.buttons_for(tx, deps, actor, ticket)
    return view


async def targets(deps: Deps, actor: Actor, ticket_id: int) -> list[dict]:
    """Where a supervisor may send this ticket: grids in their jurisdiction and the departments."""
    _require_supervisor(actor)
    async with deps.db.read() as tx:
        ticket = await load(tx, ticket_id)
        units = await policy.require_supervisor_of(tx, actor, ticket)
        grids = [dict(u) for u in await org.units_by_kind(tx, "grid") if u["id"] in units]
        departments = [dict(u) for u in await org.units_by_kind(tx, "department")]
        suggested = await org.department_for_category(tx, ticket["category"])
        for unit in grids + departments:     # the likely answers, marked and listed first
            unit["suggested"] = unit["id"] in (ticket["grid_id"], suggested["id"] if suggested else None) \
                and unit["id"] != ticket["unit_id"]
        grids.sort(key=lambda u: not u["suggested"])
        departments.sort(key=lambda u: not u["suggested"])
        return [u for u in departments + grids if u["suggested"]] + \
            [u for u in grids + departments if not u["suggested"] and u["id"] != ticket["unit_id"]]


@operation("to")
async def _dispatch(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    """派单 to a grid of the jurisdiction, or 交办 to a department."""
    unit_id, note = value if isinstance(value, tuple) else (value, "")
    units = await policy.jurisdiction(tx, actor)
    unit = await deps.units.unit(tx, int(unit_id)) if str(unit_id).isdigit() and int(unit_id) < 2 ** 62 else None
    if unit is None or unit["kind"] not in ("grid", "department") or (
            unit["kind"] == "grid" and unit["id"] not in units):
        raise Forbidden("target_outside_jurisdiction")
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).dispatch_to(unit, note), actor)
    await route(tx, deps, ticket)
    await notify.resident(tx, deps, ticket, "to_department" if unit["kind"] == "department" else "dispatched",
                          department=unit["name"], unit=unit["name"])
    return ticket


async def _decide(tx, deps: Deps, actor: Actor, ticket: dict, approve: bool) -> dict:
    reason = ticket["extension_reason"]
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).decide_extension(approve), actor)
    if approve:
        await notify.resident(tx, deps, ticket, "extended", reason=reason)
    await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "extension_decided", approved=approve)
    return ticket


@operation("extok")
async def _approve(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    return await _decide(tx, deps, actor, ticket, True)


@operation("extno")
async def _deny(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    return await _decide(tx, deps, actor, ticket, False)


async def dispatch(deps: Deps, actor: Actor, ticket_id: int, unit_id: int, note: str = "") -> dict:
    _require_supervisor(actor)
    return await perform(deps, actor, "to", ticket_id, (unit_id, note))


async def decide_extension(deps: Deps, actor: Actor, ticket_id: int, approve: bool, note: str = "") -> dict:
    _require_supervisor(actor)
    return await perform(deps, actor, "extok" if approve else "extno", ticket_id)


async def merge(deps: Deps, actor: Actor, duplicate_id: int, original_number: str) -> dict:
    """Merge a duplicate into its original; the duplicate's resident follows the original."""
    _require_supervisor(actor)
    async with UnitOfWork(deps) as work:
        tx = work.tx
        duplicate = await load(tx, duplicate_id)
        original = await tickets.by_number(tx, original_number.strip().upper())
        if original is None or original["id"] == duplicate_id or original["state"] in ("merged", "cancelled"):
            raise InvalidInput("merge_target")
        await policy.require_supervisor_of(tx, actor, duplicate)
        await policy.require_supervisor_of(tx, actor, original)
        duplicate = await apply(tx, deps, duplicate, Action.MERGE, actor, note=original["number"],
                                merged_into=original["id"], data={"into": original["number"]})
        await notify.resident(tx, deps, duplicate, "merged", into=original["number"])
        await cards.refresh(tx, deps, duplicate)
        view = await card(tx, deps, duplicate)
        work.commit()
    return view

