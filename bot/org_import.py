"""Org administration use cases: import the org tree and staff roster, bind codes, unbinding.

An import runs in ONE transaction: a bad file, an alias taken by a unit outside the file or an
unknown unit in the roster leaves the database exactly as it was.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock, iso
from bot.config import Config
from bot.orgfile import OrgFileError, OrgTree, load_org, load_roster, resolve_roster
from storage import org as store
from storage.db import Database, Tx

# No look-alikes (0/O, 1/I/L): 31 symbols, 12 of them ≈ 59 bits, not guessable within rate limits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


class OrgAdminError(Exception):
    """An admin request cannot be done (unknown or ambiguous person …); the message says why."""


@dataclass(frozen=True)
class IssuedCode:
    staff_id: int
    name: str
    phone: str
    role: str
    unit_code: str
    unit_name: str
    code: str
    expires: str                    # ISO-8601 UTC


@dataclass
class ImportResult:
    units_added: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    aliases: int = 0
    staff_added: int = 0
    staff_updated: int = 0
    staff_unchanged: int = 0
    codes: list[IssuedCode] = field(default_factory=list)


def new_bind_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _issued(person: dict, code: str, expires: str) -> IssuedCode:
    return IssuedCode(person["id"], person["name"], person["phone"], person["role"],
                      person["unit_code"], person["unit_name"], code, expires)


async def issue_code(tx: Tx, person: dict, now: datetime, ttl: timedelta) -> IssuedCode:
    code, expires = new_bind_code(), iso(now + ttl)
    await store.set_bind_code(tx, person["id"], code, expires)
    return _issued(person, code, expires)


async def issue_missing_codes(tx: Tx, now: datetime, ttl: timedelta) -> list[IssuedCode]:
    """A fresh single-use code for every active, unbound staff member without a valid one."""
    return [await issue_code(tx, person, now, ttl) for person in await store.staff_needing_codes(tx, iso(now))]


_UNIT_FIELDS = ("name", "kind", "parent_id", "area", "boundary", "categories", "shares")


async def _import_tree(tx: Tx, tree: OrgTree, result: ImportResult) -> None:
    ids: dict[str, int] = {}
    for spec in tree.units:
        before = await store.unit_by_code(tx, spec.code)
        fields = {
            "name": spec.name, "kind": spec.kind, "parent_id": ids.get(spec.parent_code) if spec.parent_code else None,
            "area": spec.area, "boundary": [list(p) for p in spec.boundary] if spec.boundary else None,
            "categories": list(spec.categories), "shares": list(spec.shares),
        }
        ids[spec.code] = await store.upsert_unit(tx, code=spec.code, **fields)
        if before is None:
            result.units_added += 1
        elif any(before[k] != fields[k] for k in _UNIT_FIELDS):
            result.units_updated += 1
        else:
            result.units_unchanged += 1
    try:
        await store.set_aliases(tx, {ids[s.code]: s.aliases for s in tree.units})
    except store.AliasTaken as exc:
        spec = next(s for s in tree.units if exc.alias in s.aliases)
        raise OrgFileError(tree.source, spec.line, f"alias {exc.alias!r} of {spec.code} already names unit "
                                                   f"{exc.owner_code}, which this file does not contain") from exc
    result.aliases = sum(len(s.aliases) for s in tree.units)


async def _import_roster(tx: Tx, path: Path, tree: OrgTree | None, result: ImportResult) -> None:
    rows = load_roster(path)
    units = {u["code"]: (u["name"], u["kind"]) for u in await store.all_units(tx)}
    for spec in tree.units if tree else ():
        units[spec.code] = (spec.name, spec.kind)
    for row, code in resolve_roster(path, rows, units):
        unit_id = (await store.unit_by_code(tx, code))["id"]
        before = await store.staff_by_phone(tx, row.phone)
        await store.upsert_staff(tx, name=row.name, phone=row.phone, role=row.role, unit_id=unit_id)
        if before is None:
            result.staff_added += 1
        elif (before["name"], before["role"], before["unit_id"], before["active"]) != (row.name, row.role, unit_id, 1):
            result.staff_updated += 1
        else:
            result.staff_unchanged += 1


async def import_org(db: Database, org_path: str | Path | None = None, roster_path: str | Path | None = None, *,
                     clock: Clock, config: Config) -> ImportResult:
    """Load an org file and/or a roster (the org file's own `roster:` if none given), then issue bind codes.

    Units and staff are upserted by code and phone; units and staff missing from the files are left as they
    are (nothing is deleted or deactivated by an import)."""
    if org_path is None and roster_path is None:
        raise ValueError("import_org needs an org file, a roster, or both")
    tree = load_org(org_path) if org_path is not None else None
    roster = Path(roster_path) if roster_path is not None else (tree.roster if tree else None)
    if roster is not None and not roster.exists():
        raise OrgFileError(roster, None, "roster file not found")
    result = ImportResult()
    async with db.transaction() as tx:
        if tree is not None:
            await _import_tree(tx, tree, result)
        if roster is not None:
            await _import_roster(tx, roster, tree, result)
        result.codes = await issue_missing_codes(tx, clock.now(), config.bind_code_ttl)
    return result


async def outstanding_codes(db: Database, *, clock: Clock) -> list[IssuedCode]:
    """Codes still valid now, for staff not yet bound."""
    async with db.read() as tx:
        rows = await store.staff_with_codes(tx, iso(clock.now()))
    return [_issued(r, r["bind_code"], r["bind_expires"]) for r in rows]


async def find_staff(tx: Tx, who: str) -> dict:
    """One staff member by phone or by exact name; OrgAdminError if none or several."""
    person = await store.staff_by_phone(tx, who.strip())
    if person is not None:
        return person
    found = await store.staff_by_name(tx, who.strip())
    if not found:
        raise OrgAdminError(f"no staff member with phone or name {who!r}")
    if len(found) > 1:
        phones = ", ".join(p["phone"] for p in found)
        raise OrgAdminError(f"{len(found)} staff members are called {who!r} ({phones}); give the phone")
    return found[0]


async def unbind(db: Database, who: str, *, clock: Clock, config: Config) -> tuple[dict, IssuedCode]:
    """End a staff member's chat binding and issue a fresh bind code. Returns (the person before, the code)."""
    async with db.transaction() as tx:
        person = await find_staff(tx, who)
        await store.unbind_staff(tx, person["id"])
        code = await issue_code(tx, person, clock.now(), config.bind_code_ttl)
    return person, code


async def org_overview(db: Database) -> list[tuple[int, dict, int]]:
    """(depth, unit, active staff count) in tree order, departments before streets."""
    async with db.read() as tx:
        units = await store.all_units(tx)
        counts = await store.staff_counts(tx)
    children: dict[int | None, list[dict]] = {}
    for u in units:
        children.setdefault(u["parent_id"], []).append(u)
    order = {"department": 0, "street": 1, "community": 2, "grid": 3, "district": 4}
    out: list[tuple[int, dict, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for u in sorted(children.get(parent_id, []), key=lambda u: (order[u["kind"]], u["id"])):
            out.append((depth, u, counts.get(u["id"], 0)))
            walk(u["id"], depth + 1)

    walk(None, 0)
    return out
