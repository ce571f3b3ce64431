"""What grid workers and department handlers do with a ticket: sign for, return, note, resolve,
escalate, ask for more time, ask the resident; and blow the whistle.

The operations run inside `actions.perform`, after the action table allowed them; the functions
named after them are the same actions for callers that are not buttons (tests, scripts)."""
from __future__ import annotations

from datetime import datetime

from bot.services import notify, policy
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden, InvalidInput
from bot.services.intake import clean_text, create_ticket
from bot.services.ops import operation, perform
from bot.services.transitions import apply_change
from bot.services.uow import UnitOfWork
from bot.services.views import card, mask_name
from bot.ticket import Ticket
from bot.workflow import Action
from storage import org, tickets


def _reason(text: str | None, what: str = "reason") -> str:
    try:
        return clean_text(text)
    except InvalidInput as exc:
        raise InvalidInput(what) from exc


async def _supervising_unit(tx, deps: Deps, unit_id: int) -> dict:
    chain = await deps.units.supervising_above(tx, unit_id)
    if not chain:
        raise Forbidden("no_level_above")
    return chain[0]


@operation("acc")
async def _accept(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).accept(actor.id, deps.now()), actor)
    await notify.resident(tx, deps, ticket, "accepted")
    return ticket


@operation("ret")
async def _return(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    """退回: misrouted; back to the queue of the supervisor above the unit."""
    reason = _reason(value)
    target = await _supervising_unit(tx, deps, ticket["unit_id"])
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).return_to(target, reason), actor)
    await notify.staff_of_unit(tx, deps, ticket, "queue_item", reason=reason, why="returned")
    await notify.resident(tx, deps, ticket, "returned", level=target["name"])
    return ticket


@operation("esc")
async def _escalate(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    """上报: one level up (grid → community → street → district)."""
    reason = _reason(value)
    target = await _supervising_unit(tx, deps, ticket["unit_id"])
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).escalate_to(target, reason), actor)
    await notify.staff_of_unit(tx, deps, ticket, "queue_item", reason=reason, why="escalated")
    await notify.resident(tx, deps, ticket, "escalated", level=target["name"])
    return ticket


@operation("note")
async def _note(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    text = _reason(value, "note")
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).note(text), actor)
    await notify.resident(tx, deps, ticket, "note", note=text)
    return ticket


@operation("res")
async def _resolve(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    result, photo = value if isinstance(value, tuple) else (value, None)
    result = _reason(result, "result")
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).resolve(result, photo, deps.now()), actor)
    await notify.resident(tx, deps, ticket, "resolved", result=result, result_photo=photo)
    await notify.clear_reply(tx, deps, ticket)
    return ticket


@operation("ext")
async def _request_extension(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    new_due, reason = value              # read from the chat by bot/services/extension.py
    reason = _reason(reason)
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).request_extension(new_due, reason, deps.now()), actor)
    await notify.supervisors_above(tx, deps, ticket, "extension_request", unit_id=ticket["grid_id"] or ticket["unit_id"],
                                   requester={"name": actor.name, "unit": actor.unit_name})
    return ticket


@operation("ask")
async def _ask(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    """追问: ask the resident something; the resolve clock stops until they answer (or the handler resumes)."""
    question = _reason(value, "question")
    ticket = await apply_change(tx, deps, ticket, Ticket(ticket).ask(question, deps.now()), actor)
    await notify.resident(tx, deps, ticket, "question", question=question)
    await notify.expect_reply(tx, deps, ticket)
    return ticket


async def resume_clock(tx, deps: Deps, ticket: dict, action: Action, actor: Actor, note: str = "") -> dict:
    """End a pause: the resolve deadline moves by the time spent waiting (the deadline policy's rule)."""
    if not ticket["paused_at"]:
        raise InvalidInput("not_paused")
    change = Ticket(ticket).resume(action, deps.deadlines.resumed(ticket, deps.now()), note)
    return await apply_change(tx, deps, ticket, change, actor)


@operation("resume")
async def _resume(tx, deps: Deps, actor: Actor, ticket: dict, value) -> dict:
    return await resume_clock(tx, deps, ticket, Action.RESUME, actor)


async def accept(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    return await perform(deps, actor, "acc", ticket_id)


async def return_ticket(deps: Deps, actor: Actor, ticket_id: int, reason: str) -> dict:
    return await perform(deps, actor, "ret", ticket_id, reason)


async def escalate(deps: Deps, actor: Actor, ticket_id: int, reason: str) -> dict:
    return await perform(deps, actor, "esc", ticket_id, reason)


async def note(deps: Deps, actor: Actor, ticket_id: int, text: str) -> dict:
    return await perform(deps, actor, "note", ticket_id, text)


async def resolve(deps: Deps, actor: Actor, ticket_id: int, result: str, photo: str | None = None) -> dict:
    return await perform(deps, actor, "res", ticket_id, (result, photo))


async def request_extension(deps: Deps, actor: Actor, ticket_id: int, new_due: datetime, reason: str) -> dict:
    return await perform(deps, actor, "ext", ticket_id, (new_due, reason))


async def ask_resident(deps: Deps, actor: Actor, ticket_id: int, question: str) -> dict:
    return await perform(deps, actor, "ask", ticket_id, question)


async def resume(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    return await perform(deps, actor, "resume", ticket_id)


async def tasks(deps: Deps, actor: Actor) -> list[dict]:
    """My open tickets by deadline, and those waiting to be signed for in my unit, with my buttons."""
    from bot.services.cards import buttons_for
    if actor.role not in policy.HANDLER_ROLES:
        raise Forbidden("not_handler")
    async with deps.db.read() as tx:
        mine = await tickets.of_handler(tx, actor.id)
        waiting = await tickets.pending_in_units(tx, [actor.unit_id])
        views = []
        for t in mine + waiting:
            view = await card(tx, deps, t, reveal=t["handler_id"] == actor.id)
            view["buttons"] = await buttons_for(tx, deps, actor, t)
            views.append(view)
        return views


async def whistle(deps: Deps, actor: Actor, text: str, photo: str | None = None) -> dict:
    """吹哨: a hazard found on patrol; an urgent ticket the whistling worker holds at once (he found it,
    he is on the spot), with one alert to each supervisor of the two levels above and the department."""
    if actor.role != "worker":
        raise Forbidden("whistle_not_worker")
    text = _reason(text, "whistle")
    result = deps.classifier.classify(text)
    draft = {"text": text, "category": result.category, "priority": "urgent", "unit_id": actor.unit_id,
             "place": actor.unit_name, "photo": photo, "keywords": list(result.keywords),
             "confidence": result.confidence}
    async with UnitOfWork(deps) as work:
        tx = work.tx
        ticket = await create_ticket(tx, deps, draft, reporter_staff_id=actor.id, actor=actor, offer=False)
        ticket = await apply_change(tx, deps, ticket, Ticket(ticket).accept(actor.id, deps.now()), actor)
        department = await org.department_for_category(tx, ticket["category"])
        await notify.supervisors_above(tx, deps, ticket, "whistle", unit_id=actor.unit_id, levels=2)
        if department:
            await notify.staff_of_unit(tx, deps, ticket, "whistle", unit_id=department["id"])
        view = await card(tx, deps, ticket, reveal=True)
        work.commit()
    return view


def reopen_deadline(deps: Deps, ticket: dict) -> str:
    return deps.deadlines.reopened(ticket, deps.now())


__all__ = ["accept", "ask_resident", "escalate", "mask_name", "note", "request_extension",
           "resolve", "resume", "resume_clock", "return_ticket", "tasks", "whistle"]
