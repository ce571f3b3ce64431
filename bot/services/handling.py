"""What grid workers and department handlers do with a ticket: sign for, return, note, resolve,
escalate, ask for more time, blow the whistle."""
from __future__ import annotations

from datetime import datetime

from bot.clock import iso, parse_iso
from bot.services import notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden, InvalidInput, Stale
from bot.services.intake import clean_text, create_ticket
from bot.services.transitions import apply, load
from bot.services.views import card, mask_name
from bot.sla import deadlines, limit_for
from bot.workflow import Action
from storage import org, tickets



def _reason(text: str | None, what: str = "reason") -> str:
    try:
        return clean_text(text)
    except InvalidInput as exc:
        raise InvalidInput(what) from exc


async def accept(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_handler_of_unit(actor, ticket)
        ticket = await apply(tx, deps, ticket, Action.ACCEPT, actor, handler_id=actor.id, accepted_at=deps.now_iso())
        await notify.resident(tx, deps, ticket, "accepted")
        await notify.edit_offers(tx, deps, ticket, mask_name(actor.name), actor.chat_id)
        view = await card(tx, deps, ticket, reveal=True)
    deps.wake_outbox()
    return view


async def return_ticket(deps: Deps, actor: Actor, ticket_id: int, reason: str) -> dict:
    """退回: misrouted; back to the queue of the supervisor above the unit."""
    reason = _reason(reason)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        if ticket["state"] == "accepted":
            policy.require_assignee(actor, ticket)
        else:
            policy.require_handler_of_unit(actor, ticket)
        target = await _supervising_unit(tx, deps, ticket["unit_id"])
        ticket = await apply(tx, deps, ticket, Action.RETURN, actor, note=reason, unit_id=target["id"],
                             handler_id=None)
        await notify.staff_of_unit(tx, deps, ticket, "queue_item", reason=reason, why="returned")
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def _supervising_unit(tx, deps: Deps, unit_id: int) -> dict:
    chain = await deps.units.supervising_above(tx, unit_id)
    if not chain:
        raise Forbidden("no_level_above")
    return chain[0]


async def escalate(deps: Deps, actor: Actor, ticket_id: int, reason: str) -> dict:
    """上报: one level up (grid → community → street → district)."""
    reason = _reason(reason)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        if actor.role in policy.HANDLER_ROLES:
            if ticket["state"] == "accepted":
                policy.require_assignee(actor, ticket)
            else:
                policy.require_handler_of_unit(actor, ticket)
        else:
            await policy.require_supervisor_of(tx, actor, ticket)
            if actor.unit_id != ticket["unit_id"]:
                raise Forbidden("not_at_your_level")
        target = await _supervising_unit(tx, deps, ticket["unit_id"])
        ticket = await apply(tx, deps, ticket, Action.ESCALATE, actor, note=reason, unit_id=target["id"],
                             handler_id=None, data={"to": target["code"]})
        await notify.staff_of_unit(tx, deps, ticket, "queue_item", reason=reason, why="escalated")
        await notify.resident(tx, deps, ticket, "escalated", level=target["name"])
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def note(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    text = _reason(text, "note")
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_assignee(actor, ticket)
        ticket = await apply(tx, deps, ticket, Action.NOTE, actor, note=text)
        await notify.resident(tx, deps, ticket, "note", note=text)
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def resolve(deps: Deps, actor: Actor, ticket_id: int, result: str, photo: str | None = None) -> dict:
    result = _reason(result, "result")
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_assignee(actor, ticket)
        ticket = await apply(tx, deps, ticket, Action.RESOLVE, actor, note=result, data={"photo": photo},
                             result=result, resolved_at=deps.now_iso(), extension_due=None, extension_reason="",
                             paused_at=None)
        await notify.resident(tx, deps, ticket, "resolved", result=result, result_photo=photo)
        await notify.clear_reply(tx, deps, ticket)
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def request_extension(deps: Deps, actor: Actor, ticket_id: int, new_due: datetime, reason: str) -> dict:
    reason = _reason(reason)
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_assignee(actor, ticket)
        if new_due <= deps.now() or (ticket["resolve_due"] and iso(new_due) <= ticket["resolve_due"]):
            raise InvalidInput("extension_date")
        ticket = await apply(tx, deps, ticket, Action.REQUEST_EXTENSION, actor, note=reason,
                             data={"until": iso(new_due)}, extension_due=iso(new_due), extension_reason=reason)
        await notify.supervisors_above(tx, deps, ticket, "extension_request", unit_id=ticket["grid_id"] or ticket["unit_id"],
                                       requester={"name": actor.name, "unit": actor.unit_name})
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def tasks(deps: Deps, actor: Actor) -> list[dict]:
    """My open tickets by deadline, and those waiting to be signed for in my unit."""
    if actor.role not in policy.HANDLER_ROLES:
        raise Forbidden("not_handler")
    async with deps.db.read() as tx:
        mine = await tickets.of_handler(tx, actor.id)
        waiting = await tickets.pending_in_units(tx, [actor.unit_id])
        return [await card(tx, deps, t) for t in mine + waiting]


async def whistle(deps: Deps, actor: Actor, text: str, photo: str | None = None) -> dict:
    """吹哨: a hazard found on patrol; an urgent ticket in the worker's grid, straight to supervisors and the department."""
    if actor.role != "worker":
        raise Forbidden("whistle_not_worker")
    text = _reason(text, "whistle")
    result = deps.classifier.classify(text)
    draft = {"text": text, "category": result.category, "priority": "urgent", "unit_id": actor.unit_id,
             "place": actor.unit_name, "photo": photo, "keywords": list(result.keywords),
             "confidence": result.confidence}
    async with deps.db.transaction() as tx:
        ticket = await create_ticket(tx, deps, draft, reporter_staff_id=actor.id, actor=actor)
        department = await org.department_for_category(tx, ticket["category"])
        await notify.supervisors_above(tx, deps, ticket, "whistle", unit_id=actor.unit_id, levels=2)
        if department:
            await notify.staff_of_unit(tx, deps, ticket, "whistle", unit_id=department["id"])
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def may_ask(deps: Deps, actor: Actor, what: str, ticket_id: int) -> None:
    """Refuse before asking for a reason or a result the actor could not use anyway."""
    async with deps.db.read() as tx:
        ticket = await load(tx, ticket_id)
        if what == "ask" and ticket["paused_at"]:
            raise InvalidInput("already_paused")
        if what == "esc" and actor.role == "supervisor":
            await policy.require_supervisor_of(tx, actor, ticket)
        elif what in ("ret", "esc") and ticket["state"] == "pending":
            policy.require_handler_of_unit(actor, ticket)
        else:
            policy.require_assignee(actor, ticket)
    if ticket["state"] not in ("pending", "accepted") or (what in ("note", "res", "ext", "ask") and ticket["state"] != "accepted"):
        raise Stale("state")


def reopen_deadline(deps: Deps, ticket: dict) -> str:
    category = deps.lexicon.categories.get(ticket["category"])
    limit = limit_for(deps.config, category.limit if category else "help", ticket["priority"])
    return iso(deadlines(deps.now(), limit, deps.calendar).resolve_due)


async def ask_resident(deps: Deps, actor: Actor, ticket_id: int, question: str) -> dict:
    """追问: ask the resident something; the resolve clock stops until they answer (or the handler resumes)."""
    question = _reason(question, "question")
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_assignee(actor, ticket)
        if ticket["paused_at"]:
            raise InvalidInput("already_paused")
        ticket = await apply(tx, deps, ticket, Action.ASK_RESIDENT, actor, note=question,
                             paused_at=deps.now_iso(), sweep_done=1)
        await notify.resident(tx, deps, ticket, "question", question=question)
        await notify.expect_reply(tx, deps, ticket)
        view = await card(tx, deps, ticket)
    deps.wake_outbox()
    return view


async def resume_clock(tx, deps: Deps, ticket: dict, action: Action, actor: Actor, note: str = "") -> dict:
    """End a pause: the resolve deadline moves by the time (natural or working) spent waiting."""
    if not ticket["paused_at"]:
        raise InvalidInput("not_paused")
    category = deps.lexicon.categories.get(ticket["category"])
    limit = limit_for(deps.config, category.limit if category else "help", ticket["priority"])
    paused_at, now = parse_iso(ticket["paused_at"]), deps.now()
    old_due = parse_iso(ticket["resolve_due"])
    if limit.working_time:
        new_due = deps.calendar.add_working_time(old_due, deps.calendar.working_time_between(paused_at, now))
    else:
        new_due = old_due + (now - paused_at)
    return await apply(tx, deps, ticket, action, actor, note=note, data={"paused_from": ticket["paused_at"]},
                       paused_at=None, resolve_due=iso(new_due))


async def resume(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    """The handler goes on without the resident's answer."""
    async with deps.db.transaction() as tx:
        ticket = await load(tx, ticket_id)
        policy.require_assignee(actor, ticket)
        ticket = await resume_clock(tx, deps, ticket, Action.RESUME, actor)
        view = await card(tx, deps, ticket)
    return view
