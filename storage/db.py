"""The database: SQLite (embedded, the default) or PostgreSQL (storage/postgres.py), one interface.

`Database.open(target)` takes a file path (SQLite; ":memory:" too) or a postgresql:// URL. Both give
`transaction()` (writes, all or nothing) and `read()` (a consistent read), whose `Tx` has execute,
executemany, one, all, scalar and insert (returns the new row's id) and `engine` ("sqlite"/"postgres").

SQL is written once, with `:name` parameters, where the engines agree; where they differ a query is
`PerEngine(sqlite=..., postgres=...)` and the Tx picks its own. Times are ISO-8601 UTC text on both
engines (fixed width, so text order is time order and every comparison means the same on both).

Migrations: storage/migrations/NNN_name.sql, applied in order, each in its own transaction. SQLite
runs the file as a script (it has its own BEGIN … PRAGMA user_version = N; COMMIT). PostgreSQL runs
the sibling NNN_name.postgres.sql when there is one, else NNN_name.sql itself (so a migration written
in the common subset needs no sibling): without BEGIN/COMMIT/PRAGMA lines, the runner wraps it in a
transaction and records N in the schema_version table.

Exceptions raised here:
    StorageError            base class
     └── StorageConflict    a compare-and-set lost (the row changed under us)

aiosqlite runs one thread per connection, so coroutines sharing the connection would interleave
inside each other's transactions; a lock held for the whole transaction (and for reads, which
must not see another coroutine's uncommitted writes) keeps them apart.
"""
from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import aiosqlite


class StorageError(Exception):
    """Something went wrong in the storage layer."""


class StorageConflict(StorageError):
    """A compare-and-set update matched no row: someone else changed it first."""


@dataclass(frozen=True)
class PerEngine:
    """One query written for each engine, where their SQL differs."""
    sqlite: str
    postgres: str

    def of(self, engine: str) -> str:
        return self.postgres if engine == "postgres" else self.sqlite


def per_engine(template: str, **fragments: PerEngine) -> PerEngine:
    """A query common but for a few fragments: `{name}` in the template becomes each engine's text."""
    sqlite, postgres = template, template
    for name, fragment in fragments.items():
        sqlite = sqlite.replace("{" + name + "}", fragment.sqlite)
        postgres = postgres.replace("{" + name + "}", fragment.postgres)
    return PerEngine(sqlite, postgres)


def id_list(param: str) -> PerEngine:
    """A subquery of the ids in a JSON list parameter ("[1, 2]"), for `x IN (…)`."""
    return PerEngine(f"SELECT value FROM json_each(:{param})",
                     f"SELECT value::bigint FROM json_array_elements_text(CAST(:{param} AS json))")


def json_texts(column: str, alias: str) -> PerEngine:
    """A JSON list column as rows of `alias.value` (text), for a FROM clause."""
    return PerEngine(f"json_each({column}) {alias}",
                     f"json_array_elements_text(CAST({column} AS json)) {alias}(value)")


def _integrity_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:
        return (sqlite3.IntegrityError,)
    return (sqlite3.IntegrityError, psycopg.IntegrityError)


# A unique or foreign key constraint refused a write, on either engine.
INTEGRITY_ERRORS = _integrity_errors()


def is_postgres_url(target: str) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def migrations(engine: str = "sqlite") -> list[tuple[int, str]]:
    """(number, script) in order; on PostgreSQL a NNN_name.postgres.sql sibling replaces NNN_name.sql."""
    folder = resources.files("storage") / "migrations"
    found: dict[int, tuple[bool, str]] = {}
    for entry in folder.iterdir():
        name = entry.name
        if not (name.endswith(".sql") and name[:3].isdigit()):
            continue
        special = name.endswith(".postgres.sql")
        if special and engine != "postgres":
            continue
        number = int(name[:3])
        if number not in found or special:
            found[number] = (special, entry.read_text(encoding="utf-8"))
    return sorted((number, script) for number, (_, script) in found.items())


class Database:
    """An open GridBot database. Use `transaction()` for writes and `read()` for reads.

    This class is the SQLite engine; `open` with a postgresql:// URL returns a PostgresDatabase."""
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str | Path, pool_size: int = 10) -> "Database":
        path = str(path)
        if is_postgres_url(path):
            from storage.postgres import PostgresDatabase
            return await PostgresDatabase.open(path, pool_size=pool_size)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        db = cls(conn, path)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        """Apply each pending numbered migration in its own transaction; return the version."""
        async with self._lock:
            (version,) = await (await self._conn.execute("PRAGMA user_version")).fetchone()
            for number, script in migrations():
                if number > version:
                    try:
                        await self._conn.executescript(script)
                    except sqlite3.Error as exc:
                        if self._conn.in_transaction:
                            await self._conn.rollback()
                        raise StorageError(f"migration {number:03d} failed: {exc}") from exc
                    version = number
            return version

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["Tx"]:
        """BEGIN IMMEDIATE … COMMIT; rolls back unless the block finishes."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                await self._conn.rollback()
                raise
            else:
                await self._conn.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator["Tx"]:
        """A consistent read: no other coroutine's transaction is half done meanwhile."""
        async with self._lock:
            yield Tx(self._conn)


Sql = str | PerEngine


def _text(sql: str | PerEngine) -> str:
    return sql if isinstance(sql, str) else sql.sqlite


class Tx:
    """Thin helpers over the connection, valid inside `transaction()` or `read()`."""
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def execute(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(_text(sql), params)

    async def executemany(self, sql: Sql, rows: Iterable[Any]) -> None:
        await self.conn.executemany(_text(sql), rows)

    # Reads use execute_fetchall: one hop to aiosqlite's thread instead of two (execute, then fetch).

    async def one(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = await self.conn.execute_fetchall(_text(sql), params)
        return dict(rows[0]) if rows else None

    async def all(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.execute_fetchall(_text(sql), params)]

    async def scalar(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> Any:
        rows = await self.conn.execute_fetchall(_text(sql), params)
        return rows[0][0] if rows else None

    async def insert(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> int:
        cursor = await self.conn.execute(_text(sql), params)
        return cursor.lastrowid
