"""The org tree (units, aliases) and staff: upserts for the importer, queries for the app.

Records are plain dicts. Unit records have their JSON columns decoded: `boundary` (list of
[lon, lat] or None), `categories` and `shares` (lists of category codes).
Times are ISO-8601 UTC text; callers pass `now` in, nothing here reads the clock.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from storage.db import INTEGRITY_ERRORS, StorageConflict, Tx, json_texts, per_engine

_UPSERT_UNIT = """
INSERT INTO units (code, name, kind, parent_id, area, boundary, categories, shares)
VALUES (:code, :name, :kind, :parent_id, :area, :boundary, :categories, :shares)
ON CONFLICT (code) DO UPDATE SET
    name = excluded.name, kind = excluded.kind, parent_id = excluded.parent_id, area = excluded.area,
    boundary = excluded.boundary, categories = excluded.categories, shares = excluded.shares
"""
_UNIT_ID_BY_CODE = "SELECT id FROM units WHERE code = :code"
_UNIT = "SELECT * FROM units WHERE id = :id"
_UNIT_BY_CODE = "SELECT * FROM units WHERE code = :code"
_UNITS_BY_KIND = "SELECT * FROM units WHERE kind = :kind ORDER BY id"
_UNITS_BY_KIND_PARENT = "SELECT * FROM units WHERE kind = :kind AND parent_id = :parent_id ORDER BY id"
_ALL_UNITS = "SELECT * FROM units ORDER BY id"
_ANCESTORS = """
WITH RECURSIVE up(id, depth) AS (
    SELECT parent_id, 1 FROM units WHERE id = :id AND parent_id IS NOT NULL
    UNION ALL
    SELECT u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL
)
SELECT units.* FROM up JOIN units ON units.id = up.id ORDER BY up.depth
"""
_DESCENDANT_IDS = """
WITH RECURSIVE down(id) AS (
    SELECT id FROM units WHERE id = :id
    UNION ALL
    SELECT u.id FROM units u JOIN down ON u.parent_id = down.id
)
SELECT id FROM down ORDER BY id
"""
_ALIASES_OF_UNIT = "SELECT alias FROM unit_aliases WHERE unit_id = :unit_id"
_DELETE_ALIAS = "DELETE FROM unit_aliases WHERE alias = :alias AND unit_id = :unit_id"
_ALIAS_OWNER = """
SELECT a.unit_id, u.code FROM unit_aliases a JOIN units u ON u.id = a.unit_id WHERE a.alias = :alias
"""
_INSERT_ALIAS = "INSERT INTO unit_aliases (alias, unit_id) VALUES (:alias, :unit_id)"
_ALIASES = """
SELECT a.alias, u.code, u.kind FROM unit_aliases a JOIN units u ON u.id = a.unit_id
UNION
SELECT name, code, kind FROM units
ORDER BY 1, 2
"""
_BOUNDARIES = "SELECT code, boundary FROM units WHERE boundary IS NOT NULL ORDER BY id"
_DEPARTMENTS_FOR_CATEGORY = per_engine("""
SELECT units.*, 0 AS rank FROM units, {owned}
 WHERE units.kind = 'department' AND c.value = :category
UNION ALL
SELECT units.*, 1 AS rank FROM units, {shared}
 WHERE units.kind = 'department' AND s.value = :category
ORDER BY rank, id
""", owned=json_texts("units.categories", "c"), shared=json_texts("units.shares", "s"))
_STAFF_COUNTS = "SELECT unit_id, count(*) AS n FROM staff WHERE active = 1 GROUP BY unit_id"

_UPSERT_STAFF = """
INSERT INTO staff (name, phone, role, unit_id, active) VALUES (:name, :phone, :role, :unit_id, 1)
ON CONFLICT (phone) DO UPDATE SET
    name = excluded.name, role = excluded.role, unit_id = excluded.unit_id, active = 1
"""
_STAFF_COLUMNS = """
SELECT s.*, u.code AS unit_code, u.name AS unit_name, u.kind AS unit_kind
  FROM staff s JOIN units u ON u.id = s.unit_id
"""
_STAFF = _STAFF_COLUMNS + " WHERE s.id = :id"
_STAFF_BY_CHAT = _STAFF_COLUMNS + " WHERE s.chat_id = :chat_id AND s.active = 1"
_STAFF_BY_PHONE = _STAFF_COLUMNS + " WHERE s.phone = :phone"
_STAFF_BY_NAME = _STAFF_COLUMNS + " WHERE s.name = :name ORDER BY s.id"
_STAFF_OF_UNIT = _STAFF_COLUMNS + " WHERE s.unit_id = :unit_id AND s.active = 1 ORDER BY s.id"
_STAFF_OF_UNIT_ROLE = _STAFF_COLUMNS + " WHERE s.unit_id = :unit_id AND s.role = :role AND s.active = 1 ORDER BY s.id"
_BIND = "UPDATE staff SET chat_id = :chat_id, bind_code = NULL, bind_expires = NULL WHERE id = :id"
_UNBIND = "UPDATE staff SET chat_id = NULL WHERE id = :id"
_SET_BIND_CODE = "UPDATE staff SET bind_code = :code, bind_expires = :expires WHERE id = :id"
_STAFF_BY_BIND_CODE = _STAFF_COLUMNS + """
 WHERE s.bind_code = :code AND s.bind_expires > :now AND s.active = 1 AND s.chat_id IS NULL
"""
_REDEEM = """
UPDATE staff SET chat_id = :chat_id, bind_code = NULL, bind_expires = NULL
 WHERE bind_code = :code AND bind_expires > :now AND active = 1 AND chat_id IS NULL
RETURNING id
"""
_STAFF_WITH_CODES = _STAFF_COLUMNS + """
 WHERE s.bind_code IS NOT NULL AND s.active = 1 AND s.chat_id IS NULL
   AND (CAST(:now AS TEXT) IS NULL OR s.bind_expires > :now)
 ORDER BY s.id
"""
_STAFF_NEEDING_CODES = _STAFF_COLUMNS + """
 WHERE s.active = 1 AND s.chat_id IS NULL AND (s.bind_code IS NULL OR s.bind_expires <= :now)
 ORDER BY s.id
"""


class AliasTaken(StorageConflict):
    """An alias already names a unit that this import does not touch."""

    def __init__(self, alias: str, owner_code: str):
        self.alias, self.owner_code = alias, owner_code
        super().__init__(f"alias {alias!r} already names unit {owner_code}")


def _unit(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    row["boundary"] = json.loads(row["boundary"]) if row.get("boundary") else None
    row["categories"] = json.loads(row.get("categories") or "[]")
    row["shares"] = json.loads(row.get("shares") or "[]")
    row.pop("rank", None)
    return row


# --- units ---------------------------------------------------------------------------------

async def upsert_unit(tx: Tx, *, code: str, name: str, kind: str, parent_id: int | None, area: str = "urban",
                      boundary: list | None = None, categories: Iterable[str] = (), shares: Iterable[str] = ()) -> int:
    """Insert or update the unit with this code; its id never changes. Returns the id."""
    await tx.execute(_UPSERT_UNIT, {
        "code": code, "name": name, "kind": kind, "parent_id": parent_id, "area": area,
        "boundary": json.dumps(boundary) if boundary else None,
        "categories": json.dumps(list(categories), ensure_ascii=False),
        "shares": json.dumps(list(shares), ensure_ascii=False),
    })
    return await tx.scalar(_UNIT_ID_BY_CODE, {"code": code})


async def set_aliases(tx: Tx, wanted: dict[int, Iterable[str]]) -> None:
    """Make each given unit's aliases exactly the wanted ones; raise AliasTaken if another unit has one.

    Two passes, so an alias may move between two units of the same import."""
    wanted = {unit_id: set(words) for unit_id, words in wanted.items()}
    for unit_id, words in wanted.items():
        for row in await tx.all(_ALIASES_OF_UNIT, {"unit_id": unit_id}):
            if row["alias"] not in words:
                await tx.execute(_DELETE_ALIAS, {"alias": row["alias"], "unit_id": unit_id})
    for unit_id, words in wanted.items():
        for alias in sorted(words):
            owner = await tx.one(_ALIAS_OWNER, {"alias": alias})
            if owner is None:
                await tx.execute(_INSERT_ALIAS, {"alias": alias, "unit_id": unit_id})
            elif owner["unit_id"] != unit_id:
                raise AliasTaken(alias, owner["code"])


async def unit(tx: Tx, unit_id: int) -> dict[str, Any] | None:
    return _unit(await tx.one(_UNIT, {"id": unit_id}))


async def unit_by_code(tx: Tx, code: str) -> dict[str, Any] | None:
    return _unit(await tx.one(_UNIT_BY_CODE, {"code": code}))


async def units_by_kind(tx: Tx, kind: str, parent_id: int | None = None) -> list[dict[str, Any]]:
    if parent_id is None:
        rows = await tx.all(_UNITS_BY_KIND, {"kind": kind})
    else:
        rows = await tx.all(_UNITS_BY_KIND_PARENT, {"kind": kind, "parent_id": parent_id})
    return [_unit(r) for r in rows]


async def all_units(tx: Tx) -> list[dict[str, Any]]:
    return [_unit(r) for r in await tx.all(_ALL_UNITS)]


async def ancestors(tx: Tx, unit_id: int) -> list[dict[str, Any]]:
    """Parents of the unit, nearest first, not including the unit itself."""
    return [_unit(r) for r in await tx.all(_ANCESTORS, {"id": unit_id})]


async def descendant_ids(tx: Tx, unit_id: int) -> list[int]:
    """The unit and everything under it."""
    return [r["id"] for r in await tx.all(_DESCENDANT_IDS, {"id": unit_id})]


async def aliases(tx: Tx) -> list[tuple[str, str]]:
    """(alias, unit_code) pairs, unit names included."""
    return [(r["alias"], r["code"]) for r in await tx.all(_ALIASES)]


async def aliases_with_kind(tx: Tx) -> list[tuple[str, str, str]]:
    """(alias, unit_code, unit kind) of every unit, unit names included."""
    return [(r["alias"], r["code"], r["kind"]) for r in await tx.all(_ALIASES)]


async def boundaries(tx: Tx) -> dict[str, list]:
    """unit_code → polygon [[lon, lat], ...], for units that have one."""
    return {r["code"]: json.loads(r["boundary"]) for r in await tx.all(_BOUNDARIES)}


async def departments_for_category(tx: Tx, category: str) -> list[dict[str, Any]]:
    """Departments for a category: the owner first, then those that share it."""
    return [_unit(r) for r in await tx.all(_DEPARTMENTS_FOR_CATEGORY, {"category": category})]


async def department_for_category(tx: Tx, category: str) -> dict[str, Any] | None:
    """The department that owns a category (orders of it route there), or None."""
    found = await departments_for_category(tx, category)
    return found[0] if found and category in found[0]["categories"] else None


async def staff_counts(tx: Tx) -> dict[int, int]:
    """unit_id → number of active staff."""
    return {r["unit_id"]: r["n"] for r in await tx.all(_STAFF_COUNTS)}


# --- staff ---------------------------------------------------------------------------------

async def upsert_staff(tx: Tx, *, name: str, phone: str, role: str, unit_id: int) -> int:
    """Insert or update by phone (name, role, unit; reactivated); a chat binding is kept. Returns the id."""
    await tx.execute(_UPSERT_STAFF, {"name": name, "phone": phone, "role": role, "unit_id": unit_id})
    return (await tx.one(_STAFF_BY_PHONE, {"phone": phone}))["id"]


async def staff(tx: Tx, staff_id: int) -> dict[str, Any] | None:
    return await tx.one(_STAFF, {"id": staff_id})


async def staff_by_chat(tx: Tx, chat_id: int) -> dict[str, Any] | None:
    return await tx.one(_STAFF_BY_CHAT, {"chat_id": chat_id})


async def staff_by_phone(tx: Tx, phone: str) -> dict[str, Any] | None:
    return await tx.one(_STAFF_BY_PHONE, {"phone": phone})


async def staff_by_name(tx: Tx, name: str) -> list[dict[str, Any]]:
    return await tx.all(_STAFF_BY_NAME, {"name": name})


async def staff_of_unit(tx: Tx, unit_id: int, role: str | None = None) -> list[dict[str, Any]]:
    """Active staff of one unit, optionally of one role."""
    if role is None:
        return await tx.all(_STAFF_OF_UNIT, {"unit_id": unit_id})
    return await tx.all(_STAFF_OF_UNIT_ROLE, {"unit_id": unit_id, "role": role})


async def bind_staff(tx: Tx, staff_id: int, chat_id: int) -> None:
    """Link a chat account to the staff member and use up the bind code."""
    try:
        await tx.execute(_BIND, {"id": staff_id, "chat_id": chat_id})
    except INTEGRITY_ERRORS as exc:
        raise StorageConflict(f"chat {chat_id} is already bound to another staff member") from exc


async def unbind_staff(tx: Tx, staff_id: int) -> None:
    await tx.execute(_UNBIND, {"id": staff_id})


async def set_bind_code(tx: Tx, staff_id: int, code: str, expires_iso: str) -> None:
    await tx.execute(_SET_BIND_CODE, {"id": staff_id, "code": code, "expires": expires_iso})


async def staff_by_bind_code(tx: Tx, code: str, now_iso: str) -> dict[str, Any] | None:
    """The unbound, active staff member whose code this is, if it has not expired at `now_iso`."""
    return await tx.one(_STAFF_BY_BIND_CODE, {"code": code, "now": now_iso})


async def redeem_bind_code(tx: Tx, code: str, chat_id: int, now_iso: str) -> dict[str, Any] | None:
    """Bind the chat with a valid code, once: compare-and-set; None if the code is unknown, used or expired."""
    try:
        rows = await tx.all(_REDEEM, {"code": code, "chat_id": chat_id, "now": now_iso})
    except INTEGRITY_ERRORS as exc:
        raise StorageConflict(f"chat {chat_id} is already bound to another staff member") from exc
    return await staff(tx, rows[0]["id"]) if rows else None


async def staff_with_codes(tx: Tx, now_iso: str | None = None) -> list[dict[str, Any]]:
    """Unbound active staff holding a bind code; only codes still valid at `now_iso` if given."""
    return await tx.all(_STAFF_WITH_CODES, {"now": now_iso})


async def staff_needing_codes(tx: Tx, now_iso: str) -> list[dict[str, Any]]:
    """Active staff with no chat account and no code valid at `now_iso`."""
    return await tx.all(_STAFF_NEEDING_CODES, {"now": now_iso})


_BOUND_SUPERVISORS = """
SELECT id, chat_id, unit_id FROM staff WHERE role = 'supervisor' AND active = 1 AND chat_id IS NOT NULL ORDER BY id
"""


async def bound_supervisors(tx: Tx) -> list[dict[str, Any]]:
    """Supervisors who can receive messages (the briefing goes to each, for their own unit)."""
    return await tx.all(_BOUND_SUPERVISORS)
