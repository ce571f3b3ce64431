"""Shared by every role's handlers: the typed context, who is acting, replies and error rendering."""
from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.services import accounts
from bot.services.deps import Actor, Deps
from bot.services.errors import ServiceError
from handlers import render

log = logging.getLogger("gridbot.handlers")


class GridContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Typed access to the application's services and to the acting user."""

    actor: Actor | None = None

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]


async def identify(update: Update, context: GridContext) -> None:
    """Runs first (group -1): drops updates already applied and works out who is acting.

    Everything outside private chats is ignored."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private":
        raise ApplicationHandlerStop
    if await context.deps.applied.already_applied(context.deps, update.update_id):
        log.info("update %s delivered again: ignored", update.update_id, extra={"update_id": update.update_id})
        raise ApplicationHandlerStop
    context.actor = await accounts.identify(context.deps, chat.id, user.full_name or "", user.username or "")


async def mark_applied(update: Update, context: GridContext) -> None:
    """Runs last (group 1): the update's handlers are done, a re-delivery changes nothing."""
    await context.deps.applied.applied(context.deps, update.update_id)


async def reply(update: Update, text: str, markup=None) -> None:
    message = update.effective_message
    await message.reply_text(render.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup,
                             do_quote=False)


async def edit_or_reply(update: Update, text: str, markup=None) -> None:
    """Replace the message whose button was pressed; fall back to a new message."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(render.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except TelegramError as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("edit failed, replying instead: %s", exc)
    await reply(update, text, markup)


async def refuse(update: Update, exc: ServiceError) -> None:
    """Tell the user, politely and briefly, why nothing happened."""
    code = exc.reason if exc.reason in render.ERRORS else exc.code
    if exc.code == "rate_limited":
        code = f"rate_limited_{exc.reason}"
    text = render.error_text(code, **exc.details)
    if exc.code in ("forbidden", "stale") and exc.reason not in render.ERRORS:
        text = render.error_text(exc.code)
    query = update.callback_query
    if query is not None:
        await query.answer(text[:190], show_alert=True)
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
    """Parse "t:<action>:<id>[:<arg>]"; ValueError on anything else (forged data)."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != "t":
        raise ValueError(data)
    return parts[1], int(parts[2]), parts[3] if len(parts) == 4 else ""


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
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(render.error_text("internal")[:190], show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, render.error_text("internal"))
        except TelegramError:
            pass
