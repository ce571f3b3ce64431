"""The operations behind the ticket actions, registered by the modules that own them.

Each operation takes (tx, deps, actor, ticket, value) for a ticket the table already allowed,
applies its change and queues whom to tell, and returns the ticket after the change."""
from __future__ import annotations

from typing import Awaitable, Callable

OPS: dict[str, Callable[..., Awaitable[dict]]] = {}


def operation(code: str):
    def register(fn):
        OPS[code] = fn
        return fn
    return register


def load_ops() -> None:
    """The modules that register operations (imported here, late, to keep imports one way)."""
    from bot.services import handling, resident, supervision  # noqa: F401


async def perform(deps, actor, code: str, ticket_id: int, value=None) -> dict:
    from bot.services.actions import perform as run
    return await run(deps, actor, code, ticket_id, value)
