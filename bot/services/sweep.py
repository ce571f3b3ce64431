"""The deadline sweep: reminders before a deadline, overdue notices and alerts, supervision (督办), auto-close.

For each open ticket, its current deadline is the sign-for deadline (pending) or the resolve
deadline (accepted). Against it, three stages, each sent once per (ticket, kind, level):

    remind     at due - reminder_lead (only while not yet overdue): the handler(s)
    overdue    at due: the handler(s), and the supervisors of the level above ("above")
    supervise  at due + supervision_after: the supervisors one more level up ("supervision")

Handlers are the staff of the ticket's unit for a sign-for deadline, the assignee for a resolve
deadline. `kind` is "<deadline>_<stage>", `level` is "<tier>@<due>", so a new deadline (an
extension, a reopen, a re-dispatch) gets its own round. The alerts_sent rows, the outbox rows and
`sweep_done` are written in one transaction: a restart sends nothing twice. When one person would
get more than `digest_threshold` messages in one sweep (after downtime), they get one digest.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import iso, parse_iso
from bot.services import cards, notify
from bot.services.deps import Deps
from bot.services.accounts import actor_in
from bot.services.uow import UnitOfWork
from bot.services.errors import Stale
from bot.services.transitions import apply
from bot.services.views import card
from bot.sla import reminder_lead
from bot.workflow import Action
from storage import deadlines, kv, org, tickets
from storage.db import Tx



@dataclass
class SweepResult:
    reminders: int = 0
    overdue: int = 0
    supervision: int = 0
    messages: int = 0
    digests: int = 0
    auto_closed: int = 0
    tickets: int = 0
    by_chat: dict = field(default_factory=dict)


def stages_due(due: datetime, now: datetime, deps: Deps, limit: timedelta | None = None) -> list[str]:
    """Which stages of a deadline are due at `now` (a reminder is pointless once overdue); the
    reminder's lead is capped by the ticket's time `limit` (bot/sla.py reminder_lead)."""
    config = deps.config
    if now >= due:
        stages = ["overdue"]
        if now >= due + config.supervision_after:
            stages.append("supervise")
        return stages
    lead = reminder_lead(config.reminder_lead, limit) if limit is not None else config.reminder_lead
    return ["remind"] if now >= due - lead else []


def time_limit(deps: Deps, ticket: dict, deadline: str) -> timedelta:
    """The time limit the ticket's current deadline was set by (its category's class and priority)."""
    limit = deps.deadlines.limit(ticket["category"], ticket["priority"])
    return limit.accept if deadline == "accept" else limit.resolve


async def _chats_of_unit(tx: Tx, unit_id: int | None) -> list[int]:
    people = await org.staff_of_unit(tx, unit_id) if unit_id else []
    return [p["chat_id"] for p in people if p["chat_id"]]


async def _recipients(tx: Tx, deps: Deps, ticket: dict, deadline: str, tier: str) -> list[int]:
    if tier == "handler":
        if deadline == "resolve" and ticket["handler_id"]:
            person = await org.staff(tx, ticket["handler_id"])
            return [person["chat_id"]] if person and person["chat_id"] and person["active"] else []
        return await _chats_of_unit(tx, ticket["unit_id"])
    chain = await deps.units.supervising_above(tx, ticket["unit_id"] or ticket["grid_id"])
    if not chain:                     # a ticket at the top level: its own unit watches it
        return await _chats_of_unit(tx, ticket["unit_id"])
    index = 0 if tier == "above" else min(1, len(chain) - 1)
    return await _chats_of_unit(tx, chain[index]["id"])


TIERS = {"remind": ("handler",), "overdue": ("handler", "above"), "supervise": ("supervision",)}


async def sweep(deps: Deps, limit: int = 1000) -> "SweepResult":
    """Find the tickets that need a message now and queue the messages; auto-close unrated tickets."""
    now = deps.now()
    result = SweepResult()
    async with UnitOfWork(deps) as work:
        tx = work.tx
        rows = await deadlines.due_for_alerts(tx, iso(now + deps.config.reminder_lead), limit)
        owed: dict[int, list[tuple[str, dict, int]]] = defaultdict(list)
        for ticket in rows:
            await _ticket_alerts(tx, deps, ticket, now, owed, result)
        await _deliver(tx, deps, owed, result)
        result.auto_closed = await _auto_close(tx, deps, now)
        await kv.put(tx, "last_sweep", {"at": iso(now), "messages": result.messages,
                                        "auto_closed": result.auto_closed})     # for `gridbot doctor`
        work.commit()
    return result


async def _ticket_alerts(tx: Tx, deps: Deps, ticket: dict, now: datetime, owed, result: SweepResult) -> None:
    due = parse_iso(ticket["due"])
    if due is None:
        return
    deadline = ticket["deadline"]
    stages = stages_due(due, now, deps, time_limit(deps, ticket, deadline))
    if not stages:
        return
    result.tickets += 1
    view = None
    for stage in stages:
        kind = f"{deadline}_{stage}"
        for tier in TIERS[stage]:
            if not await deadlines.record_alert(tx, ticket["id"], kind, f"{tier}@{ticket['due']}", iso(now)):
                continue
            if view is None:
                view = await card(tx, deps, ticket)
            payload = {"ticket": view, "deadline": deadline, "stage": stage, "tier": tier, "due": ticket["due"],
                       "overdue_seconds": max(0, int((now - due).total_seconds())),
                       "left_seconds": max(0, int((due - now).total_seconds()))}
            for chat_id in dict.fromkeys(await _recipients(tx, deps, ticket, deadline, tier)):
                owed[chat_id].append(("deadline_alert", payload, ticket["id"]))
            result.reminders += stage == "remind"
            result.overdue += stage == "overdue" and tier == "handler"
            result.supervision += stage == "supervise"
    if "supervise" in stages:
        await deadlines.mark_done(tx, ticket["id"], ticket["state"])


async def _deliver(tx: Tx, deps: Deps, owed, result: SweepResult) -> None:
    now = deps.now_iso()
    for chat_id, messages in owed.items():
        result.by_chat[chat_id] = len(messages)
        if len(messages) > deps.config.digest_threshold:
            items = [{"number": p["ticket"]["number"], "category_name": p["ticket"]["category_name"],
                      "place": p["ticket"]["place"] or p["ticket"]["grid_name"], "deadline": p["deadline"],
                      "stage": p["stage"], "tier": p["tier"], "due": p["due"],
                      "overdue_seconds": p["overdue_seconds"], "left_seconds": p["left_seconds"]}
                     for _, p, _ in messages]
            await deps.enqueue(tx, chat_id, "deadline_digest", {"items": items}, now)
            result.digests += 1
            result.messages += 1
        else:
            viewer = await actor_in(tx, chat_id, create=False)
            for kind, payload, ticket_id in messages:
                ticket = await tickets.get(tx, ticket_id) if viewer is not None else None
                if ticket is not None:                 # the buttons this viewer may use (a live card once sent)
                    payload = {**payload, "buttons": await cards.buttons_for(tx, deps, viewer, ticket)}
                await deps.enqueue(tx, chat_id, kind, payload, now, ticket_id)
                result.messages += 1


async def _auto_close(tx: Tx, deps: Deps, now: datetime) -> int:
    closed = 0
    for ticket in await deadlines.auto_close_due(tx, iso(now - deps.config.auto_close_after)):
        try:
            ticket = await apply(tx, deps, ticket, Action.AUTO_CLOSE, None, closed_at=iso(now))
        except Stale:
            continue
        await notify.resident(tx, deps, ticket, "auto_closed", days=max(1, deps.config.auto_close_after.days))
        await cards.refresh(tx, deps, ticket)
        closed += 1
    return closed


async def sweep_query_plan(deps: Deps) -> list[str]:
    """EXPLAIN QUERY PLAN of the sweep's query, for tests and the benchmark."""
    async with deps.db.read() as tx:
        return await deadlines.query_plan(tx, deps.now_iso())
