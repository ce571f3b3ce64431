"""Figures for a health check."""
from __future__ import annotations

from storage import kv
from storage.db import PerEngine, Tx

VERSION = PerEngine("PRAGMA user_version", "SELECT coalesce(max(version), 0) FROM schema_version")
DATABASE_SIZE = "SELECT pg_database_size(current_database())"      # PostgreSQL; SQLite's is its files
BY_STATE = "SELECT state, count(*) AS n FROM tickets GROUP BY state"
INBOX_PENDING = "SELECT count(*) FROM inbox WHERE state = 'pending'"
OUTBOX_PENDING = "SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE state = 'pending'"
OUTBOX_UNDELIVERABLE = "SELECT count(*) FROM outbox WHERE state = 'undeliverable'"


async def figures(tx: Tx) -> dict:
    pending = await tx.one(OUTBOX_PENDING)
    last = {key: await kv.get(tx, key) for key in ("last_update", "last_sweep")}
    return {
        "schema_version": await tx.scalar(VERSION),
        **({"size_bytes": await tx.scalar(DATABASE_SIZE)} if tx.engine == "postgres" else {}),
        "tickets": {r["state"]: r["n"] for r in await tx.all(BY_STATE)},
        "outbox_pending": pending["n"],
        "outbox_oldest_pending": pending["oldest"],
        "outbox_undeliverable": await tx.scalar(OUTBOX_UNDELIVERABLE),
        "inbox_pending": await tx.scalar(INBOX_PENDING),        # fetched, not yet handled
        **last,
    }
