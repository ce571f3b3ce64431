"""What a chat's next text answers: a reason, a result, a comment … kept in the database across restarts."""
from __future__ import annotations

from bot.services.deps import Deps
from storage import residents


async def expect(deps: Deps, chat_id: int, what: str, ticket_id: int | None = None, **extra) -> None:
    async with deps.db.transaction() as tx:
        await residents.put_awaiting(tx, chat_id, {"what": what, "ticket_id": ticket_id, **extra})


async def take(deps: Deps, chat_id: int) -> dict | None:
    """The pending question, removed: an answer is used once."""
    async with deps.db.read() as tx:            # most texts answer nothing: no write for them
        if await residents.get_awaiting(tx, chat_id) is None:
            return None
    async with deps.db.transaction() as tx:
        awaiting = await residents.get_awaiting(tx, chat_id)
        if awaiting is not None:
            await residents.clear_awaiting(tx, chat_id)
        return awaiting


async def clear(deps: Deps, chat_id: int) -> bool:
    async with deps.db.transaction() as tx:
        return await residents.clear_awaiting(tx, chat_id)
