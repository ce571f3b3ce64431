"""Org administration use cases: import the org tree and staff roster, bind codes, unbinding.

An import runs in ONE transaction: a bad file, an alias taken by a unit outside the file, a bad
roster row (every one is reported), or a row that would hand a bound person's phone to another
name or move a bound person (unless --update) leaves the database exactly as it was. A --check
runs the same import and rolls it back, so what it reports is exactly what the import would do.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock, iso
from bot.config import Config
from bot.orgfile import OrgFileError, OrgTree, RowProblem, check_roster, load_org
from bot.services import coordination
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
    changes: list["StaffChange"] = field(default_factory=list)     # one per good roster row, in file order
    problems: list[RowProblem] = field(default_factory=list)       # bad rows (nothing is written)
    applied: bool = True                                           # False: a --check, rolled back

    @property
    def refused(self) -> list["StaffChange"]:
        """Rows that need --update (nothing is written while there are any)."""
        return [c for c in self.changes if c.needs_update]


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


@dataclass(frozen=True)
class StaffChange:
    """What importing one roster row does (or would do) to the staff table."""
    line: int
    kind: str                       # "new" | "changed" | "moved" | "renamed" | "unchanged"
    name: str
    phone: str
    role: str
    unit_name: str
    before: dict | None = None      # the person holding this phone now: name, role, unit_name, bound
    namesake: dict | None = None    # another person already called `name` (a different phone)
    unbinds: bool = False           # the row ends a chat binding (the phone's holder was someone else)
    needs_update: str = ""          # why this row is refused without --update (Chinese); empty: safe


class ImportRefused(OrgAdminError):
    """Bad rows, or rows that would rename or move a bound person without --update: nothing was written."""

    def __init__(self, result: "ImportResult"):
        self.result = result
        super().__init__(f"{len(result.problems)} 行有误，{len(result.refused)} 行需 --update 确认；未导入")


class _CheckOnly(Exception):
    """Raised inside the import transaction by --check so that it rolls back."""


def _person(p: dict) -> dict:
    return {"name": p["name"], "phone": p["phone"], "role": p["role"], "unit_name": p["unit_name"],
            "bound": p["chat_id"] is not None, "active": bool(p["active"])}


async def _plan_row(tx: Tx, row, unit: dict, update: bool) -> StaffChange:
    holder = await store.staff_by_phone(tx, row.phone)
    namesakes = [p for p in await store.staff_by_name(tx, row.name) if p["phone"] != row.phone]
    namesake = _person(namesakes[0]) if namesakes else None
    base = dict(line=row.line, name=row.name, phone=row.phone, role=row.role, unit_name=unit["name"],
                namesake=namesake)
    if holder is None:
        return StaffChange(kind="new", **base)
    before = _person(holder)
    bound = before["bound"]
    if holder["name"] != row.name:
        why = (f"手机号 {row.phone} 已属于 {holder['name']}（{holder['unit_name']}"
               f"{'，已绑定聊天账号' if bound else ''}），本行却是 {row.name}")
        if namesake:
            why += f"；{row.name} 另有记录（手机 {namesake['phone']}，{namesake['unit_name']}）"
        return StaffChange(kind="renamed", before=before, unbinds=bound, needs_update="" if update else why, **base)
    moved = holder["unit_id"] != unit["id"]
    if (holder["role"], holder["active"]) != (row.role, 1) or moved:
        why = ""
        if moved and bound and not update:
            why = f"{row.name}（{row.phone}）已绑定聊天账号，将从 {holder['unit_name']} 调到 {unit['name']}"
        return StaffChange(kind="moved" if moved else "changed", before=before, needs_update=why, **base)
    return StaffChange(kind="unchanged", before=before, **base)


async def _import_roster(tx: Tx, path: Path, tree: OrgTree | None, result: ImportResult, update: bool) -> None:
    units = {u["code"]: (u["name"], u["kind"]) for u in await store.all_units(tx)}
    for spec in tree.units if tree else ():
        units[spec.code] = (spec.name, spec.kind)
    resolved, result.problems = check_roster(path, units)
    for row, code in resolved:
        unit = await store.unit_by_code(tx, code)
        change = await _plan_row(tx, row, unit, update)
        result.changes.append(change)
        if change.needs_update:
            continue
        staff_id = await store.upsert_staff(tx, name=row.name, phone=row.phone, role=row.role, unit_id=unit["id"])
        if change.unbinds:
            await store.unbind_staff(tx, staff_id)
        if change.kind == "new":
            result.staff_added += 1
        elif change.kind == "unchanged":
            result.staff_unchanged += 1
        else:
            result.staff_updated += 1


async def import_org(db: Database, org_path: str | Path | None = None, roster_path: str | Path | None = None, *,
                     clock: Clock, config: Config, update: bool = False, check: bool = False) -> ImportResult:
    """Load an org file and/or a roster (the org file's own `roster:` if none given), then issue bind codes.

    Units and staff are upserted by code and phone; units and staff missing from the files are left as they
    are (nothing is deleted or deactivated by an import). A roster with bad rows, or with rows that would
    give a bound person's phone to another name or move a bound person (unless `update`), raises
    ImportRefused and writes nothing. With `check`, the import is worked out in full and rolled back: the
    result says what would change (result.applied is False) and nothing is raised for bad rows."""
    if org_path is None and roster_path is None:
        raise ValueError("import_org needs an org file, a roster, or both")
    tree = load_org(org_path) if org_path is not None else None
    roster = Path(roster_path) if roster_path is not None else (tree.roster if tree else None)
    if roster is not None and not roster.exists():
        raise OrgFileError(roster, None, "找不到名册文件")
    result = ImportResult()
    try:
        async with db.transaction() as tx:
            if tree is not None:
                await _import_tree(tx, tree, result)
                await coordination.org_changed(tx, iso(clock.now()))
            if roster is not None:
                await _import_roster(tx, roster, tree, result, update)
            result.codes = await issue_missing_codes(tx, clock.now(), config.bind_code_ttl)
            if check:
                raise _CheckOnly
            if result.problems or result.refused:
                raise ImportRefused(result)
    except _CheckOnly:
        result.applied = False
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
