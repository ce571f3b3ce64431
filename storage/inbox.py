"""Updates received from Telegram, kept until handled (and a while after, to recognise re-deliveries)."""
from __future__ import annotations

from storage import kv
from storage.db import Tx

# A re-delivered update (same id, same content) inserts nothing and returns no row.
STORE = """
INSERT INTO inbox (update_id, digest, chat_id, payload, received_at)
VALUES (:update_id, :digest, :chat_id, :payload, :now)
ON CONFLICT (update_id, digest) DO NOTHING
RETURNING id
"""
PENDING = "SELECT id, update_id, payload, received_at FROM inbox WHERE state = 'pending' ORDER BY id"
MARK_DONE = "UPDATE inbox SET state = 'done', done_at = :now WHERE id = :id"
PRUNE = "DELETE FROM inbox WHERE state = 'done' AND done_at < :before"


async def store(tx: Tx, update_id: int, digest: str, chat_id: int | None, payload: str, now: str) -> int | None:
    """The new row's id, or None when this update is already here."""
    row = await tx.one(STORE, {"update_id": update_id, "digest": digest, "chat_id": chat_id,
                               "payload": payload, "now": now})
    return row["id"] if row else None


async def note_received(tx: Tx, update_id: int, now: str) -> None:
    await kv.put(tx, "last_update", {"update_id": update_id, "at": now})


async def pending(tx: Tx) -> list[dict]:
    return await tx.all(PENDING)


async def mark_done(tx: Tx, inbox_id: int, now: str) -> None:
    await tx.execute(MARK_DONE, {"id": inbox_id, "now": now})


async def prune(tx: Tx, before: str) -> int:
    return (await tx.execute(PRUNE, {"before": before})).rowcount
