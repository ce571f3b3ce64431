"""Org queries and bind codes against a real SQLite file with the demo district loaded."""
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from bot.clock import iso
from bot.config import Config
from bot.demo import DEMO_ACCOUNTS, demo_org_path
from bot.org_import import CODE_ALPHABET, import_org, outstanding_codes, unbind, OrgAdminError
from storage import org as store
from storage.db import Database, StorageConflict

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
TTL = Config().bind_code_ttl


class FakeClock:
    def __init__(self, now=T0):
        self.moment = now

    def now(self):
        return self.moment


@pytest.fixture
async def loaded(tmp_path):
    db = await Database.open(tmp_path / "g.db")
    result = await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    yield db, result
    await db.close()


async def test_ancestors_and_descendants(loaded):
    db, _ = loaded
    async with db.read() as tx:
        grid = await store.unit_by_code(tx, "fangzhilu-1")
        assert [u["code"] for u in await store.ancestors(tx, grid["id"])] == ["fangzhilu", "tianqiao", "zhaoling"]
        district = await store.unit_by_code(tx, "zhaoling")
        assert await store.ancestors(tx, district["id"]) == []
        street = await store.unit_by_code(tx, "tianqiao")
        below = await store.descendant_ids(tx, street["id"])
        assert street["id"] in below and grid["id"] in below
        assert len(below) == 1 + 3 + 9
        assert (await store.unit_by_code(tx, "laowocun-1"))["id"] not in below
        assert await store.descendant_ids(tx, grid["id"]) == [grid["id"]]
        assert len(await store.descendant_ids(tx, district["id"])) == len(
            await tx.all("SELECT id FROM units"))
        assert (await store.unit(tx, grid["id"]))["code"] == "fangzhilu-1"
        assert await store.unit(tx, 99999) is None and await store.unit_by_code(tx, "nope") is None


async def test_aliases_unique_and_longest_alias_finds_the_grid(loaded):
    db, _ = loaded
    async with db.read() as tx:
        pairs = await store.aliases(tx)
        units = {u["code"]: u for u in await store.all_units(tx)}
        boundaries = await store.boundaries(tx)
    words = [alias for alias, _ in pairs]
    assert len(words) == len(set(words))                          # an alias names one unit
    table = dict(pairs)
    assert table["人民东路62号院"] == "fangzhilu-1" and units["fangzhilu-1"]["parent_id"] == units["fangzhilu"]["id"]
    assert table["纺织路社区"] == table["纺织路"] == "fangzhilu"    # names are aliases too
    assert table["召陵区"] == "zhaoling"
    text = "纺织路社区人民东路62号院一下雨就积水"
    best = max((alias for alias in table if alias in text), key=len)
    assert table[best] == "fangzhilu-1"
    assert table[max((a for a in table if a in "纺织路社区门口垃圾没人管"), key=len)] == "fangzhilu"
    assert boundaries["fangzhilu-1"][0] == [114.07, 33.58] and len(boundaries["fangzhilu-1"]) == 4
    assert units["fangzhilu-1"]["boundary"] == boundaries["fangzhilu-1"]
    assert "fangzhilu" not in boundaries and len(boundaries["zhaoling"]) == 4      # the district's outline


async def test_bind_codes_issued_once_with_expiry(loaded):
    db, result = loaded
    async with db.read() as tx:
        everyone = await tx.scalar("SELECT count(*) FROM staff WHERE active = 1")
    assert len(result.codes) == everyone
    codes = [c.code for c in result.codes]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{12}}", c) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert all(c.expires == iso(T0 + TTL) for c in result.codes)
    li = next(c for c in result.codes if c.phone == DEMO_ACCOUNTS[20001])
    assert (li.name, li.role, li.unit_name) == ("李伟", "worker", "纺织路社区第一网格")
    assert sorted(c.code for c in await outstanding_codes(db, clock=FakeClock(T0 + TTL / 2))) == sorted(codes)
    assert await outstanding_codes(db, clock=FakeClock(T0 + TTL)) == []

    async with db.read() as tx:
        assert (await store.staff_by_bind_code(tx, li.code, iso(T0 + TTL - timedelta(seconds=1))))["name"] == "李伟"
        assert await store.staff_by_bind_code(tx, li.code, iso(T0 + TTL)) is None          # expired
        assert await store.staff_by_bind_code(tx, "NOSUCHCODE23", iso(T0)) is None
        assert len(await store.staff_with_codes(tx)) == everyone

    # after expiry a re-import issues fresh codes to those still unbound
    again = await import_org(db, demo_org_path(), clock=FakeClock(T0 + TTL), config=Config())
    assert len(again.codes) == everyone and not set(c.code for c in again.codes) & set(codes)


async def test_redeem_is_single_use(loaded):
    db, result = loaded
    li = next(c for c in result.codes if c.phone == DEMO_ACCOUNTS[20001])
    zhao = next(c for c in result.codes if c.phone == DEMO_ACCOUNTS[20002])
    now = iso(T0 + timedelta(hours=1))
    async with db.transaction() as tx:
        person = await store.redeem_bind_code(tx, li.code, 20001, now)
        assert person["name"] == "李伟" and person["chat_id"] == 20001 and person["bind_code"] is None
        assert await store.redeem_bind_code(tx, li.code, 29999, now) is None              # used up
        assert await store.staff_by_bind_code(tx, li.code, now) is None
        assert await store.redeem_bind_code(tx, zhao.code, 20002, iso(T0 + TTL)) is None  # expired
        with pytest.raises(StorageConflict):                                               # chat already bound
            await store.redeem_bind_code(tx, zhao.code, 20001, now)
    async with db.read() as tx:
        assert (await store.staff_by_chat(tx, 20001))["phone"] == DEMO_ACCOUNTS[20001]
        assert li.code not in {s["bind_code"] for s in await store.staff_with_codes(tx)}


async def test_bind_unbind_and_fresh_code(loaded):
    db, result = loaded
    chen = next(c for c in result.codes if c.phone == DEMO_ACCOUNTS[40001])
    async with db.transaction() as tx:
        await store.bind_staff(tx, chen.staff_id, 40001)
        assert (await store.staff_by_chat(tx, 40001))["unit_code"] == "water"
        assert await store.staff_by_bind_code(tx, chen.code, iso(T0)) is None
        with pytest.raises(StorageConflict):
            await store.bind_staff(tx, result.codes[0].staff_id, 40001)
    person, fresh = await unbind(db, "陈科长", clock=FakeClock(T0 + timedelta(days=1)), config=Config())
    assert person["chat_id"] == 40001 and fresh.code != chen.code
    assert fresh.expires == iso(T0 + timedelta(days=1) + TTL)
    async with db.read() as tx:
        assert await store.staff_by_chat(tx, 40001) is None
        assert (await store.staff_by_bind_code(tx, fresh.code, iso(T0 + timedelta(days=1))))["name"] == "陈科长"
    _, by_phone = await unbind(db, DEMO_ACCOUNTS[40001], clock=FakeClock(), config=Config())
    assert by_phone.staff_id == chen.staff_id
    with pytest.raises(OrgAdminError, match="no staff member"):
        await unbind(db, "无此人", clock=FakeClock(), config=Config())


async def test_staff_queries(loaded):
    db, _ = loaded
    async with db.transaction() as tx:
        grid = await store.unit_by_code(tx, "fangzhilu-1")
        workers = await store.staff_of_unit(tx, grid["id"], "worker")
        assert [w["name"] for w in workers][:1] == ["李伟"] and len(workers) == 2
        assert await store.staff_of_unit(tx, grid["id"], "supervisor") == []
        await tx.execute("UPDATE staff SET active = 0 WHERE id = :id", {"id": workers[1]["id"]})
        assert len(await store.staff_of_unit(tx, grid["id"])) == 1            # active only
        assert (await store.staff(tx, workers[0]["id"]))["unit_name"] == "纺织路社区第一网格"
        assert await store.staff(tx, 99999) is None and await store.staff_by_phone(tx, "13000000000") is None


async def test_alias_cannot_name_two_units(loaded):
    db, _ = loaded
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            grid = await store.unit_by_code(tx, "fangzhilu-2")
            await tx.execute("INSERT INTO unit_aliases (alias, unit_id) VALUES ('人民东路62号院', :id)",
                             {"id": grid["id"]})
