"""What a chat's next text answers: a reason, a result, a comment … kept in the database across restarts."""
from __future__ import annotations

from datetime import timedelta

from bot.clock import parse_iso
from bot.services.deps import Deps
from storage import residents

# Every question ends after a short time (later text is not taken as its answer): an optional comment
# soonest. The handler's question to the resident ("reply") stays while the ticket waits for her.
EXPIRES = {"comment": timedelta(minutes=10)}
DEFAULT_EXPIRY = timedelta(minutes=30)
LASTING = {"reply"}


async def expect(deps: Deps, chat_id: int, what: str, ticket_id: int | None = None, **extra) -> None:
    async with deps.db.transaction() as tx:
        await residents.put_awaiting(tx, chat_id, {"what": what, "ticket_id": ticket_id, "at": deps.now_iso(), **extra})


async def expect_in(tx, deps: Deps, chat_id: int, what: str, ticket_id: int | None = None) -> None:
    """The same, inside the caller's transaction."""
    await residents.put_awaiting(tx, chat_id, {"what": what, "ticket_id": ticket_id, "at": deps.now_iso()})


async def take(deps: Deps, chat_id: int) -> dict | None:
    """The pending question, removed: an answer is used once."""
    async with deps.db.read() as tx:            # most texts answer nothing: no write for them
        if await residents.get_awaiting(tx, chat_id) is None:
            return None
    async with deps.db.transaction() as tx:
        awaiting = await residents.get_awaiting(tx, chat_id)
        if awaiting is not None:
            await residents.clear_awaiting(tx, chat_id)
            ttl = None if awaiting["what"] in LASTING else EXPIRES.get(awaiting["what"], DEFAULT_EXPIRY)
            if ttl and awaiting.get("at") and deps.now() - parse_iso(awaiting["at"]) > ttl:
                return None
        return awaiting


async def clear(deps: Deps, chat_id: int) -> bool:
    async with deps.db.transaction() as tx:
        return await residents.clear_awaiting(tx, chat_id)


async def end(deps: Deps, chat_id: int) -> None:
    """A command or a button: the question is over (a handler's question to a resident stays)."""
    async with deps.db.read() as tx:
        awaiting = await residents.get_awaiting(tx, chat_id)
    if awaiting is not None and awaiting["what"] not in LASTING:
        await clear(deps, chat_id)
