"""Shared by every role's handlers: the typed context, who is acting, replies and error rendering."""
from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.actions import parse
from bot.services import accounts
from bot.services.deps import Actor, Deps
from bot.services.errors import ServiceError
from handlers import render, replies

log = logging.getLogger("gridbot.handlers")


class GridContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Typed access to the application's services and to the acting user."""

    actor: Actor | None = None

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]


async def identify(update: Update, context: GridContext) -> None:
    """Runs first (group -1): works out who is acting. Everything outside private chats is ignored.

    Re-deliveries never get here: the inbox stores an update once (bot/services/inbox.py)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private":
        raise ApplicationHandlerStop
    context.actor = await accounts.identify(context.deps, chat.id, user.full_name or "", user.username or "")


async def reply(update: Update, text: str, markup=None, card: dict | None = None) -> None:
    """Queue a message to the update's chat (sent by the outbox once the update is done); `card` makes
    it a live card of a ticket."""
    replies.say(update.effective_chat.id, render.fit(text), markup, card)


async def answer(update: Update, text: str | None = None, show_alert: bool = False) -> None:
    """Answer the button press at once (a toast or an alert), retried while Telegram still takes it."""
    replies.answer(update.callback_query.id, text[:190] if text else text, show_alert)


async def edit_or_reply(update: Update, text: str, markup=None, card: dict | None = None) -> None:
    """Replace the message whose button was pressed (a new message if that one cannot be edited)."""
    query = update.callback_query
    if query is not None and query.message is not None:
        replies.edit(query.message.chat.id, query.message.message_id, render.fit(text), markup, card)
        return
    await reply(update, text, markup, card)


async def refuse(update: Update, exc: ServiceError) -> None:
    """Tell the user, politely and briefly, why nothing happened."""
    code = exc.reason if exc.reason in render.ERRORS else exc.code
    if exc.code == "rate_limited":
        code = f"rate_limited_{exc.reason}"
    text = render.error_text(code, **exc.details)
    if exc.code in ("forbidden", "stale") and exc.reason not in render.ERRORS:
        text = render.error_text(exc.code)
    if update.callback_query is not None:
        await answer(update, text, show_alert=True)
    else:
        await reply(update, text)


async def set_commands(context: GridContext, actor: Actor) -> None:
    """Each role sees its own command menu."""
    commands = [BotCommand(name, desc) for name, desc in render.COMMANDS.get(actor.role, render.COMMANDS["resident"])]
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(actor.chat_id))
    except TelegramError as exc:
        log.warning("setMyCommands failed for chat %s: %s", actor.chat_id, exc)


def ticket_arg(data: str) -> tuple[str, int, str]:
    """Parse "t:<action>:<id>[:<arg>]" (bot/actions.parse); ValueError on anything else (forged data)."""
    parsed = parse(data)
    if parsed is None:
        raise ValueError(data)
    return parsed


async def on_error(update: object, context: GridContext) -> None:
    """Log the failure with the update id; tell the user something short, never the exception."""
    update_id = getattr(update, "update_id", None)
    ticket_id = None
    if isinstance(update, Update) and update.callback_query is not None:
        try:
            ticket_id = ticket_arg(update.callback_query.data or "")[1]
        except ValueError:
            pass
    log.error("update %s failed", update_id, exc_info=context.error,
              extra={"update_id": update_id, "ticket_id": ticket_id})
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await answer(update, render.error_text("internal_button"), show_alert=True)
        else:
            await reply(update, render.error_text("internal"))
    except RuntimeError:                  # not while handling an update: nothing to answer
        pass
