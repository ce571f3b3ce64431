"""Which handler gets which update: one place to read the bot's whole surface."""
from __future__ import annotations


from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.services import inputs, resident as resident_service
from bot.services.errors import Forbidden, ServiceError
from handlers import render, resident, schedule, staff, supervisor
from handlers.common import GridContext, answer, identify, on_error, refuse, reply, ticket_arg

RESIDENT_ACTIONS = {"rate", "cxl", "cmt"}
HANDLER_ACTIONS = {"acc", "ret", "note", "res", "esc", "ext", "ask", "resume"}
SUPERVISOR_ACTIONS = {"disp", "to", "extok", "extno", "esc"}
# What a resident's text answers, when the bot asked them something.
RESIDENT_ANSWERS = {"reply": resident_service.reply, "comment": resident_service.comment}


async def on_ticket_button(update: Update, context: GridContext) -> None:
    """Routes "t:…" buttons by role; forged or foreign data changes nothing."""
    query = update.callback_query
    try:
        action, ticket_id, arg = ticket_arg(query.data or "")
    except ValueError:
        await answer(update, render.error_text("stale"), show_alert=True)
        return
    role = context.actor.role
    if role == "resident" and action in RESIDENT_ACTIONS:
        await resident.on_ticket_button(update, context, action, ticket_id, arg)
    elif role in ("worker", "handler") and action in HANDLER_ACTIONS:
        await staff.on_ticket_button(update, context, action, ticket_id, arg)
    elif role in ("supervisor", "admin") and action in SUPERVISOR_ACTIONS:
        await supervisor.on_ticket_button(update, context, action, ticket_id, arg)
    else:
        await refuse(update, Forbidden("forbidden"))


async def on_text(update: Update, context: GridContext) -> None:
    """Text answers the pending question if there is one; otherwise a resident's text is a report."""
    deps, actor = context.deps, context.actor
    text = update.effective_message.text or ""
    awaiting = await inputs.take(deps, actor.chat_id)
    if awaiting is not None:
        if actor.role in ("worker", "handler"):
            await staff.on_answer(update, context, awaiting, text)
            return
        if actor.role in ("supervisor", "admin"):
            await supervisor.on_answer(update, context, awaiting, text)
            return
        answer = RESIDENT_ANSWERS.get(awaiting["what"])
        if answer is not None:
            try:
                await answer(deps, actor, awaiting["ticket_id"], text)
            except ServiceError as exc:
                await refuse(update, exc)
                return
            await reply(update, render.THANKS[awaiting["what"]])
            return
    if actor.is_staff:
        await reply(update, render.error_text("staff_text"))
        return
    await resident.on_text(update, context, text)


async def on_photo(update: Update, context: GridContext) -> None:
    if context.actor.is_staff:
        await staff.on_photo(update, context)
        return
    await resident.on_photo(update, context)


async def on_location(update: Update, context: GridContext) -> None:
    if context.actor.role == "worker":            # a grid worker's location is a patrol check-in (巡格)
        await schedule.on_location(update, context)
        return
    if context.actor.is_staff:
        await reply(update, render.error_text("staff_text"))
        return
    await resident.on_location(update, context)


async def end_question(update: Update, context: GridContext) -> None:
    """A command or a button ends whatever question the bot was waiting on (group -1, before the handlers)."""
    await inputs.end(context.deps, context.actor.chat_id)


async def unknown_command(update: Update, context: GridContext) -> None:
    await reply(update, render.error_text("unknown_command"))


async def unsupported(update: Update, context: GridContext) -> None:
    """Stickers, voice, video, documents …: say what we can take, lose nothing."""
    await reply(update, render.error_text("unsupported"))


async def edited(update: Update, context: GridContext) -> None:
    """An edited message changes nothing already received: say so, once."""
    await reply(update, render.error_text("edited"))


async def stale_button(update: Update, context: GridContext) -> None:
    await answer(update, render.error_text("stale"), show_alert=True)


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, identify), group=-2)
    application.add_handler(MessageHandler(filters.COMMAND, end_question), group=-1)
    application.add_handler(CallbackQueryHandler(end_question), group=-1)
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, edited))
    for name, callback in (("start", resident.start), ("bind", resident.bind), ("help", resident.help_command),
                           ("my", resident.my), ("status", resident.status), ("cancel", resident.cancel),
                           ("tasks", staff.tasks), ("whistle", staff.whistle),
                           ("queue", supervisor.queue), ("merge", supervisor.merge)):
        application.add_handler(CommandHandler(name, callback))
    schedule.register(application)               # /patrol, /stats
    application.add_handler(CallbackQueryHandler(resident.on_draft_button, pattern=r"^d:"))
    application.add_handler(CallbackQueryHandler(on_ticket_button, pattern=r"^t:"))
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.ALL, unsupported))
    application.add_error_handler(on_error)
