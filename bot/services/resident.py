"""What a resident does with their own tickets: list, look up, rate, cancel."""
from __future__ import annotations

import json

from bot.services import cards, handling, inputs, notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, NotFound, Stale
from bot.services.intake import clean_text
from bot.services.ops import operation, perform
from bot.services.transitions import apply_change, load
from bot.services.uow import UnitOfWork
from bot.services.views import card
from bot.ticket import Ticket
from bot.workflow import Action
from storage import outbox, residents, tickets

RATINGS = {"s": "satisfied", "b": "basically_satisfied", "u": "unsatisfied"}


async def my_tickets(deps: Deps, actor: Actor) -> list[dict]:
    async with deps.db.read() as tx:
        rows = await tickets.of_resident(tx, actor.id) if actor.kind == "resident" else []
        return [await card(tx, deps, t, reveal=True) for t in rows]


OPEN_STATES = ("pending", "accepted", "resolved")


async def open_tickets(deps: Deps, actor: Actor) -> list[dict]:
    """The resident's tickets still being handled or waiting for a rating, newest first."""
    return [c for c in await my_tickets(deps, actor) if c["state"] in OPEN_STATES]


async def _by_number(tx, deps: Deps, actor: Actor, number: str) -> dict | None:
    """A full number, or a short one (0003, -0003, 3): the resident's own latest ticket with that count."""
    if number.startswith("GD"):
        return await tickets.by_number(tx, number)
    digits = number.lstrip("-")
    if not digits.isdigit() or len(digits) > 4:
        return None
    suffix = f"-{int(digits):04d}"
    if actor.kind == "resident":
        return next((t for t in await tickets.of_resident(tx, actor.id, limit=200) if t["number"].endswith(suffix)), None)
    day = deps.now().astimezone(deps.calendar.tz).strftime("%Y%m%d")       # staff: today's ticket
    return await tickets.by_number(tx, f"GD{day}{suffix}")


async def status(deps: Deps, actor: Actor, number: str) -> dict:
    """A ticket with its history, for anyone who may see it; others get NotFound (we do not confirm it exists)."""
    number = (number or "").strip().upper()
    if not number:
        raise InvalidInput("number")
    async with deps.db.read() as tx:
        ticket = await _by_number(tx, deps, actor, number)
        if ticket is None or not await policy.can_see(tx, actor, ticket):
            raise NotFound("ticket")
        reveal = actor.kind == "resident" or actor.id == ticket["handler_id"]
        view = await card(tx, deps, ticket, reveal=reveal)
        view["history"] = [await _named(tx, deps, e) for e in await tickets.events(tx, ticket["id"])]
        view["buttons"] = await cards.buttons_for(tx, deps, actor, ticket)
        owner = await residents.get(tx, ticket["resident_id"]) if ticket["resident_id"] else None
        view["unreachable"] = actor.is_staff and bool(owner and owner["chat_id"]) and \
            await outbox.undeliverable_count(tx, owner["chat_id"]) > 0
        return view


@operation("rate")
async def _rate(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    code, comment = value if isinstance(value, tuple) else (value, "")
    rating = RATINGS.get(code)
    if rating is None:
        raise InvalidInput("rating")
    result = ticket["result"]
    change = Ticket(ticket).rate(rating, comment, deps.now(), handling.reopen_deadline(deps, ticket))
    ticket = await apply_change(tx, deps, ticket, change, actor)
    if rating == "unsatisfied":
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "reopened", comment=comment)
        await notify.resident(tx, deps, ticket, "reopened")
        await inputs.expect_in(tx, deps, actor.chat_id, "why", ticket["id"])
    else:
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "rated", rating=rating, result=result)
    return ticket


@operation("cxl")
async def _cancel(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).cancel(value or "", deps.now()), actor)
    if ticket["handler_id"]:
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "cancelled")
    return ticket


@operation("cmt")
async def _comment(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    text = clean_text(value)
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).comment(text), actor)
    await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "comment", comment=text)
    return ticket


async def _named(tx, deps: Deps, event: dict) -> dict:
    """A history line with the unit it sent the ticket to (派单至 …), by name."""
    data = event.get("data")
    data = json.loads(data) if isinstance(data, str) and data else (data or {})
    unit = await deps.units.by_code(tx, data["to"]) if isinstance(data, dict) and data.get("to") else None
    return {**event, "target": unit["name"] if unit else ""}


async def rate(deps: Deps, actor: Actor, ticket_id: int, rating_code: str, comment: str = "") -> dict:
    if rating_code not in RATINGS:
        raise InvalidInput("rating")
    return await perform(deps, actor, "rate", ticket_id, (rating_code, comment))


async def cancel(deps: Deps, actor: Actor, ticket_id: int, reason: str = "") -> dict:
    return await perform(deps, actor, "cxl", ticket_id, reason)


async def comment(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    """The resident's optional words with their rating, kept in the history and passed to the handler."""
    return await perform(deps, actor, "cmt", ticket_id, text)


async def why_unsatisfied(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    """不满意的原因: kept in the history, passed to the handler and the supervisors above."""
    text = clean_text(text)
    async with UnitOfWork(deps) as work:
        tx = work.tx
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        ticket = await apply_change(tx, deps, ticket, Ticket(ticket).comment(text), actor)
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "unsatisfied_why", comment=text)
        await notify.supervisors_above(tx, deps, ticket, "unsatisfied_why", comment=text)
        view = await card(tx, deps, ticket, reveal=True)
        work.commit()
    return view


async def reply(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    """The resident answers the handler's question: relayed to the handler, the clock runs again."""
    text = clean_text(text)
    async with UnitOfWork(deps) as work:
        tx = work.tx
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        if not ticket["paused_at"]:
            raise Stale("state")
        ticket = await handling.resume_clock(tx, deps, ticket, Action.RESIDENT_REPLY, actor, note=text)
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "resident_reply", reply=text)
        await cards.refresh(tx, deps, ticket)
        view = await card(tx, deps, ticket, reveal=True)
        work.commit()
    return view
