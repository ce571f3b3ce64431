"""Messages owed to someone, written in the same transaction as the change that causes them."""
from __future__ import annotations

import json
from typing import Any

from storage.db import PerEngine, Tx, per_engine

INSERT = """
INSERT INTO outbox (chat_id, kind, payload, ticket_id, created_at, next_attempt_at)
VALUES (:chat_id, :kind, :payload, :ticket_id, :now, :now)
"""
# Several senders on one database: a sender claims the due heads no other sender holds (a claim
# lapses at claimed_until), and sends only what it claimed. A chat's next row becomes its head only
# once this one is settled, so one chat's messages still leave in order, whichever sender sends them.
# PostgreSQL: rows another sender is claiming right now are skipped (SKIP LOCKED), and a row whose
# claim committed meanwhile is re-checked against the claim columns when locked, so it is skipped too.
# SQLite: the claim runs in a BEGIN IMMEDIATE transaction, one writer at a time.
CLAIM_HEADS = per_engine("""
UPDATE outbox SET claimed_by = :holder, claimed_until = :until
 WHERE id IN (
    SELECT o.id FROM outbox o
    JOIN (SELECT chat_id, min(id) AS id FROM outbox WHERE state = 'pending' GROUP BY chat_id) head ON head.id = o.id
    WHERE o.next_attempt_at <= :now AND o.state = 'pending'
      AND (o.claimed_by IS NULL OR o.claimed_by = :holder OR o.claimed_until <= :now)
    ORDER BY o.id LIMIT :limit {lock})
RETURNING *
""", lock=PerEngine("", "FOR UPDATE OF o SKIP LOCKED"))
RELEASE_CLAIMS = """
UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = :holder AND state = 'pending'
"""
MARK_SENT = """
UPDATE outbox SET state = 'sent', sent_at = :now, message_id = :message_id, attempts = attempts + 1, error = '',
       claimed_by = NULL, claimed_until = NULL
WHERE id = :id
"""
MARK_RETRY = """
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = :next_attempt_at, error = :error,
       claimed_by = NULL, claimed_until = NULL
WHERE id = :id
"""
MARK_UNDELIVERABLE = """
UPDATE outbox SET state = 'undeliverable', attempts = attempts + 1, error = :error WHERE id = :id
"""
# Telegram answers again: what waits for a retry after network errors goes now.
RETRY_NOW = """
UPDATE outbox SET next_attempt_at = :now
WHERE state = 'pending' AND attempts > 0 AND next_attempt_at > :now AND error NOT LIKE '429%'
"""
UNDELIVERABLE_FOR_CHAT = "SELECT count(*) FROM outbox WHERE chat_id = :chat_id AND state = 'undeliverable'"


async def enqueue(tx: Tx, chat_id: int, kind: str, payload: dict[str, Any], now: str,
                  ticket_id: int | None = None) -> int:
    return await tx.insert(INSERT, {"chat_id": chat_id, "kind": kind, "ticket_id": ticket_id, "now": now,
                                    "payload": json.dumps(payload, ensure_ascii=False)})


async def claim_heads(tx: Tx, holder: str, now: str, until: str, limit: int = 50) -> list[dict]:
    """Claim for `holder` (until `until`) the due heads no other sender holds; oldest first."""
    rows = await tx.all(CLAIM_HEADS, {"holder": holder, "now": now, "until": until, "limit": limit})
    rows.sort(key=lambda row: row["id"])
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


async def release_claims(tx: Tx, holder: str) -> int:
    """A clean stop: what `holder` claimed but did not send may go from another sender at once."""
    return (await tx.execute(RELEASE_CLAIMS, {"holder": holder})).rowcount


async def mark_sent_many(tx: Tx, rows: list[tuple[int, int | None]], now: str) -> None:
    await tx.executemany(MARK_SENT, [{"id": i, "now": now, "message_id": m} for i, m in rows])


async def mark_retry(tx: Tx, outbox_id: int, next_attempt_at: str, error: str) -> None:
    await tx.execute(MARK_RETRY, {"id": outbox_id, "next_attempt_at": next_attempt_at, "error": error[:500]})


async def mark_undeliverable(tx: Tx, outbox_id: int, error: str) -> None:
    await tx.execute(MARK_UNDELIVERABLE, {"id": outbox_id, "error": error[:500]})


async def retry_now(tx: Tx, now: str) -> int:
    return (await tx.execute(RETRY_NOW, {"now": now})).rowcount


async def undeliverable_count(tx: Tx, chat_id: int) -> int:
    return await tx.scalar(UNDELIVERABLE_FOR_CHAT, {"chat_id": chat_id})
