"""Supervisors' chat: the queue, dispatch (派单/交办), extensions, merges."""
from __future__ import annotations

from telegram import Update

from bot.services import intake, supervision
from bot.services.errors import ServiceError
from handlers import render, staff
from handlers.common import GridContext, answer, edit_or_reply, refuse, reply


async def queue(update: Update, context: GridContext) -> None:
    """Shows tickets waiting for dispatch and extension requests in my jurisdiction."""
    try:
        items = await supervision.queue(context.deps, context.actor)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.queue_list(items))
    for card in items["waiting"][:10]:
        await reply(update, render.ticket_for_staff(card, "待派单"), render.queue_keyboard(card["id"]))
    for card in items["extensions"][:10]:
        text, markup = render.outbox_message("extension_request", {"ticket": card})
        await reply(update, text, markup)


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


async def on_ticket_button(update: Update, context: GridContext, action: str, ticket_id: int, arg: str) -> None:
    query = update.callback_query
    deps, actor = context.deps, context.actor
    try:
        if action == "disp":
            units = await supervision.targets(deps, actor, ticket_id)
            await answer(update)
            await edit_or_reply(update, "请选择派往的网格或交办部门：", render.dispatch_keyboard(ticket_id, units))
            return
        if action == "to":
            view = await supervision.dispatch(deps, actor, ticket_id, int(arg))
            await answer(update, "已派单")
            await edit_or_reply(update, render.done("to", view))
            return
        if action in ("extok", "extno"):
            view = await supervision.decide_extension(deps, actor, ticket_id, approve=action == "extok")
            await answer(update)
            await edit_or_reply(update, render.done(action, view))
            return
        if action == "esc":
            await staff.on_ticket_button(update, context, action, ticket_id, arg)
            return
        raise ValueError(action)
    except ServiceError as exc:
        await refuse(update, exc)


async def on_answer(update: Update, context: GridContext, awaiting: dict, text: str) -> None:
    """A supervisor's typed answer (an escalation reason) completes like a handler's."""
    await staff.on_answer(update, context, awaiting, text)
