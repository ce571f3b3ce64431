"""Several processes on one database, each played by its own Database handle (its own connections):
the scheduler lease, outbox claims, and caches that learn of another process's org import."""
from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta

from bot.clock import iso
from bot.demo import demo_org_path
from bot.org_import import import_org
from bot.services import coordination
from bot.services import outbox as outbox_service
from storage import leases, outbox
from storage.db import Database

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines


async def test_one_lease_holder_and_a_bounded_takeover(deps, database, clock):
    other = await Database.open(database)
    ttl = deps.config.lease_ttl
    assert await coordination.hold(deps)
    async with other.transaction() as tx:                      # a second process, same moment: refused
        assert not await leases.take(tx, "scheduler", "other", iso(clock.now()), iso(clock.now() + ttl))
    clock.advance(seconds=ttl.total_seconds() / 3)
    assert await coordination.hold(deps)                      # renewed
    clock.advance(seconds=ttl.total_seconds() - 1)
    async with other.transaction() as tx:                      # still within the renewed lease
        assert not await leases.take(tx, "scheduler", "other", iso(clock.now()), iso(clock.now() + ttl))
    clock.advance(seconds=2)                                   # the holder died: its lease ran out
    async with other.transaction() as tx:
        assert await leases.take(tx, "scheduler", "other", iso(clock.now()), iso(clock.now() + ttl))
    assert not await coordination.hold(deps)                   # the old holder, back, does not run the jobs
    async with other.transaction() as tx:
        assert await leases.release(tx, "scheduler", "other")
    assert await coordination.hold(deps)                       # a clean stop hands over at once
    await other.close()


async def _fill(db: Database, chats: int, per_chat: int, now: str) -> None:
    async with db.transaction() as tx:
        for n in range(per_chat):
            for chat in range(chats):
                await outbox.enqueue(tx, 1000 + chat, "say", {"n": n}, now)


async def test_two_senders_never_hold_the_same_chat_and_each_chat_leaves_in_order(deps, database, clock):
    """Two senders claim and send concurrently until the outbox is empty: every row sent once, one
    chat's rows in order, and no chat's head held by both at a time."""
    chats, per_chat = 20, 5
    now = iso(clock.now())
    await _fill(deps.db, chats, per_chat, now)
    dbs = [deps.db, await Database.open(database)]
    sent: list[tuple[str, int, int]] = []                       # (sender, chat, n) in the order sent
    holding: dict[int, str] = {}

    async def sender(name: str, db: Database) -> None:
        idle = 0
        while idle < 3:
            async with db.transaction() as tx:
                rows = await outbox.claim_heads(tx, name, now, iso(clock.now() + timedelta(seconds=60)), limit=7)
            idle = 0 if rows else idle + 1
            for row in rows:
                assert holding.setdefault(row["chat_id"], name) == name, "a chat's head held by two senders"
                sent.append((name, row["chat_id"], row["payload"]["n"]))
                await asyncio.sleep(0)                          # the other sender runs meanwhile
                async with db.transaction() as tx:
                    await outbox.mark_sent_many(tx, [(row["id"], 1)], now)
                del holding[row["chat_id"]]
            await asyncio.sleep(0)

    await asyncio.gather(sender("a", dbs[0]), sender("b", dbs[1]))
    assert len(sent) == chats * per_chat                        # each row once
    for chat in range(chats):
        assert [n for _, c, n in sent if c == 1000 + chat] == list(range(per_chat))
    if deps.db.engine == "postgres":     # SQLite's second writer may wait on the first's lock throughout
        assert {name for name, _, _ in sent} == {"a", "b"}     # both did some of the work
    await dbs[1].close()


async def test_a_dead_senders_claims_lapse(deps, database, clock):
    await _fill(deps.db, 3, 1, iso(clock.now()))
    other = await Database.open(database)
    claimed = await outbox_service.due(deps, 10)               # this process claims all three ...
    assert len(claimed) == 3
    now, until = iso(clock.now()), iso(clock.now() + timedelta(seconds=60))
    async with other.transaction() as tx:
        assert await outbox.claim_heads(tx, "other", now, until) == []
    assert len(await outbox_service.due(deps, 10)) == 3       # ... and may claim its own again
    clock.advance(seconds=deps.config.outbox_claim_ttl.total_seconds() + 1)   # ... then dies
    now, until = iso(clock.now()), iso(clock.now() + timedelta(seconds=60))
    async with other.transaction() as tx:
        assert len(await outbox.claim_heads(tx, "other", now, until)) == 3
    await other.close()


async def test_caches_learn_of_another_processs_org_import_within_cache_ttl(deps, database, tmp_path, clock):
    source = demo_org_path()
    text = source.read_text(encoding="utf-8").replace("aliases: [人民东路62号院, 纺织厂家属院", "aliases: [新华小区, 人民东路62号院, 纺织厂家属院")
    (tmp_path / "org.yaml").write_text(text, encoding="utf-8")
    shutil.copy(source.parent / "staff.csv", tmp_path / "staff.csv")
    await coordination.refresh_caches(deps, force=True)
    assert deps.locator.locate("新华小区漏水") is None

    other = await Database.open(database)                     # another process imports the changed org file
    await import_org(other, tmp_path / "org.yaml", clock=clock, config=deps.config)
    await other.close()
    assert not await coordination.refresh_caches(deps)        # checked just now: not again before cache_ttl
    deps.cache_checked -= deps.config.cache_ttl.total_seconds()
    assert await coordination.refresh_caches(deps)
    assert deps.locator.locate("新华小区漏水").unit_code == deps.locator.locate("人民东路62号院漏水").unit_code
    assert not await coordination.refresh_caches(deps, force=False)   # nothing new since


async def test_a_clean_stop_releases_its_claims(deps, database, clock):
    await _fill(deps.db, 2, 1, iso(clock.now()))
    assert len(await outbox_service.due(deps, 10)) == 2
    other = await Database.open(database)
    now, until = iso(clock.now()), iso(clock.now() + timedelta(seconds=60))
    async with other.transaction() as tx:
        assert await outbox.claim_heads(tx, "other", now, until) == []
    assert await outbox_service.release(deps) == 2
    async with other.transaction() as tx:
        assert len(await outbox.claim_heads(tx, "other", now, until)) == 2
    await other.close()


async def test_the_sweep_runs_in_the_lease_holder_only_and_moves_when_it_dies(deps, clock):
    from bot.app import build_deps
    from handlers import jobs
    from storage import kv

    async def last_sweep():
        async with deps.db.read() as tx:
            return (await kv.get(tx, "last_sweep") or {}).get("at")

    other = await build_deps(deps.config, clock=clock)          # a second process on the same database
    await jobs.tick(deps)
    assert await last_sweep() == iso(clock.now())
    swept_at = clock.advance(seconds=5)
    await jobs.tick(other)                                       # not the holder: no sweep
    assert await last_sweep() == iso(swept_at - timedelta(seconds=5))
    clock.advance(seconds=deps.config.lease_ttl.total_seconds())   # the holder stopped renewing: died
    await jobs.tick(other)
    assert await last_sweep() == iso(clock.now())
    assert other.leases["scheduler"] and not await coordination.hold(deps)
    await other.db.close()
