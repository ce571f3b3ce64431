"""Which handler gets which update: one place to read the bot's whole surface."""
from __future__ import annotations


from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.actions import SPECS, parse
from bot.services import actions as ticket_actions, inputs, resident as resident_service, supervision
from bot.services.errors import ServiceError
from handlers import extension, render, resident, schedule, staff, supervisor
from handlers.common import GridContext, answer, edit_or_reply, identify, on_error, refuse, reply

# What a resident's text answers, when the bot asked them something.
RESIDENT_ANSWERS = {"reply": resident_service.reply, "comment": resident_service.comment,
                    "why": resident_service.why_unsatisfied}
# The question a button's input is asked with (the action's code, unless named here).
INPUT_OF = {"cmt": "comment"}


async def on_ticket_button(update: Update, context: GridContext) -> None:
    """Every "t:…" button, for every role: the action table decides; any other data gets a polite answer."""
    parsed = parse(update.callback_query.data or "")
    if parsed is None:
        await answer(update, render.error_text("button"), show_alert=True)
        return
    code, ticket_id, arg = parsed
    deps, actor = context.deps, context.actor
    try:
        if code == "disp":
            view = await ticket_actions.prepare(deps, actor, code, ticket_id)
            units = await supervision.targets(deps, actor, ticket_id)
            await answer(update)
            await edit_or_reply(update, render.dispatch_picker(view, units), render.dispatch_keyboard(ticket_id, units))
        elif code == "back":
            view = await ticket_actions.view(deps, actor, ticket_id)
            await answer(update)
            await edit_or_reply(update, render.live_card({"ticket": view, "viewer": actor.kind}),
                                render.ticket_keyboard(ticket_id, view["buttons"]))
        elif code == "ext":                        # +3/+5/+10 or a typed date, then the reason
            await ticket_actions.prepare(deps, actor, code, ticket_id)
            await extension.on_button(update, context, ticket_id, arg)
        elif code == "to":
            view = await ticket_actions.perform(deps, actor, code, ticket_id, int(arg))
            await answer(update, render.done("to", view))
            await reply(update, render.done("to", view))
        elif SPECS[code].needs and code != "rate":
            await ticket_actions.prepare(deps, actor, code, ticket_id)
            await inputs.expect(deps, actor.chat_id, INPUT_OF.get(code, code), ticket_id)
            await answer(update)
            await reply(update, render.PROMPTS[INPUT_OF.get(code, code)])
        else:
            view = await ticket_actions.perform(deps, actor, code, ticket_id, arg or None)
            await answer(update, render.toast(code, view))
            if code == "rate" and view["state"] == "accepted":
                await reply(update, render.done("reopen", view))
            elif code == "rate":                   # an optional comment is offered, never waited for
                await reply(update, render.done("rate", view),
                            render.ticket_keyboard(ticket_id, [c for c in view["buttons"] if c == "cmt"]))
            elif code in ("resume", "extok", "extno", "cxl"):
                await reply(update, render.done(code, view))
    except ServiceError as exc:
        await refuse(update, exc)


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
