"""Figures for a health check."""
from __future__ import annotations

from storage import kv
from storage.db import Tx

VERSION = "PRAGMA user_version"
BY_STATE = "SELECT state, count(*) AS n FROM tickets GROUP BY state"
INBOX_PENDING = "SELECT count(*) FROM inbox WHERE state = 'pending'"
OUTBOX = "SELECT state, count(*) AS n, min(created_at) AS oldest FROM outbox GROUP BY state"


async def figures(tx: Tx) -> dict:
    outbox = {r["state"]: r for r in await tx.all(OUTBOX)}
    last = {key: await kv.get(tx, key) for key in ("last_update", "last_sweep")}
    return {
        "schema_version": await tx.scalar(VERSION),
        "tickets": {r["state"]: r["n"] for r in await tx.all(BY_STATE)},
        "outbox_pending": outbox.get("pending", {}).get("n", 0),
        "outbox_oldest_pending": outbox.get("pending", {}).get("oldest"),
        "outbox_undeliverable": outbox.get("undeliverable", {}).get("n", 0),
        "inbox_pending": await tx.scalar(INBOX_PENDING),        # fetched, not yet handled
        **last,
    }
