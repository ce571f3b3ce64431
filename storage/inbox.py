"""Updates received from Telegram, kept until handled (and a while after, to recognise re-deliveries),
and the claims through which several processes share them: a process handles a chat's pending
updates only while it holds that chat's claim (a lease with an expiry, renewed while it works).

The SQL is portable (SQLite ≥ 3.35 and PostgreSQL agree on upserts with a WHERE and on RETURNING).
CLAIM takes a free or expired claim, or renews one's own, in one statement; no SKIP LOCKED is
needed because a chat's claim is one row, and the upsert's row lock (PostgreSQL) or the one writer
(SQLite) decides who wins. RELEASE gives the claim up only when the chat has nothing pending, in the
same statement, so an update recorded meanwhile by another process (whose CLAIM failed because we
held it) is never left without a holder; on PostgreSQL a row committed inside the instant between
RELEASE's snapshot and its row lock can still be stranded, and SCAN finds it within one interval.
"""
from __future__ import annotations

from storage import kv
from storage.db import Tx

# A re-delivered update (same id, same content) inserts nothing and returns no row.
STORE = """
INSERT INTO inbox (update_id, digest, chat_id, chat_key, payload, received_at)
VALUES (:update_id, :digest, :chat_id, :chat_key, :payload, :now)
ON CONFLICT (update_id, digest) DO NOTHING
RETURNING id
"""
PENDING = "SELECT id, update_id, payload, received_at FROM inbox WHERE state = 'pending' ORDER BY id"
PENDING_OF_CHAT = """
SELECT id, update_id, payload FROM inbox WHERE state = 'pending' AND chat_key = :chat_key ORDER BY id LIMIT :limit
"""
# Done only once: a process whose claim lapsed while it worked must not finish an update twice.
MARK_DONE = "UPDATE inbox SET state = 'done', done_at = :now WHERE id = :id AND state = 'pending'"
PRUNE = "DELETE FROM inbox WHERE state = 'done' AND done_at < :before"

CLAIM = """
INSERT INTO inbox_claims (chat_key, owner, until) VALUES (:chat_key, :owner, :until)
ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner, until = excluded.until
WHERE inbox_claims.owner = excluded.owner OR inbox_claims.until < :now
RETURNING chat_key
"""
RELEASE = """
DELETE FROM inbox_claims WHERE chat_key = :chat_key AND owner = :owner
AND NOT EXISTS (SELECT 1 FROM inbox WHERE chat_key = :chat_key AND state = 'pending')
"""
DROP = "DELETE FROM inbox_claims WHERE chat_key = :chat_key AND owner = :owner"
RENEW = "UPDATE inbox_claims SET until = :until WHERE owner = :owner"
RELEASE_ALL = "DELETE FROM inbox_claims WHERE owner = :owner"
# Chats with pending updates that nobody holds (their receiver crashed, or the holder died).
SCAN = """
SELECT DISTINCT i.chat_key FROM inbox i LEFT JOIN inbox_claims c ON c.chat_key = i.chat_key
WHERE i.state = 'pending' AND (c.chat_key IS NULL OR c.until < :now)
LIMIT :limit
"""


async def store(tx: Tx, update_id: int, digest: str, chat_id: int | None, payload: str, now: str) -> int | None:
    """The new row's id, or None when this update is already here."""
    row = await tx.one(STORE, {"update_id": update_id, "digest": digest, "chat_id": chat_id,
                               "chat_key": chat_id or 0, "payload": payload, "now": now})
    return row["id"] if row else None


async def note_received(tx: Tx, update_id: int, now: str) -> None:
    await kv.put(tx, "last_update", {"update_id": update_id, "at": now})


async def pending(tx: Tx) -> list[dict]:
    return await tx.all(PENDING)


async def pending_of_chat(tx: Tx, chat_key: int, limit: int) -> list[dict]:
    return await tx.all(PENDING_OF_CHAT, {"chat_key": chat_key, "limit": limit})


async def mark_done(tx: Tx, inbox_id: int, now: str) -> bool:
    """False when the row was already done (another process finished it)."""
    return (await tx.execute(MARK_DONE, {"id": inbox_id, "now": now})).rowcount == 1


async def prune(tx: Tx, before: str) -> int:
    return (await tx.execute(PRUNE, {"before": before})).rowcount


async def claim(tx: Tx, chat_key: int, owner: str, now: str, until: str) -> bool:
    """Take the chat's claim if free or expired, or renew our own; False when another process holds it."""
    row = await tx.one(CLAIM, {"chat_key": chat_key, "owner": owner, "now": now, "until": until})
    return row is not None


async def release(tx: Tx, chat_key: int, owner: str) -> bool:
    """Give the claim up if nothing of the chat is pending; False when something is (or it is not ours)."""
    return (await tx.execute(RELEASE, {"chat_key": chat_key, "owner": owner})).rowcount == 1


async def drop(tx: Tx, chat_key: int, owner: str) -> None:
    await tx.execute(DROP, {"chat_key": chat_key, "owner": owner})


async def renew(tx: Tx, owner: str, until: str) -> int:
    return (await tx.execute(RENEW, {"owner": owner, "until": until})).rowcount


async def release_all(tx: Tx, owner: str) -> int:
    return (await tx.execute(RELEASE_ALL, {"owner": owner})).rowcount


async def unclaimed_chats(tx: Tx, now: str, limit: int) -> list[int]:
    return [r["chat_key"] for r in await tx.all(SCAN, {"now": now, "limit": limit})]
