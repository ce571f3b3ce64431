"""Updates already applied, so one that Telegram delivers twice has one effect."""
from __future__ import annotations

from storage import kv
from storage.db import Tx

HIGHEST = "SELECT max(update_id) FROM processed_updates"
MARK = "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (:update_id, :at)"
PRUNE = "DELETE FROM processed_updates WHERE at < :before"


async def highest(tx: Tx) -> int | None:
    return await tx.scalar(HIGHEST)


async def mark(tx: Tx, update_id: int, at: str) -> None:
    await tx.execute(MARK, {"update_id": update_id, "at": at})
    await kv.put(tx, "last_update", {"update_id": update_id, "at": at})


async def prune(tx: Tx, before: str) -> int:
    return (await tx.execute(PRUNE, {"before": before})).rowcount

