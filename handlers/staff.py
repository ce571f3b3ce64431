"""Grid workers' and department handlers' chat: sign for, return, progress, resolve, escalate, extend, whistle."""
from __future__ import annotations

from telegram import Update

from bot.services import actions, handling, inputs
from bot.services.cards import mark
from bot.services.errors import Forbidden, InvalidInput, ServiceError
from handlers import extension, render
from handlers.common import GridContext, refuse, reply

# Actions whose typed answer completes them (the prompt was shown when the button was pressed).
ANSWERS = {"ret", "note", "res", "esc", "ask"}          # 延期 is handlers/extension.py


async def tasks(update: Update, context: GridContext) -> None:
    """Lists my open tickets by deadline."""
    try:
        cards = await handling.tasks(context.deps, context.actor)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.tasks_list(cards))
    for card in cards[:10]:
        await reply(update, render.ticket_for_staff(card, render.card_header(card)),
                    render.ticket_keyboard(card["id"], card["buttons"]), card=mark(card))


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
    await reply(update, render.done("whistle", view), card=mark(view))


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
            view = await actions.perform(deps, actor, "res", awaiting["ticket_id"], (message.caption, photo))
        else:
            view = await handling.whistle(deps, actor, message.caption, photo=photo)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.done("res" if what == "res" else "whistle", view))


async def on_answer(update: Update, context: GridContext, awaiting: dict, text: str) -> None:
    """Completes the action whose prompt this text answers (the action table checks it again)."""
    deps, actor = context.deps, context.actor
    what, ticket_id = awaiting["what"], awaiting.get("ticket_id")
    if what == "whistle":
        await _whistle(update, context, text)
        return
    if what == "ext":
        await extension.on_answer(update, context, awaiting, text)
        return
    if what not in ANSWERS or ticket_id is None:
        return
    try:
        view = await actions.perform(deps, actor, what, ticket_id, text)
    except ServiceError as exc:
        if isinstance(exc, InvalidInput):
            await inputs.expect(deps, actor.chat_id, what, ticket_id)   # ask again, keep the question
        await refuse(update, exc)
        return
    if what == "ask":
        await reply(update, render.done("ask", view), render.ticket_keyboard(ticket_id, view["buttons"]),
                    card=mark(view))
        return
    await reply(update, render.done(what, view))
