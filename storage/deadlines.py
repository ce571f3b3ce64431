"""What the sweep reads and records: open tickets near a deadline, alerts already sent, auto-close candidates.

The sweep queries use the partial indexes of migration 003 (state-restricted, `sweep_done = 0`),
so their cost does not grow with closed tickets.
"""
from __future__ import annotations

from storage.db import Tx

# Open tickets whose current deadline is at or before the horizon (now + reminder lead) and whose
# alerts are not all sent yet. One statement, two index range scans.
DUE_FOR_ALERTS = """
SELECT * FROM (
    SELECT t.*, 'accept' AS deadline, t.accept_due AS due FROM tickets t
     WHERE t.state = 'pending' AND t.sweep_done = 0 AND t.accept_due <= :horizon
    UNION ALL
    SELECT t.*, 'resolve' AS deadline, t.resolve_due AS due FROM tickets t
     WHERE t.state = 'accepted' AND t.sweep_done = 0 AND t.resolve_due <= :horizon
) AS due_rows ORDER BY due, id LIMIT :limit
"""
RECORD_ALERT = """
INSERT INTO alerts_sent (ticket_id, kind, level, at) VALUES (:ticket_id, :kind, :level, :at)
ON CONFLICT DO NOTHING
"""
MARK_DONE = "UPDATE tickets SET sweep_done = 1 WHERE id = :id AND state = :state"
AUTO_CLOSE_DUE = """
SELECT * FROM tickets WHERE state = 'resolved' AND resolved_at <= :before ORDER BY resolved_at, id LIMIT :limit
"""


async def due_for_alerts(tx: Tx, horizon: str, limit: int = 1000) -> list[dict]:
    return await tx.all(DUE_FOR_ALERTS, {"horizon": horizon, "limit": limit})


async def record_alert(tx: Tx, ticket_id: int, kind: str, level: str, at: str) -> bool:
    """Record an alert; False if it was already recorded."""
    cursor = await tx.execute(RECORD_ALERT, {"ticket_id": ticket_id, "kind": kind, "level": level, "at": at})
    return cursor.rowcount == 1


async def mark_done(tx: Tx, ticket_id: int, state: str) -> None:
    """Every alert for the ticket's current deadline is sent: the sweep's indexes drop it."""
    await tx.execute(MARK_DONE, {"id": ticket_id, "state": state})


async def auto_close_due(tx: Tx, before: str, limit: int = 500) -> list[dict]:
    return await tx.all(AUTO_CLOSE_DUE, {"before": before, "limit": limit})


async def query_plan(tx: Tx, horizon: str) -> list[str]:
    rows = await tx.all("EXPLAIN QUERY PLAN " + DUE_FOR_ALERTS, {"horizon": horizon, "limit": 1000})
    return [r["detail"] for r in rows]
