import asyncio

import pytest

from storage.db import Database


async def test_migrations_set_user_version_and_are_idempotent(tmp_path):
    db = await Database.open(tmp_path / "g.db")
    async with db.read() as tx:
        assert await tx.scalar("PRAGMA user_version") >= 1
        assert await tx.scalar("PRAGMA journal_mode") == "wal"
        assert await tx.scalar("PRAGMA foreign_keys") == 1
    await db.close()
    db = await Database.open(tmp_path / "g.db")  # reopening applies nothing twice
    await db.close()


async def test_transaction_rolls_back_unless_finished(tmp_path):
    db = await Database.open(tmp_path / "g.db")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO kv(key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")
    async with db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM kv") == 0
    await db.close()


async def test_concurrent_transactions_do_not_interleave(tmp_path):
    db = await Database.open(tmp_path / "g.db")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO counters(name, value) VALUES ('n', 0)")

    async def bump():
        async with db.transaction() as tx:
            value = await tx.scalar("SELECT value FROM counters WHERE name = 'n'")
            await asyncio.sleep(0)
            await tx.execute("UPDATE counters SET value = :v WHERE name = 'n'", {"v": value + 1})

    await asyncio.gather(*(bump() for _ in range(50)))
    async with db.read() as tx:
        assert await tx.scalar("SELECT value FROM counters WHERE name = 'n'") == 50
    await db.close()


async def test_history_is_append_only(tmp_path):
    import sqlite3
    db = await Database.open(tmp_path / "g.db")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO tickets(number, text, category, state, created_at, updated_at) "
                         "VALUES ('T1', 'x', 'other', 'pending', 't', 't')")
        await tx.execute("INSERT INTO ticket_events(ticket_id, at, action, actor_kind) VALUES (1, 't', 'submit', 'system')")
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE ticket_events SET note = 'changed'")
    await db.close()
