"""The SQLite database: one connection, one writer at a time, numbered migrations.

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
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import aiosqlite


class StorageError(Exception):
    """Something went wrong in the storage layer."""


class StorageConflict(StorageError):
    """A compare-and-set update matched no row: someone else changed it first."""


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and not name.endswith(".postgres.sql") and name[:3].isdigit():  # not PostgreSQL's own
            found.append((int(name[:3]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """An open GridBot database. Use `transaction()` for writes and `read()` for reads."""

    def __init__(self, conn: aiosqlite.Connection, path: str):
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> "Database":
        path = str(path)
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
            for number, script in _migrations():
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


class Tx:
    """Thin helpers over the connection, valid inside `transaction()` or `read()`."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def execute(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        await self.conn.executemany(sql, rows)

    # Reads use execute_fetchall: one hop to aiosqlite's thread instead of two (execute, then fetch).

    async def one(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return dict(rows[0]) if rows else None

    async def all(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.execute_fetchall(sql, params)]

    async def scalar(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> Any:
        rows = await self.conn.execute_fetchall(sql, params)
        return rows[0][0] if rows else None

    async def insert(self, sql: str, params: dict[str, Any] | Iterable[Any] = ()) -> int:
        cursor = await self.conn.execute(sql, params)
        return cursor.lastrowid
