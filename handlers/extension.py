"""延期 in chat: the 延期 button offers +3/+5/+10 working days or a typed date; then the reason."""
from __future__ import annotations

from telegram import Update

from bot.clock import parse_iso
from bot.services import extension, handling, inputs
from bot.services.cards import mark
from bot.services.errors import InvalidInput, ServiceError
from handlers import render
from handlers.common import GridContext, answer, refuse, reply


async def on_button(update: Update, context: GridContext, ticket_id: int, arg: str) -> None:
    """延期 shows the choices; a +N choice keeps its date and asks for the reason."""
    deps, actor = context.deps, context.actor
    try:
        if not arg:
            offer = await extension.offer(deps, actor, ticket_id)
            await inputs.expect(deps, actor.chat_id, "ext", ticket_id)
            await answer(update)
            # a live card: once the ticket moves on, its +N buttons give way to the ticket's own
            await reply(update, render.extension_prompt(offer), render.extension_steps_keyboard(ticket_id, offer),
                        card=mark(offer["ticket"], "extension_prompt"))
            return
        chosen = await extension.choose_step(deps, actor, ticket_id, arg)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await inputs.expect(deps, actor.chat_id, "ext", ticket_id, until=chosen["until"])
    await answer(update)
    await reply(update, render.extension_reason_prompt(chosen["until"]))


async def on_answer(update: Update, context: GridContext, awaiting: dict, text: str) -> None:
    """A typed date (and reason), or the reason for the date a button chose."""
    deps, actor = context.deps, context.actor
    ticket_id, until = awaiting.get("ticket_id"), awaiting.get("until")
    try:
        until, reason = await extension.read(deps, actor, ticket_id, text, until)
        if not reason:
            await inputs.expect(deps, actor.chat_id, "ext", ticket_id, until=until)
            await reply(update, render.extension_reason_prompt(until))
            return
        view = await handling.request_extension(deps, actor, ticket_id, parse_iso(until), reason)
    except InvalidInput as exc:
        await inputs.expect(deps, actor.chat_id, "ext", ticket_id, until=until)   # ask again, keep the date
        await reply(update, render.extension_refusal(exc.reason, exc.details) or render.error_text(exc.reason))
        return
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.extension_requested(view))
