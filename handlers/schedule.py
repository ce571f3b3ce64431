"""The scheduled side in chat: /patrol with a shared location (巡格打卡), /stats for supervisors."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.services import briefing, patrol
from bot.services.errors import ServiceError
from handlers import render
from handlers.common import GridContext, refuse, reply


async def patrol_command(update: Update, context: GridContext) -> None:
    """Asks a grid worker for their location to check in."""
    if context.actor.role != "worker":
        await reply(update, render.PATROL_ERRORS["not_worker"])
        return
    text, keyboard = render.patrol_prompt()
    await reply(update, text, keyboard)


async def on_location(update: Update, context: GridContext) -> None:
    """Records a worker's shared location as a patrol of their grid."""
    location = update.effective_message.location
    try:
        result = await patrol.check_in(context.deps, context.actor, location.latitude, location.longitude)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.patrol_recorded(result), render.remove_keyboard())


async def stats(update: Update, context: GridContext) -> None:
    """Shows today's figures for the supervisor's jurisdiction."""
    try:
        data = await briefing.today_for(context.deps, context.actor)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.stats_text(data.to_dict()))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("patrol", patrol_command))
    application.add_handler(CommandHandler("stats", stats))
