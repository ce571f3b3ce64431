"""Leases: the one process that runs a singleton job (the sweep, the briefings) until its lease expires.

Taking and renewing are one upsert, so two processes racing for a free or expired lease cannot both
win: on PostgreSQL the second waits on the row and re-checks the WHERE against the first's commit.
"""
from __future__ import annotations

from storage.db import Tx

# Take the lease if it is free, expired or already ours; the row comes back only if we hold it now.
TAKE = """
INSERT INTO leases (name, holder, expires_at) VALUES (:name, :holder, :until)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE leases.holder = excluded.holder OR leases.expires_at <= :now
RETURNING holder
"""
RELEASE = "DELETE FROM leases WHERE name = :name AND holder = :holder"
HOLDER = "SELECT holder, expires_at FROM leases WHERE name = :name"


async def take(tx: Tx, name: str, holder: str, now: str, until: str) -> bool:
    """True if `holder` holds the lease until `until` (taken or renewed)."""
    return await tx.one(TAKE, {"name": name, "holder": holder, "now": now, "until": until}) is not None


async def release(tx: Tx, name: str, holder: str) -> bool:
    return (await tx.execute(RELEASE, {"name": name, "holder": holder})).rowcount > 0


async def holder(tx: Tx, name: str) -> dict | None:
    return await tx.one(HOLDER, {"name": name})
