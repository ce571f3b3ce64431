"""A trivial python-telegram-bot echo bot on the sandbox: the benchmark's baseline for the stack itself.

It echoes a text with one button and answers and edits on a press, the same round trips a resident's
report and its 提交 cost GridBot. Imported only by the benchmark (the sandbox itself needs no telegram).
"""
from __future__ import annotations

import html


async def serve_echo(base_url: str, token: str, until, concurrent: bool | int = False) -> None:
    """Runs until the awaitable `until` completes.

    `concurrent`: False handles one update at a time (PTB's default); True or a number handles that
    many at once (True: 256), with a connection pool as big, so no handler waits for a connection."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ 提交", callback_data="echo:sub")]])

    async def echo(update: Update, context) -> None:
        """Echoes the text with one button."""
        text = html.escape(update.effective_message.text or "?")
        await update.effective_message.reply_html(f"<b>回声</b>：{text}", reply_markup=keyboard)

    async def pressed(update: Update, context) -> None:
        """Answers the press and edits the message."""
        query = update.callback_query
        await query.answer("已提交")
        await query.edit_message_text(f"{query.message.text}\n已提交")

    builder = Application.builder().token(token).base_url(base_url).concurrent_updates(concurrent)
    if concurrent:
        size = 256 if concurrent is True else int(concurrent)
        builder = builder.connection_pool_size(size + 8).pool_timeout(30.0).get_updates_connection_pool_size(2)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            await until
        finally:
            await app.updater.stop()
            await app.stop()
