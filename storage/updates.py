"""Updates already applied, so one that Telegram delivers twice has one effect."""
from __future__ import annotations

import json

from storage.db import Tx

SEEN = "SELECT 1 FROM processed_updates WHERE update_id = :update_id"
MARK = "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (:update_id, :at)"
PRUNE = "DELETE FROM processed_updates WHERE at < :before"
LAST = """
INSERT INTO kv (key, value) VALUES ('last_update', :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
GET = "SELECT value FROM kv WHERE key = :key"


async def seen(tx: Tx, update_id: int) -> bool:
    return await tx.scalar(SEEN, {"update_id": update_id}) is not None


async def mark(tx: Tx, update_id: int, at: str) -> None:
    await tx.execute(MARK, {"update_id": update_id, "at": at})
    await tx.execute(LAST, {"value": json.dumps({"update_id": update_id, "at": at})})


async def prune(tx: Tx, before: str) -> int:
    return (await tx.execute(PRUNE, {"before": before})).rowcount


async def kv(tx: Tx, key: str) -> dict | None:
    raw = await tx.scalar(GET, {"key": key})
    return json.loads(raw) if raw else None
