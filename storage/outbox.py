"""Messages owed to someone, written in the same transaction as the change that causes them."""
from __future__ import annotations

import json
from typing import Any

from storage import kv
from storage.db import Tx

# Several processes on one database: one of them sends at a time, holding this lease (a kv row:
# owner, until). Read and written in one write transaction, which SQLite's one writer makes safe.
# TODO(wt15a): on PostgreSQL this read-then-write needs a row lock or gives way to the per-row
# `FOR UPDATE SKIP LOCKED` claims; then every process sends, each its own chats' heads.
SENDER_LEASE = "outbox_sender"

INSERT = """
INSERT INTO outbox (chat_id, kind, payload, ticket_id, created_at, next_attempt_at)
VALUES (:chat_id, :kind, :payload, :ticket_id, :now, :now)
"""
# The oldest pending message of each chat that is due: messages to one chat keep their order,
# so a chat whose head is waiting for a retry sends nothing newer meanwhile.
DUE_HEADS = """
SELECT o.* FROM outbox o
JOIN (SELECT chat_id, min(id) AS id FROM outbox WHERE state = 'pending' GROUP BY chat_id) head ON head.id = o.id
WHERE o.next_attempt_at <= :now
ORDER BY o.id LIMIT :limit
"""
MARK_SENT = """
UPDATE outbox SET state = 'sent', sent_at = :now, message_id = :message_id, attempts = attempts + 1, error = ''
WHERE id = :id
"""
MARK_RETRY = """
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = :next_attempt_at, error = :error WHERE id = :id
"""
MARK_UNDELIVERABLE = """
UPDATE outbox SET state = 'undeliverable', attempts = attempts + 1, error = :error WHERE id = :id
"""
# Telegram answers again: what waits for a retry after network errors goes now.
RETRY_NOW = """
UPDATE outbox SET next_attempt_at = :now
WHERE state = 'pending' AND attempts > 0 AND next_attempt_at > :now AND error NOT LIKE '429%'
"""
SENT_MESSAGES_OF_TICKET = """
SELECT id, chat_id, message_id FROM outbox
WHERE ticket_id = :ticket_id AND kind = :kind AND state = 'sent' AND message_id IS NOT NULL
"""
UNDELIVERABLE_FOR_CHAT = "SELECT count(*) FROM outbox WHERE chat_id = :chat_id AND state = 'undeliverable'"


async def enqueue(tx: Tx, chat_id: int, kind: str, payload: dict[str, Any], now: str,
                  ticket_id: int | None = None) -> int:
    return await tx.insert(INSERT, {"chat_id": chat_id, "kind": kind, "ticket_id": ticket_id, "now": now,
                                    "payload": json.dumps(payload, ensure_ascii=False)})


async def due_heads(tx: Tx, now: str, limit: int = 50) -> list[dict]:
    rows = await tx.all(DUE_HEADS, {"now": now, "limit": limit})
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


async def mark_sent_many(tx: Tx, rows: list[tuple[int, int | None]], now: str) -> None:
    await tx.executemany(MARK_SENT, [{"id": i, "now": now, "message_id": m} for i, m in rows])


async def mark_retry(tx: Tx, outbox_id: int, next_attempt_at: str, error: str) -> None:
    await tx.execute(MARK_RETRY, {"id": outbox_id, "next_attempt_at": next_attempt_at, "error": error[:500]})


async def mark_undeliverable(tx: Tx, outbox_id: int, error: str) -> None:
    await tx.execute(MARK_UNDELIVERABLE, {"id": outbox_id, "error": error[:500]})


async def retry_now(tx: Tx, now: str) -> int:
    return (await tx.execute(RETRY_NOW, {"now": now})).rowcount


async def sent_messages(tx: Tx, ticket_id: int, kind: str) -> list[dict]:
    return await tx.all(SENT_MESSAGES_OF_TICKET, {"ticket_id": ticket_id, "kind": kind})


async def undeliverable_count(tx: Tx, chat_id: int) -> int:
    return await tx.scalar(UNDELIVERABLE_FOR_CHAT, {"chat_id": chat_id})


async def hold_sender(tx: Tx, owner: str, now: str, until: str) -> bool:
    """Take or renew the sender's lease; False while another process holds it."""
    held = await kv.get(tx, SENDER_LEASE)
    if isinstance(held, dict) and held.get("owner") != owner and held.get("until", "") >= now:
        return False
    await kv.put(tx, SENDER_LEASE, {"owner": owner, "until": until})
    return True


async def release_sender(tx: Tx, owner: str) -> None:
    held = await kv.get(tx, SENDER_LEASE)
    if isinstance(held, dict) and held.get("owner") == owner:
        await kv.delete(tx, SENDER_LEASE)
