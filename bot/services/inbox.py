"""The durable inbox: every update is stored before Telegram is told it arrived, and marked done
in the same transaction that queues everything its handling owes (the replies).

A crash between fetching and finishing leaves the row pending; the next start (or another process)
handles it. Several processes share the inbox through per-chat claims (`take`): a chat's updates are
handled by whichever process holds its claim, in the order they were recorded. A
re-delivery is the same update id with the same content (digest) and is stored only once; update
ids that restart lower (Telegram may after a quiet week; the sandbox does at restart) carry other
content and are new updates.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import iso
from bot.services.uow import UnitOfWork
from storage import inbox

if TYPE_CHECKING:
    from bot.services.deps import Deps

KEEP = timedelta(days=3)           # longer than Telegram keeps unconfirmed updates (24 h)
# What SQLite (UTF-8) cannot store: lone UTF-16 surrogates; NUL cuts text in many tools.
# Both become U+FFFD, one UTF-16 unit like what they replace, so entity offsets stay right.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(value: Any) -> Any:
    """The same JSON value with every string made storable (the very same object when all were)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        changed = {k: c for k, v in value.items() if (c := clean(v)) is not v}
        return {**value, **changed} if changed else value
    if isinstance(value, list):
        items = [clean(v) for v in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value


@dataclass(frozen=True)
class Received:
    inbox_id: int
    update_id: int
    data: dict
    cleaned: bool = False         # the data differs from what was fetched


def _encode(data: dict) -> tuple[str, str]:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return payload, hashlib.sha1(payload.encode("utf-8")).hexdigest()


async def record(deps: Deps, updates: list[tuple[int, int | None, dict]]) -> list[Received]:
    """Store fetched updates (update id, chat id, JSON) in one transaction; return the new ones."""
    if not updates:
        return []
    now = deps.now_iso()
    fresh = []
    async with deps.db.transaction() as tx:
        for update_id, chat_id, fetched in updates:
            data = clean(fetched)
            payload, digest = _encode(data)
            inbox_id = await inbox.store(tx, update_id, digest, chat_id, payload, now)
            if inbox_id is not None:
                fresh.append(Received(inbox_id, update_id, data, cleaned=data is not fetched))
        await inbox.note_received(tx, max(u[0] for u in updates), now)
    return fresh


async def pending(deps: Deps) -> list[Received]:
    """Updates fetched but not finished (a crash or a stop came first), oldest first."""
    async with deps.db.read() as tx:
        rows = await inbox.pending(tx)
    return [Received(r["id"], r["update_id"], json.loads(r["payload"])) for r in rows]


async def finish(deps: Deps, inbox_id: int | None, owed: list[tuple[int, str, dict]],
                 release: tuple[int, str] | None = None) -> bool:
    """Queue what the update's handling owes (chat id, kind, payload) and mark it done, atomically.
    False (nothing queued) when it was done already: another process took the chat over after our
    claim lapsed (a stall longer than claim_ttl) and finished it first. With `release` (chat key,
    owner), the chat's claim is given up in the same transaction if nothing of it is pending: True
    then means released too (saves a drain's last `take`)."""
    now = deps.now_iso()
    async with UnitOfWork(deps) as work:
        tx = work.tx
        if inbox_id is not None and not await inbox.mark_done(tx, inbox_id, now):
            return False
        for chat_id, kind, payload in owed:
            await deps.enqueue(tx, chat_id, kind, payload, now)
        released = release is None or await inbox.release(tx, *release)
        work.commit()
    return released


@dataclass(frozen=True)
class Taken:
    held: bool                    # we held the chat's claim (False: another process does)
    rows: list[Received]          # its pending updates, oldest first
    released: bool = False        # nothing was pending, so the claim is given up


async def take(deps: Deps, chat_key: int, owner: str, limit: int = 100) -> Taken:
    """Claim a chat (or renew our claim) and read its pending updates; with none, give the claim up,
    all in one transaction."""
    now = deps.now()
    async with deps.db.transaction() as tx:
        if not await inbox.claim(tx, chat_key, owner, iso(now), iso(now + deps.config.claim_ttl)):
            return Taken(False, [])
        rows = await inbox.pending_of_chat(tx, chat_key, limit)
        if not rows:               # not released: something arrived in between (PostgreSQL), take again
            return Taken(True, [], released=await inbox.release(tx, chat_key, owner))
    return Taken(True, [Received(r["id"], r["update_id"], json.loads(r["payload"])) for r in rows])


async def drop_claim(deps: Deps, chat_key: int, owner: str) -> None:
    """Give a claim up whatever is pending (a drain that failed): the scan hands the chat on."""
    async with deps.db.transaction() as tx:
        await inbox.drop(tx, chat_key, owner)


async def renew_claims(deps: Deps, owner: str) -> int:
    async with deps.db.transaction() as tx:
        return await inbox.renew(tx, owner, iso(deps.now() + deps.config.claim_ttl))


async def release_claims(deps: Deps, owner: str) -> int:
    """At stop: the chats we held are free for other processes at once, not after claim_ttl."""
    async with deps.db.transaction() as tx:
        return await inbox.release_all(tx, owner)


async def unclaimed(deps: Deps, limit: int = 500) -> list[int]:
    """Chats with pending updates and no live claim: left by a crash, or by a process that died."""
    async with deps.db.read() as tx:
        return await inbox.unclaimed_chats(tx, deps.now_iso(), limit)


async def prune(deps: Deps) -> int:
    async with deps.db.transaction() as tx:
        return await inbox.prune(tx, iso(deps.now() - KEEP))
