"""The PostgreSQL engine: psycopg 3's async connections from a psycopg-pool pool, same interface as SQLite's.

psycopg 3 is the maintained driver with native asyncio (no thread per connection, unlike aiosqlite)
and a pool of its own. Transactions run at READ COMMITTED: a compare-and-set's UPDATE … WHERE version
= :v waits for a concurrent writer of the row and then re-checks, so it fails rather than overwrites;
where a read decides a write (claims, leases) the SQL locks the rows it reads (FOR UPDATE, SKIP
LOCKED) or is a single upsert. `read()` is a REPEATABLE READ, READ ONLY transaction: one snapshot for
all its statements, as SQLite's read under the lock gives.

The repositories' `:name` parameters become psycopg's `%(name)s` here (not inside quotes, not a
`::cast`), and a literal `%` becomes `%%`.
"""
from __future__ import annotations

import re
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, AsyncIterator, Iterable

import psycopg
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from storage.db import PerEngine, Sql, StorageError, migrations

MIGRATION_LOCK = 0x6772696462   # "gridb": the advisory lock key held while migrating

# A quoted string or identifier, a `::` cast, a `:name` parameter, or a lone `%`.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|(?<![:\w]):([A-Za-z_]\w*)|%")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """`:name` → `%(name)s`, `%` → `%%` (in literals too: psycopg reads every % of a query with parameters)."""
    def one(match: re.Match) -> str:
        token = match.group(0)
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        if token.startswith("'"):
            return token.replace("%", "%%")
        return token
    return _TOKENS.sub(one, sql)


def _text(sql: Sql, params) -> str:
    """The query as psycopg takes it; without parameters psycopg reads no `%`, so nothing is translated."""
    text = sql.postgres if isinstance(sql, PerEngine) else sql
    return translate(text) if params else text


class _NumericLoader(Loader):
    """sum() and avg() give numeric: read whole numbers as int and the rest as float, as SQLite does."""

    def load(self, data) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


async def _configure(conn: psycopg.AsyncConnection) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)


class PostgresDatabase:
    engine = "postgres"

    def __init__(self, pool: AsyncConnectionPool, url: str):
        self._pool = pool
        self.path = url

    @classmethod
    async def open(cls, url: str, pool_size: int = 10) -> "PostgresDatabase":
        pool = AsyncConnectionPool(url, min_size=1, max_size=max(2, pool_size), open=False,
                                   kwargs={"autocommit": True, "row_factory": dict_row}, configure=_configure)
        try:
            await pool.open(wait=True, timeout=15)
        except psycopg.Error as exc:
            await pool.close()
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        db = cls(pool, url)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        """Each pending migration in its own transaction, its number recorded in schema_version in the
        same transaction. Several processes starting at once take turns (a session advisory lock)."""
        async with self._pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                                   "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                row = await (await conn.execute("SELECT coalesce(max(version), 0) AS v FROM schema_version")).fetchone()
                version = row["v"]
                for number, script in migrations("postgres"):
                    if number <= version:
                        continue
                    try:
                        async with conn.transaction():
                            await conn.execute(_strip_sqlite_frame(script))
                            await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
                    except psycopg.Error as exc:
                        raise StorageError(f"migration {number:03d} failed: {exc}") from exc
                    version = number
                return version
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["PgTx"]:
        """BEGIN (READ COMMITTED) … COMMIT; rolls back unless the block finishes."""
        async with self._pool.connection() as conn:
            async with conn.transaction():
                yield PgTx(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator["PgTx"]:
        """One snapshot for the whole read."""
        async with self._pool.connection() as conn:
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield PgTx(conn)


def _strip_sqlite_frame(script: str) -> str:
    """A migration in the common subset: drop its BEGIN/COMMIT and PRAGMA lines (the runner frames it)."""
    keep = [line for line in script.splitlines()
            if line.strip().rstrip(";").upper() not in ("BEGIN", "COMMIT") and not line.strip().upper().startswith("PRAGMA")]
    return "\n".join(keep)


class PgTx:
    """The same helpers as storage.db.Tx, over a psycopg connection inside a transaction."""
    engine = "postgres"

    def __init__(self, conn: psycopg.AsyncConnection):
        self.conn = conn

    async def execute(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> psycopg.AsyncCursor:
        return await self.conn.execute(_text(sql, params), params or None)

    async def executemany(self, sql: Sql, rows: Iterable[Any]) -> None:
        rows = list(rows)
        if rows:
            async with self.conn.cursor() as cur:
                await cur.executemany(_text(sql, rows[0]), rows)

    async def one(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> dict[str, Any] | None:
        cur = await self.conn.execute(_text(sql, params), params or None)
        return await cur.fetchone()

    async def all(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = await self.conn.execute(_text(sql, params), params or None)
        return await cur.fetchall()

    async def scalar(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return next(iter(row.values())) if row else None

    async def insert(self, sql: Sql, params: dict[str, Any] | Iterable[Any] = ()) -> int:
        """Runs an INSERT and returns the new row's id (RETURNING id added unless the SQL returns)."""
        text = _text(sql, params)
        if "RETURNING" not in text.upper():
            text = text.rstrip().rstrip(";") + " RETURNING id"
        cur = await self.conn.execute(text, params or None)
        row = await cur.fetchone()
        return next(iter(row.values()))
