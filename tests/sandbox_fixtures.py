"""Fixtures for the sandbox tests: a running FakeBotApi, its control client, and a real PTB echo bot.

Import them into a test module with `from tests.sandbox_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.sandbox import FakeBotApi
from bot.sandbox.client import SandboxControl

TOKEN = "123456:" + "A" * 35
RESIDENT, WORKER, SUPERVISOR = 10001, 20001, 30001


@pytest.fixture
async def sandbox() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def control(sandbox: FakeBotApi) -> AsyncIterator[SandboxControl]:
    async with SandboxControl(sandbox.base_url) as ctl:
        yield ctl


def build_app(api: FakeBotApi) -> Application:
    return (
        Application.builder()
        .token(TOKEN)
        .base_url(api.bot_api_url)
        .base_file_url(api.file_url)
        .build()
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echoes the text in bold, with two rating buttons."""
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("👍 满意", callback_data="rate:5"), InlineKeyboardButton("👎 不满意", callback_data="rate:1")]]
    )
    text = update.effective_message.text or "?"
    await update.effective_message.reply_html(f"<b>回声</b>：{html.escape(text)}", reply_markup=keyboard)


async def rated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the button press and edits the message."""
    query = update.callback_query
    await query.answer("谢谢评价")
    await query.edit_message_text(f"{query.message.text}\n已评价：{query.data}")


@pytest.fixture
async def echo_bot(sandbox: FakeBotApi) -> AsyncIterator[Application]:
    app = build_app(sandbox)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(rated))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


__all__ = [
    "RESIDENT", "SUPERVISOR", "TOKEN", "WORKER", "asyncio", "build_app", "control", "echo_bot", "sandbox",
]
