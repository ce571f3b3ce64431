"""Who is writing: a bound staff member or a resident; binding staff accounts with codes."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from bot.clock import iso
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, RateLimited
from storage import org, residents
from storage.db import Tx

log = logging.getLogger(__name__)


async def actor_in(tx: Tx, chat_id: int, name: str = "", username: str = "", now: str = "",
                   create: bool = True) -> Actor | None:
    person = await org.staff_by_chat(tx, chat_id)
    if person and person["active"]:
        unit = await org.unit(tx, person["unit_id"])
        return Actor("staff", person["id"], chat_id, person["role"], person["unit_id"], person["name"],
                     unit["name"] if unit else "")
    row = await residents.by_chat(tx, chat_id)
    if row is None:
        if not create:
            return None
        row = await residents.upsert(tx, chat_id, name, username, now)
    return Actor("resident", row["id"], chat_id, "resident", None, row["name"])


ACTOR_TTL = 10.0    # seconds an identity is trusted before it is read again (an unbinding takes effect by then)


async def identify(deps: Deps, chat_id: int, name: str = "", username: str = "") -> Actor:
    cached = deps.actors.get(chat_id)
    if cached is not None and time.monotonic() - cached[1] < ACTOR_TTL:
        return cached[0]
    async with deps.db.read() as tx:
        actor = await actor_in(tx, chat_id, create=False)
    if actor is None:
        async with deps.db.transaction() as tx:
            actor = await actor_in(tx, chat_id, name, username, deps.now_iso())
    if len(deps.actors) > 50_000:
        deps.actors.clear()
    deps.actors[chat_id] = (actor, time.monotonic())
    return actor


async def bind(deps: Deps, chat_id: int, code: str) -> Actor:
    """Link a chat to the staff member holding `code`; single use, expiring, attempts limited per chat."""
    code = code.strip().upper()
    now = deps.now()
    async with deps.db.transaction() as tx:
        since = iso(now - timedelta(hours=1))
        if await residents.count_attempts(tx, chat_id, "bind_fail", since) >= deps.config.bind_attempts_per_hour:
            raise RateLimited("bind")
        if await org.staff_by_chat(tx, chat_id) is not None:
            raise InvalidInput("already_bound")
        person = await org.redeem_bind_code(tx, code, chat_id, iso(now)) if code else None
        if person is not None:
            deps.actors.pop(chat_id, None)
            unit = await org.unit(tx, person["unit_id"])
            return Actor("staff", person["id"], chat_id, person["role"], person["unit_id"], person["name"],
                         unit["name"] if unit else "")
        await residents.add_attempt(tx, chat_id, "bind_fail", iso(now))
    log.warning("bind code refused", extra={"chat_id": chat_id})
    raise InvalidInput("bind_code")
