"""What a resident does with their own tickets: list, look up, rate, cancel."""
from __future__ import annotations

from bot.services import handling, notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, NotFound, Stale
from bot.services.intake import clean_text
from bot.services.transitions import apply, load
from bot.services.views import card
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
        view["history"] = await tickets.events(tx, ticket["id"])
        owner = await residents.get(tx, ticket["resident_id"]) if ticket["resident_id"] else None
        view["unreachable"] = actor.is_staff and bool(owner and owner["chat_id"]) and \
            await outbox.undeliverable_count(tx, owner["chat_id"]) > 0
        return view


async def rate(deps: Deps, actor: Actor, ticket_id: int, rating_code: str, comment: str = "") -> dict:
    rating = RATINGS.get(rating_code)
    if rating is None:
        raise InvalidInput("rating")
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        if rating == "unsatisfied":
            ticket = await apply(tx, deps, ticket, Action.RATE_UNSATISFIED, actor, note=comment,
                                 data={"rating": rating}, rating=rating, reopen_count=ticket["reopen_count"] + 1,
                                 resolved_at=None, resolve_due=handling.reopen_deadline(deps, ticket))
            await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "reopened", comment=comment)
            await notify.resident(tx, deps, ticket, "reopened")
        else:
            ticket = await apply(tx, deps, ticket, Action.RATE_SATISFIED, actor, note=comment,
                                 data={"rating": rating}, rating=rating, closed_at=deps.now_iso())
            await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "rated", rating=rating)
        view = await card(tx, deps, ticket, reveal=True)
    deps.wake_outbox()
    return view


async def cancel(deps: Deps, actor: Actor, ticket_id: int, reason: str = "") -> dict:
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        ticket = await apply(tx, deps, ticket, Action.CANCEL, actor, note=reason, closed_at=deps.now_iso())
        if ticket["handler_id"]:
            await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "cancelled")
        view = await card(tx, deps, ticket, reveal=True)
    deps.wake_outbox()
    return view


async def may_comment(deps: Deps, actor: Actor, ticket_id: int) -> None:
    """Only the owner comments, and only on a ticket they have rated."""
    async with deps.db.read() as tx:
        ticket = await load(tx, ticket_id)
    policy.require_owner(actor, ticket)
    if not ticket["rating"]:
        raise Stale("state")


async def comment(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    """The resident's optional words with their rating, kept in the history and passed to the handler."""
    text = clean_text(text)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        ticket = await apply(tx, deps, ticket, Action.COMMENT, actor, note=text)
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "comment", comment=text)
        view = await card(tx, deps, ticket, reveal=True)
    deps.wake_outbox()
    return view


async def reply(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    """The resident answers the handler's question: relayed to the handler, the clock runs again."""
    text = clean_text(text)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_owner(actor, ticket)
        if not ticket["paused_at"]:
            raise Stale("state")
        ticket = await handling.resume_clock(tx, deps, ticket, Action.RESIDENT_REPLY, actor, note=text)
        await notify.staff_member(tx, deps, ticket, ticket["handler_id"], "resident_reply", reply=text)
        view = await card(tx, deps, ticket, reveal=True)
    deps.wake_outbox()
    return view
