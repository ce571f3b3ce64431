"""Residents (chat accounts), their drafts and per-chat attempt counters."""
from __future__ import annotations

import json
from typing import Any

from storage import kv
from storage.db import Tx

UPSERT = """
INSERT INTO residents (chat_id, name, username, created_at) VALUES (:chat_id, :name, :username, :now)
ON CONFLICT (chat_id) DO UPDATE SET name = excluded.name, username = excluded.username
RETURNING *
"""
BY_CHAT = "SELECT * FROM residents WHERE chat_id = :chat_id"
BY_ID = "SELECT * FROM residents WHERE id = :id"
GET_DRAFT = "SELECT data FROM drafts WHERE chat_id = :chat_id"
PUT_DRAFT = """
INSERT INTO drafts (chat_id, data, updated_at) VALUES (:chat_id, :data, :now)
ON CONFLICT (chat_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
"""
DELETE_DRAFT = "DELETE FROM drafts WHERE chat_id = :chat_id"
ADD_ATTEMPT = "INSERT INTO attempts (chat_id, kind, at) VALUES (:chat_id, :kind, :at)"
COUNT_ATTEMPTS = "SELECT count(*) FROM attempts WHERE chat_id = :chat_id AND kind = :kind AND at >= :since"


async def upsert(tx: Tx, chat_id: int, name: str, username: str, now: str) -> dict:
    return await tx.one(UPSERT, {"chat_id": chat_id, "name": name, "username": username, "now": now})


async def by_chat(tx: Tx, chat_id: int) -> dict | None:
    return await tx.one(BY_CHAT, {"chat_id": chat_id})


async def get(tx: Tx, resident_id: int) -> dict | None:
    return await tx.one(BY_ID, {"id": resident_id})


async def get_draft(tx: Tx, chat_id: int) -> dict[str, Any] | None:
    raw = await tx.scalar(GET_DRAFT, {"chat_id": chat_id})
    return json.loads(raw) if raw else None


async def put_draft(tx: Tx, chat_id: int, data: dict[str, Any], now: str) -> None:
    await tx.execute(PUT_DRAFT, {"chat_id": chat_id, "data": json.dumps(data, ensure_ascii=False), "now": now})


async def delete_draft(tx: Tx, chat_id: int) -> bool:
    cursor = await tx.execute(DELETE_DRAFT, {"chat_id": chat_id})
    return cursor.rowcount > 0


async def add_attempt(tx: Tx, chat_id: int, kind: str, at: str) -> None:
    await tx.execute(ADD_ATTEMPT, {"chat_id": chat_id, "kind": kind, "at": at})


async def count_attempts(tx: Tx, chat_id: int, kind: str, since: str) -> int:
    return await tx.scalar(COUNT_ATTEMPTS, {"chat_id": chat_id, "kind": kind, "since": since})


async def get_awaiting(tx: Tx, chat_id: int) -> dict[str, Any] | None:
    """What the chat's next text answers (a reason, a result …), if anything."""
    return await kv.get(tx, f"await:{chat_id}")


async def put_awaiting(tx: Tx, chat_id: int, data: dict[str, Any]) -> None:
    await kv.put(tx, f"await:{chat_id}", data)


async def clear_awaiting(tx: Tx, chat_id: int) -> bool:
    return await kv.delete(tx, f"await:{chat_id}")
