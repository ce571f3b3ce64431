"""Small named values: the last update seen, the last sweep, briefings already sent, pending questions."""
from __future__ import annotations

import json
from typing import Any

from storage.db import Tx

GET = "SELECT value FROM kv WHERE key = :key"
PUT = "INSERT INTO kv (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
ADD = "INSERT INTO kv (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING"
DELETE = "DELETE FROM kv WHERE key = :key"


async def get(tx: Tx, key: str) -> Any:
    raw = await tx.scalar(GET, {"key": key})
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:       # a plain text value
        return raw


async def put(tx: Tx, key: str, value: Any) -> None:
    await tx.execute(PUT, {"key": key, "value": json.dumps(value, ensure_ascii=False)})


async def add(tx: Tx, key: str, value: Any) -> bool:
    """Store only if absent; True if this call stored it (a once-only marker)."""
    cursor = await tx.execute(ADD, {"key": key, "value": json.dumps(value, ensure_ascii=False)})
    return cursor.rowcount == 1


async def delete(tx: Tx, key: str) -> bool:
    return (await tx.execute(DELETE, {"key": key})).rowcount > 0
