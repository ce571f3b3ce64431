"""What the bot says while handling an update: collected, then queued with the update's completion.

Handlers never call the Bot API to talk; `say` and `edit` add to the update's list, and the update
processor writes the list to the outbox in the same transaction that marks the update done. So a
reply that cannot be sent now is sent when Telegram answers again, and a crash before the update
finished re-handles it instead of losing what it owed.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Callable

from telegram import TelegramObject

SAY, EDIT = "say", "edit"                    # outbox kinds of direct replies


class Outgoing:
    """What one update's handling owes: messages for the outbox; answers to button presses go at once."""

    def __init__(self, answer: Callable[[str, str | None, bool], None]) -> None:
        self.owed: list[tuple[int, str, dict]] = []         # (chat id, outbox kind, payload)
        self._answer = answer

    def answer(self, query_id: str, text: str | None, show_alert: bool) -> None:
        self._answer(query_id, text, show_alert)


_current: ContextVar[Outgoing | None] = ContextVar("gridbot_outgoing", default=None)


def begin(answer: Callable[[str, str | None, bool], None]) -> Outgoing:
    """Start collecting for the update being handled in this task."""
    outgoing = Outgoing(answer)
    _current.set(outgoing)
    return outgoing


def _outgoing() -> Outgoing:
    outgoing = _current.get()
    if outgoing is None:
        raise RuntimeError("a reply outside update handling")       # use the outbox directly there
    return outgoing


def say(chat_id: int, text: str, markup: TelegramObject | None = None, card: dict | None = None) -> None:
    """`card` (bot/services/cards.mark) makes the message a live card of its ticket once sent."""
    payload = {"text": text, "markup": markup_dict(markup)}
    if card:
        payload["card"] = card
    _owe(chat_id, SAY, payload)


def edit(chat_id: int, message_id: int, text: str, markup: TelegramObject | None = None,
         card: dict | None = None) -> None:
    """Replace an earlier message; a new message instead if it can no longer be edited."""
    payload = {"message_id": message_id, "text": text, "markup": markup_dict(markup)}
    if card:
        payload["card"] = card
    _owe(chat_id, EDIT, payload)


def answer(query_id: str, text: str | None = None, show_alert: bool = False) -> None:
    """Answer a button press now (a toast, or an alert); Telegram allows it only for a few seconds."""
    _outgoing().answer(query_id, text, show_alert)


def _owe(chat_id: int, kind: str, payload: dict) -> None:
    _outgoing().owed.append((chat_id, kind, payload))


def markup_dict(markup: TelegramObject | None) -> dict | None:
    return markup.to_dict() if markup is not None else None
