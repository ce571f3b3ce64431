"""Grid workers' and department handlers' chat: sign for, return, progress, resolve, escalate, extend, whistle."""
from __future__ import annotations

from telegram import Update

from bot.services import handling, inputs
from bot.services.errors import Forbidden, InvalidInput, ServiceError
from handlers import extension, render
from handlers.common import GridContext, answer, edit_or_reply, refuse, reply

# Buttons that need a text answer first: the prompt is shown, the next text completes the action.
ASKS = {"ret", "note", "res", "esc", "ask"}      # 延期 is handlers/extension.py


async def tasks(update: Update, context: GridContext) -> None:
    """Lists my open tickets by deadline."""
    try:
        cards = await handling.tasks(context.deps, context.actor)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.tasks_list(cards))
    for card in cards[:10]:
        markup = render.work_keyboard(card["id"]) if card["state"] == "accepted" else render.offer_keyboard(card["id"])
        await reply(update, render.ticket_for_staff(card, render.STATE_NAMES[card["state"]]), markup)


async def whistle(update: Update, context: GridContext) -> None:
    """吹哨: reports a hazard found on patrol as an urgent ticket."""
    text = " ".join(context.args or [])
    if not text:
        if context.actor.role != "worker":
            await refuse(update, Forbidden("whistle_not_worker"))
            return
        await inputs.expect(context.deps, context.actor.chat_id, "whistle")
        await reply(update, render.PROMPTS["whistle"])
        return
    await _whistle(update, context, text)


async def _whistle(update: Update, context: GridContext, text: str) -> None:
    try:
        view = await handling.whistle(context.deps, context.actor, text)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.done("whistle", view))


async def on_ticket_button(update: Update, context: GridContext, action: str, ticket_id: int, arg: str) -> None:
    query = update.callback_query
    deps, actor = context.deps, context.actor
    try:
        if action == "acc":
            view = await handling.accept(deps, actor, ticket_id)
            await answer(update, "签收成功")
            await edit_or_reply(update, render.ticket_for_staff(view, "办理中"), render.work_keyboard(ticket_id))
            return
        if action == "resume":
            view = await handling.resume(deps, actor, ticket_id)
            await answer(update)
            await edit_or_reply(update, render.done("resume", view))
            return
        if action == "ext":
            await extension.on_button(update, context, ticket_id, arg)
            return
        if action in ASKS:
            await handling.may_ask(deps, actor, action, ticket_id)
            await inputs.expect(deps, actor.chat_id, action, ticket_id)
            await answer(update)
            await reply(update, render.PROMPTS[action])
            return
        raise ValueError(action)
    except ServiceError as exc:
        await refuse(update, exc)


async def on_photo(update: Update, context: GridContext) -> None:
    """A photo answers 办结 (result in the caption) or 吹哨; otherwise staff use buttons and commands."""
    deps, actor = context.deps, context.actor
    message = update.effective_message
    awaiting = await inputs.take(deps, actor.chat_id)
    what = awaiting["what"] if awaiting else None
    if what not in ("res", "whistle"):
        if awaiting:
            await inputs.expect(deps, actor.chat_id, what, awaiting.get("ticket_id"), until=awaiting.get("until"))
        await reply(update, render.error_text("staff_text"))
        return
    if not message.caption:
        await inputs.expect(deps, actor.chat_id, what, awaiting.get("ticket_id"))
        await reply(update, render.error_text("photo_caption"))
        return
    photo = message.photo[-1].file_id
    try:
        if what == "res":
            view = await handling.resolve(deps, actor, awaiting["ticket_id"], message.caption, photo=photo)
        else:
            view = await handling.whistle(deps, actor, message.caption, photo=photo)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.done("res" if what == "res" else "whistle", view))


async def on_answer(update: Update, context: GridContext, awaiting: dict, text: str) -> None:
    """Completes the action whose prompt this text answers."""
    deps, actor = context.deps, context.actor
    what, ticket_id = awaiting["what"], awaiting.get("ticket_id")
    try:
        if what == "ret":
            view = await handling.return_ticket(deps, actor, ticket_id, text)
        elif what == "note":
            view = await handling.note(deps, actor, ticket_id, text)
        elif what == "res":
            view = await handling.resolve(deps, actor, ticket_id, text)
        elif what == "esc":
            view = await handling.escalate(deps, actor, ticket_id, text)
        elif what == "ext":
            await extension.on_answer(update, context, awaiting, text)
            return
        elif what == "ask":
            view = await handling.ask_resident(deps, actor, ticket_id, text)
            await reply(update, render.done("ask", view), render.resume_keyboard(ticket_id))
            return
        elif what == "whistle":
            await _whistle(update, context, text)
            return
        else:
            return
    except ServiceError as exc:
        if isinstance(exc, InvalidInput):
            await inputs.expect(deps, actor.chat_id, what, ticket_id)   # ask again, keep the question
        await refuse(update, exc)
        return
    await reply(update, render.done(what, view))
