"""Supervisors' chat: the queue, dispatch (派单/交办), extensions, merges."""
from __future__ import annotations

from telegram import Update

from bot.services import intake, supervision
from bot.services.errors import ServiceError
from handlers import render, staff
from bot.services.cards import mark
from handlers.common import GridContext, refuse, reply


async def queue(update: Update, context: GridContext) -> None:
    """Shows tickets waiting for dispatch and extension requests in my jurisdiction."""
    try:
        items = await supervision.queue(context.deps, context.actor)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.queue_list(items))
    for card in items["waiting"][:10]:
        await reply(update, render.ticket_for_staff(card, "待派单"), render.ticket_keyboard(card["id"], card["buttons"]),
                    card=mark(card))
    for card in items["extensions"][:10]:
        text, markup = render.outbox_message("extension_request", {"ticket": card, "buttons": card["buttons"]})
        await reply(update, text, markup, card=mark(card))


async def merge(update: Update, context: GridContext) -> None:
    """/merge DUPLICATE ORIGINAL: merges a duplicate into its original."""
    args = context.args or []
    if len(args) != 2:
        await reply(update, render.error_text("merge_target"))
        return
    try:
        duplicate = await intake.find_ticket(context.deps, args[0])
        view = await supervision.merge(context.deps, context.actor, duplicate["id"], args[1])
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.done("merge", view))


async def on_answer(update: Update, context: GridContext, awaiting: dict, text: str) -> None:
    """A supervisor's typed answer (an escalation reason) completes like a handler's."""
    await staff.on_answer(update, context, awaiting, text)
