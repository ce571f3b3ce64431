"""Live cards: every message sent about a ticket follows it.

A card is recorded when its outbox row is sent (only then is its message id known). On every
transition each card is edited, through the outbox and so in order with everything else sent to
that chat, to show the ticket's state now and exactly the buttons `available()` gives its viewer.
A card sent after the ticket had already moved on is refreshed as soon as it is recorded.
"""
from __future__ import annotations

from bot.actions import Facts, available
from bot.services import policy
from bot.services.accounts import actor_in
from bot.services.deps import Actor, Deps
from bot.services.views import card
from storage import cards, outbox, tickets
from storage.db import Tx

# Outbox kinds that show a ticket to someone who may act on it (or follow it).
CARD_KINDS = frozenset({"new_ticket", "queue_item", "urgent_alert", "whistle", "extension_request", "reopened",
                        "resident_reply", "deadline_alert"})
RESIDENT_CARD_EVENTS = frozenset({"resolved"})       # the resident's message with the rating buttons
REFRESH = "card"                                     # the outbox kind of an edit to a card


def card_of(row: dict) -> str | None:
    """The card kind an outbox row makes once sent, or None."""
    payload = row.get("payload") or {}
    if payload.get("card"):
        return payload["card"].get("kind", "reply")
    if not row.get("ticket_id"):
        return None
    if row["kind"] == "resident_update":
        return "resident" if payload.get("event") in RESIDENT_CARD_EVENTS else None
    return row["kind"] if row["kind"] in CARD_KINDS else None


def mark(view: dict, kind: str = "reply") -> dict:
    """The payload key that makes a direct reply a card of the ticket `view` shows (at its version)."""
    return {"ticket_id": view["id"], "kind": kind, "version": view.get("version")}


async def facts_for(tx: Tx, deps: Deps, actor: Actor, ticket: dict) -> Facts:
    unit = await deps.units.unit(tx, ticket["unit_id"])
    scope = frozenset(await policy.jurisdiction(tx, actor)) if actor.role in ("supervisor", "admin") else frozenset()
    above = bool(await deps.units.supervising_above(tx, ticket["unit_id"]))
    return Facts(jurisdiction=scope, level_above=above, unit_kind=unit["kind"] if unit else "")


async def buttons_for(tx: Tx, deps: Deps, actor: Actor, ticket: dict) -> list[str]:
    return available(ticket, actor, await facts_for(tx, deps, actor, ticket))


async def record_sent(tx: Tx, deps: Deps, sent: list[tuple[dict, int]]) -> None:
    """Remember the cards among rows just sent (row, message id); refresh those already out of date."""
    now = deps.now_iso()
    for row, message_id in sent:
        kind = card_of(row)
        if kind is None or message_id is None or row["kind"] == REFRESH:      # an edit of a card known already
            continue
        payload = row["payload"]
        ticket_id = (payload.get("card") or {}).get("ticket_id") or row["ticket_id"]
        viewer = await actor_in(tx, row["chat_id"], create=False)
        if viewer is None:
            continue
        await cards.record(tx, ticket_id, row["chat_id"], message_id, viewer.kind, viewer.id, kind, now)
        shown = (payload.get("ticket") or payload.get("card") or {}).get("version")
        ticket = await tickets.get(tx, ticket_id)
        if ticket is not None and shown is not None and shown != ticket["version"]:
            await _edit(tx, deps, ticket, {"chat_id": row["chat_id"], "message_id": message_id, "kind": kind}, viewer)


async def refresh(tx: Tx, deps: Deps, ticket: dict) -> int:
    """Queue an edit of every card of `ticket` to its state now; returns how many."""
    count = 0
    for row in await cards.of_ticket(tx, ticket["id"]):
        viewer = await actor_in(tx, row["chat_id"], create=False)
        if viewer is None or viewer.kind != row["viewer_kind"] or viewer.id != row["viewer_id"]:
            continue
        if viewer.kind == "resident" and await outbox.undeliverable_count(tx, row["chat_id"]):
            continue                          # she blocked the bot: her handler is told once, not each edit
        await _edit(tx, deps, ticket, row, viewer)
        count += 1
    return count


async def _edit(tx: Tx, deps: Deps, ticket: dict, row: dict, viewer: Actor) -> None:
    reveal = viewer.kind == "resident" or viewer.id == ticket["handler_id"]
    view = await card(tx, deps, ticket, reveal=reveal)
    payload = {"message_id": row["message_id"], "ticket": view, "viewer": viewer.kind, "card_kind": row["kind"],
               "buttons": await buttons_for(tx, deps, viewer, ticket)}
    await deps.enqueue(tx, row["chat_id"], REFRESH, payload, deps.now_iso(), ticket["id"])


async def seen_by(tx: Tx, actor: Actor, ticket_id: int) -> bool:
    return await cards.seen_by(tx, ticket_id, actor.kind, actor.id)
