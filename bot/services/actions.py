"""Run any ticket action of the table (bot/actions.py): load → check → apply → notify → refresh cards.

One skeleton for every button: the ticket is read in a unit of work, the table decides, the
action's operation (registered by the module that owns it, see bot/services/ops.py) changes the
ticket and says whom to tell, every card of the ticket is edited, and the commit wakes the sender.
A person who may not see the ticket gets exactly the answer a missing ticket gets.
"""
from __future__ import annotations

from bot.actions import SPECS, allowed, relations
from bot.services import cards, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden, InvalidInput, NotFound, ServiceError, Stale
from bot.services.ops import OPS, load_ops
from bot.services.uow import UnitOfWork
from bot.services.views import card, mask_name
from storage import org, tickets
from storage.db import Tx


def _spec_code(code: str) -> str:
    return "disp" if code == "to" else code


async def visible(tx: Tx, actor: Actor, ticket_id: int) -> dict:
    """The ticket, if the actor may see it or was shown it once; NotFound otherwise."""
    ticket = await tickets.get(tx, ticket_id) if 0 < ticket_id < 2 ** 62 else None
    if ticket is None:
        raise NotFound("ticket")
    if await policy.can_see(tx, actor, ticket) or await cards.seen_by(tx, actor, ticket_id):
        return ticket
    if actor.is_staff and await tickets.staff_acted_on(tx, ticket_id, actor.id):
        return ticket
    raise NotFound("ticket")


async def check(tx: Tx, deps: Deps, actor: Actor, code: str, ticket: dict) -> None:
    """Refuse, saying what happened, unless the table lets `actor` do `code` to `ticket` now."""
    facts = await cards.facts_for(tx, deps, actor, ticket)
    if allowed(_spec_code(code), ticket, actor, facts):
        return
    raise await explain(tx, deps, actor, _spec_code(code), ticket, facts)


async def explain(tx: Tx, deps: Deps, actor: Actor, code: str, ticket: dict, facts) -> ServiceError:
    """Why a press does nothing: what became of the ticket, in the words of someone who saw it."""
    state, spec = ticket["state"], SPECS.get(code)
    if spec is None:
        return Stale("state")
    if state == "merged":
        into = await tickets.get(tx, ticket["merged_into"]) if ticket["merged_into"] else None
        return Stale("now_merged", into=into["number"] if into else "")
    if state in ("resolved", "closed", "cancelled") and state not in {str(s) for s in spec.relations}:
        return Stale(f"now_{state}", number=ticket["number"])
    mine = relations(ticket, actor, facts)
    if actor.kind == "resident" or actor.role not in ("worker", "handler", "supervisor", "admin"):
        if not mine & frozenset().union(*spec.relations.values()):
            return Forbidden("forbidden")
    if actor.role in ("worker", "handler"):
        if code == "acc" and state == "accepted":
            if ticket["handler_id"] == actor.id:          # a second tap on one's own 签收
                return Stale("taken_by_you")
            handler = await org.staff(tx, ticket["handler_id"]) if ticket["handler_id"] else None
            return Stale("taken", by=mask_name(handler["name"]) if handler else "")
        if not mine & {"unit", "handler"}:
            unit = await deps.units.unit(tx, ticket["unit_id"])
            return Stale("moved", unit=unit["name"] if unit else "")
    if actor.role in ("supervisor", "admin") and (not mine or code == "esc" and "level" not in mine):
        unit = await deps.units.unit(tx, ticket["unit_id"])
        return Stale("moved", unit=unit["name"] if unit else "")
    who = spec.relations.get(state) if state in {str(s) for s in spec.relations} else None
    if who and who & mine:                       # the state fits, the guard does not
        return {"ret": Forbidden("no_level_above"), "esc": Forbidden("no_level_above"),
                "ext": InvalidInput("extension_pending"), "extok": InvalidInput("no_extension"),
                "extno": InvalidInput("no_extension"), "ask": InvalidInput("already_paused"),
                "resume": InvalidInput("not_paused"), "acc": Forbidden("forbidden"),
                "cmt": Stale("state")}.get(code, Stale("state"))
    if not mine:
        return Forbidden("forbidden")
    return Stale("state", state=state)


async def prepare(deps: Deps, actor: Actor, code: str, ticket_id: int) -> dict:
    """Before asking for an action's input: refuse now what could not be used anyway; the ticket's view."""
    async with deps.db.read() as tx:
        ticket = await visible(tx, actor, ticket_id)
        await check(tx, deps, actor, code, ticket)
        view = await card(tx, deps, ticket, reveal=actor.kind == "resident" or actor.id == ticket["handler_id"])
        moves = [e for e in await tickets.events(tx, ticket_id) if e["action"] in ("return", "escalate")]
        view["last_reason"] = moves[-1]["note"] if moves and ticket["state"] == "pending" else ""
        return view


async def perform(deps: Deps, actor: Actor, code: str, ticket_id: int, value=None) -> dict:
    """Run the action `code` ("to": the dispatch with its target) with its input; the ticket's view after it."""
    load_ops()
    operation = OPS.get(code)
    if operation is None:
        raise NotFound("ticket")
    async with UnitOfWork(deps) as work:
        ticket = await visible(work.tx, actor, ticket_id)
        await check(work.tx, deps, actor, code, ticket)
        ticket = await operation(work.tx, deps, actor, ticket, value)
        await cards.refresh(work.tx, deps, ticket)
        view = await card(work.tx, deps, ticket, reveal=actor.kind == "resident" or actor.id == ticket["handler_id"])
        view["buttons"] = await cards.buttons_for(work.tx, deps, actor, ticket)
        work.commit()
    return view


async def view(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    """The ticket as this actor sees it, with their buttons."""
    async with deps.db.read() as tx:
        ticket = await visible(tx, actor, ticket_id)
        view = await card(tx, deps, ticket, reveal=actor.kind == "resident" or actor.id == ticket["handler_id"])
        view["buttons"] = await cards.buttons_for(tx, deps, actor, ticket)
        return view
