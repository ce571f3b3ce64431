"""Tickets and their append-only history."""
from __future__ import annotations

import json
from typing import Any

from storage.db import StorageConflict, Tx, id_list, per_engine

INSERT_TICKET = """
INSERT INTO tickets (number, resident_id, reporter_staff_id, text, category, priority, state, grid_id, unit_id,
                     place, latitude, longitude, photo, confidence, keywords, created_at, updated_at,
                     accept_due, resolve_due)
VALUES (:number, :resident_id, :reporter_staff_id, :text, :category, :priority, 'pending', :grid_id, :unit_id,
        :place, :latitude, :longitude, :photo, :confidence, :keywords, :now, :now, :accept_due, :resolve_due)
RETURNING *
"""
NEXT_NUMBER = """
INSERT INTO counters (name, value) VALUES (:name, 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
RETURNING value
"""
SELECT_TICKET = "SELECT * FROM tickets WHERE id = :id"
SELECT_BY_NUMBER = "SELECT * FROM tickets WHERE number = :number"
INSERT_EVENT = """
INSERT INTO ticket_events (ticket_id, at, action, actor_kind, actor_id, actor_role, from_state, to_state, note, data)
VALUES (:ticket_id, :at, :action, :actor_kind, :actor_id, :actor_role, :from_state, :to_state, :note, :data)
"""
STAFF_ACTED_ON = """
SELECT 1 FROM ticket_events WHERE ticket_id = :ticket_id AND actor_kind = 'staff' AND actor_id = :staff_id LIMIT 1
"""
SELECT_EVENTS = "SELECT * FROM ticket_events WHERE ticket_id = :ticket_id ORDER BY id"
SELECT_OF_RESIDENT = """
SELECT * FROM tickets WHERE resident_id = :resident_id ORDER BY id DESC LIMIT :limit
"""
SELECT_OF_HANDLER = """
SELECT * FROM tickets WHERE handler_id = :staff_id AND state = 'accepted'
ORDER BY coalesce(resolve_due, '9999') LIMIT :limit
"""
SELECT_PENDING_IN_UNITS = per_engine("""
SELECT * FROM tickets WHERE state = 'pending' AND unit_id IN ({ids})
ORDER BY priority = 'urgent' DESC, coalesce(accept_due, '9999'), id LIMIT :limit
""", ids=id_list("unit_ids"))
SELECT_EXTENSIONS_IN_UNITS = per_engine("""
SELECT * FROM tickets WHERE state = 'accepted' AND extension_due IS NOT NULL
  AND (unit_id IN ({ids}) OR grid_id IN ({ids}))
ORDER BY id LIMIT :limit
""", ids=id_list("unit_ids"))
RESIDENT_CHATS = """
SELECT DISTINCT r.chat_id FROM residents r JOIN tickets t ON t.resident_id = r.id
WHERE (t.id = :id OR t.merged_into = :id) AND r.chat_id IS NOT NULL
"""
MERGED_INTO_OF_RESIDENT = "SELECT merged_into FROM tickets WHERE resident_id = :resident_id AND merged_into IS NOT NULL"
RECENT_OF_RESIDENT = """
SELECT count(*) FROM tickets WHERE resident_id = :resident_id AND created_at >= :since
"""

# Columns a transition may change; everything else is fixed at submit.
_MUTABLE = {"state", "unit_id", "handler_id", "grid_id", "accept_due", "resolve_due", "accepted_at", "resolved_at",
            "closed_at", "result", "rating", "reopen_count", "merged_into", "extension_due", "extension_reason",
            "category", "priority", "resident_id", "paused_at", "sweep_done"}


async def next_number(tx: Tx, day: str) -> int:
    return await tx.scalar(NEXT_NUMBER, {"name": f"ticket:{day}"})


async def insert(tx: Tx, **fields: Any) -> dict:
    """Insert a ticket; returns it as stored."""
    fields = dict(fields)
    fields["keywords"] = json.dumps(list(fields.get("keywords", ())), ensure_ascii=False)
    return await tx.one(INSERT_TICKET, fields)


async def get(tx: Tx, ticket_id: int) -> dict | None:
    return await tx.one(SELECT_TICKET, {"id": ticket_id})


async def by_number(tx: Tx, number: str) -> dict | None:
    return await tx.one(SELECT_BY_NUMBER, {"number": number})


async def compare_and_set(tx: Tx, ticket_id: int, expected_state: str, expected_version: int, now: str,
                          **changes: Any) -> None:
    """Apply changes only if the ticket is still in the state and version we read."""
    bad = set(changes) - _MUTABLE
    if bad:
        raise ValueError(f"not mutable: {sorted(bad)}")
    assignments = ", ".join(f"{column} = :{column}" for column in changes)
    sql = (f"UPDATE tickets SET {assignments}{', ' if assignments else ''}version = version + 1, updated_at = :now "
           "WHERE id = :id AND state = :expected_state AND version = :expected_version")
    cursor = await tx.execute(sql, {**changes, "now": now, "id": ticket_id,
                                    "expected_state": expected_state, "expected_version": expected_version})
    if cursor.rowcount != 1:
        raise StorageConflict(f"ticket {ticket_id} changed")


async def add_event(tx: Tx, ticket_id: int, at: str, action: str, actor_kind: str, actor_id: int | None,
                    actor_role: str, from_state: str | None, to_state: str | None, note: str = "",
                    data: dict | None = None) -> int:
    return await tx.insert(INSERT_EVENT, {
        "ticket_id": ticket_id, "at": at, "action": action, "actor_kind": actor_kind, "actor_id": actor_id,
        "actor_role": actor_role, "from_state": from_state, "to_state": to_state, "note": note,
        "data": json.dumps(data or {}, ensure_ascii=False)})


async def events(tx: Tx, ticket_id: int) -> list[dict]:
    return await tx.all(SELECT_EVENTS, {"ticket_id": ticket_id})


async def of_resident(tx: Tx, resident_id: int, limit: int = 20) -> list[dict]:
    return await tx.all(SELECT_OF_RESIDENT, {"resident_id": resident_id, "limit": limit})


async def of_handler(tx: Tx, staff_id: int, limit: int = 30) -> list[dict]:
    return await tx.all(SELECT_OF_HANDLER, {"staff_id": staff_id, "limit": limit})


async def pending_in_units(tx: Tx, unit_ids: list[int], limit: int = 30) -> list[dict]:
    return await tx.all(SELECT_PENDING_IN_UNITS, {"unit_ids": json.dumps(unit_ids), "limit": limit})


async def extensions_in_units(tx: Tx, unit_ids: list[int], limit: int = 30) -> list[dict]:
    return await tx.all(SELECT_EXTENSIONS_IN_UNITS, {"unit_ids": json.dumps(unit_ids), "limit": limit})


async def count_recent_of_resident(tx: Tx, resident_id: int, since: str) -> int:
    return await tx.scalar(RECENT_OF_RESIDENT, {"resident_id": resident_id, "since": since})


async def resident_chats(tx: Tx, ticket_id: int) -> list[int]:
    """The reporter's chat and the chats of reporters whose duplicates were merged into this ticket."""
    return [r["chat_id"] for r in await tx.all(RESIDENT_CHATS, {"id": ticket_id})]


async def merged_into_of_resident(tx: Tx, resident_id: int) -> set[int]:
    """Tickets that a resident's duplicates were merged into: the resident follows them."""
    return {r["merged_into"] for r in await tx.all(MERGED_INTO_OF_RESIDENT, {"resident_id": resident_id})}


async def staff_acted_on(tx: Tx, ticket_id: int, staff_id: int) -> bool:
    return bool(await tx.scalar(STAFF_ACTED_ON, {"ticket_id": ticket_id, "staff_id": staff_id}))
