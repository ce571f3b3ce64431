"""What to tell whom: outbox rows written in the same transaction as the change.

Each row names a kind and carries a snapshot payload; the channel renders it (Chinese text and
buttons) when it sends, so the domain knows nothing of Telegram.
"""
from __future__ import annotations

from bot.services.deps import Deps
from bot.services.views import card
from storage import deadlines, org, residents, tickets
from storage.db import Tx


async def _send(tx: Tx, deps: Deps, chat_ids, kind: str, payload: dict, ticket_id: int | None,
                ticket: dict | None = None) -> int:
    """One row per chat; a card (bot/services/cards.py) carries the buttons its viewer may use now."""
    from bot.services.accounts import actor_in
    from bot.services.cards import CARD_KINDS, RESIDENT_CARD_EVENTS, buttons_for
    now = deps.now_iso()
    count = 0
    is_card = ticket is not None and (kind in CARD_KINDS or payload.get("event") in RESIDENT_CARD_EVENTS)
    for chat_id in dict.fromkeys(chat_ids):
        if chat_id is not None:
            row = payload
            if is_card:
                viewer = await actor_in(tx, chat_id, create=False)
                if viewer is not None:
                    row = {**payload, "buttons": await buttons_for(tx, deps, viewer, ticket)}
            await deps.enqueue(tx, chat_id, kind, row, now, ticket_id)
            count += 1
    return count


async def resident(tx: Tx, deps: Deps, ticket: dict, event: str, **extra) -> None:
    """Tell the resident (and followers) of a change that matters to them."""
    payload = {"event": event, "ticket": await card(tx, deps, ticket, reveal=True), **extra}
    await _send(tx, deps, await tickets.resident_chats(tx, ticket["id"]), "resident_update", payload, ticket["id"],
                ticket)


async def staff_of_unit(tx: Tx, deps: Deps, ticket: dict, kind: str, unit_id: int | None = None, **extra) -> int:
    """Every bound staff member of the unit (grid workers, department handlers or supervisors)."""
    unit_id = unit_id or ticket["unit_id"]
    people = await org.staff_of_unit(tx, unit_id) if unit_id else []
    payload = {"ticket": await card(tx, deps, ticket, reveal=False), **extra}
    return await _send(tx, deps, [p["chat_id"] for p in people], kind, payload, ticket["id"], ticket)


async def staff_member(tx: Tx, deps: Deps, ticket: dict, staff_id: int | None, kind: str, **extra) -> None:
    person = await org.staff(tx, staff_id) if staff_id else None
    if person and person["chat_id"]:
        payload = {"ticket": await card(tx, deps, ticket, reveal=True), **extra}
        await _send(tx, deps, [person["chat_id"]], kind, payload, ticket["id"], ticket)


async def supervisors_above(tx: Tx, deps: Deps, ticket: dict, kind: str, unit_id: int | None = None,
                            levels: int = 1, **extra) -> int:
    """Supervisors of the nearest `levels` supervising units above `unit_id` (default: the ticket's unit)."""
    chain = await deps.units.supervising_above(tx, unit_id or ticket["unit_id"] or ticket["grid_id"])
    sent = 0
    for unit in chain[:levels]:
        sent += await staff_of_unit(tx, deps, ticket, kind, unit_id=unit["id"], **extra)
    return sent


async def expect_reply(tx: Tx, deps: Deps, ticket: dict) -> None:
    """The reporter's next text answers the handler's question."""
    for chat_id in (await tickets.resident_chats(tx, ticket["id"]))[:1]:
        await residents.put_awaiting(tx, chat_id, {"what": "reply", "ticket_id": ticket["id"]})


async def clear_reply(tx: Tx, deps: Deps, ticket: dict) -> None:
    for chat_id in await tickets.resident_chats(tx, ticket["id"]):
        awaiting = await residents.get_awaiting(tx, chat_id)
        if awaiting and awaiting.get("what") == "reply" and awaiting.get("ticket_id") == ticket["id"]:
            await residents.clear_awaiting(tx, chat_id)


async def resident_unreachable(deps: Deps, ticket_id: int) -> None:
    """The resident blocked the bot or never started it: tell the handler and supervisors, once per ticket."""
    from bot.services.uow import UnitOfWork
    async with UnitOfWork(deps) as work:
        tx = work.tx
        ticket = await tickets.get(tx, ticket_id)
        if ticket is None or not await deadlines.record_alert(tx, ticket_id, "unreachable", "resident", deps.now_iso()):
            return
        if ticket["handler_id"]:
            await staff_member(tx, deps, ticket, ticket["handler_id"], "resident_unreachable")
        elif ticket["unit_id"]:
            await staff_of_unit(tx, deps, ticket, "resident_unreachable")
        await supervisors_above(tx, deps, ticket, "resident_unreachable")
        work.commit()
