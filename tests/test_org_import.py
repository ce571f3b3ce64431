"""Importing the org tree and roster into a real SQLite file: counts, idempotence, refusals, XLSX."""
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from bot.config import Config
from bot.demo import DEMO_ACCOUNTS, demo_org_path
from bot.org_import import ImportRefused, import_org
from bot.orgfile import OrgFileError, RowProblem
from storage import org as store
from storage.db import Database

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
DEPARTMENTS = ("housing education urban_mgmt water power gas hrss health police civil_affairs market natural_resources "
               "ecology transport emergency fire greening justice heating").split()
OWNERS = {"drainage": "water", "roads_lights": "urban_mgmt", "sanitation": "urban_mgmt", "noise": "ecology",
          "illegal_building": "urban_mgmt", "property": "housing", "greening": "greening", "parking_ev": "urban_mgmt",
          "utilities": "power", "neighbour_dispute": "justice", "land_dispute": "natural_resources", "labour": "hrss",
          "education": "education", "health": "health", "social_security": "civil_affairs",
          "public_safety": "police", "fire_safety": "fire", "food_market": "market", "traffic": "transport"}


class FakeClock:
    def __init__(self, now=T0):
        self.moment = now

    def now(self):
        return self.moment


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "g.db")
    yield database
    await database.close()


async def dump(db):
    async with db.read() as tx:
        return {table: await tx.all(f"SELECT * FROM {table} ORDER BY 1") for table in ("units", "unit_aliases", "staff")}


async def test_demo_district_loads_complete(db):
    result = await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    assert result.units_added >= 1 + 19 + 3 + 8 + 24 and result.staff_added >= 24
    async with db.read() as tx:
        district = (await store.units_by_kind(tx, "district"))[0]
        streets = await store.units_by_kind(tx, "street", district["id"])
        communities = await store.units_by_kind(tx, "community")
        grids = await store.units_by_kind(tx, "grid")
        assert len(streets) >= 3 and len(communities) >= 8 and len(grids) >= 24
        assert {c["area"] for c in communities} == {"urban", "rural"}
        for grid in grids:
            assert await store.staff_of_unit(tx, grid["id"], "worker"), grid["name"]
        for unit in [district, *streets, *communities]:
            assert await store.staff_of_unit(tx, unit["id"], "supervisor"), unit["name"]
        departments = await store.units_by_kind(tx, "department", district["id"])
        assert sorted(d["code"] for d in departments) == sorted(DEPARTMENTS)
        for dept in departments:
            assert 1 <= len(await store.staff_of_unit(tx, dept["id"], "handler")) <= 2, dept["code"]
        for category, owner in OWNERS.items():
            assert (await store.department_for_category(tx, category))["code"] == owner
        assert [d["code"] for d in await store.departments_for_category(tx, "utilities")] == [
            "power", "water", "gas", "heating"]
        assert await store.department_for_category(tx, "no_such") is None
        assert len([s for s in await store.staff_of_unit(tx, district["id"]) if s["role"] == "admin"]) == 1


async def test_demo_accounts_are_the_named_people(db):
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    expected = {20001: ("李伟", "worker", "fangzhilu-1"), 20002: ("赵敏", "worker", "fangzhilu-2"),
                30001: ("王主任", "supervisor", "fangzhilu"), 30002: ("刘书记", "supervisor", "tianqiao"),
                30003: ("周局长", "supervisor", "zhaoling"), 40001: ("陈科长", "handler", "water")}
    assert DEMO_ACCOUNTS[10001] is None
    async with db.read() as tx:
        for user_id, (name, role, unit_code) in expected.items():
            person = await store.staff_by_phone(tx, DEMO_ACCOUNTS[user_id])
            assert (person["name"], person["role"], person["unit_code"]) == (name, role, unit_code)
        li, zhao = [await store.staff_by_phone(tx, DEMO_ACCOUNTS[u]) for u in (20001, 20002)]
        assert (await store.unit(tx, zhao["unit_id"]))["parent_id"] == (await store.unit(tx, li["unit_id"]))["parent_id"]


async def test_importing_twice_changes_nothing(db):
    first = await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    before = await dump(db)
    second = await import_org(db, demo_org_path(), clock=FakeClock(T0 + timedelta(hours=1)), config=Config())
    assert await dump(db) == before
    assert second.units_added == second.units_updated == second.staff_added == second.staff_updated == 0
    assert second.units_unchanged == first.units_added and second.codes == []


async def test_reimport_updates_by_code_and_keeps_removed_units_and_bindings(db, tmp_path):
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    async with db.transaction() as tx:
        li = await store.staff_by_phone(tx, DEMO_ACCOUNTS[20001])
        await store.bind_staff(tx, li["id"], 20001)
        grid_id = (await store.unit_by_code(tx, "fangzhilu-1"))["id"]
    org = tmp_path / "org.yaml"
    text = demo_org_path().read_text(encoding="utf-8").replace("纺织路社区第一网格", "纺织路社区一网格")
    text = text.replace("            - code: daguo-3\n              name: 大郭村第三网格\n"
                        "              aliases: [大郭村五组, 沙河堤大郭段]\n", "")
    org.write_text(text.replace("roster: staff.csv\n", ""), encoding="utf-8")
    roster = tmp_path / "staff.csv"
    roster.write_text("name,phone,role,unit\n李伟,13800000001,网格长,fangzhilu-2\n", encoding="utf-8")
    before = await dump(db)
    with pytest.raises(ImportRefused) as caught:            # moving a bound person needs --update
        await import_org(db, org, roster, clock=FakeClock(), config=Config())
    assert [c.kind for c in caught.value.result.refused] == ["moved"] and await dump(db) == before
    result = await import_org(db, org, roster, clock=FakeClock(), config=Config(), update=True)
    assert result.units_updated == 1 and result.staff_updated == 1
    async with db.read() as tx:
        grid = await store.unit_by_code(tx, "fangzhilu-1")
        assert (grid["id"], grid["name"]) == (grid_id, "纺织路社区一网格")
        assert await store.unit_by_code(tx, "daguo-3") is not None        # left alone, not deleted
        assert ("大郭村五组", "daguo-3") in await store.aliases(tx)
        li = await store.staff_by_chat(tx, 20001)
        assert (li["name"], li["unit_code"]) == ("李伟", "fangzhilu-2")    # moved, still bound


@pytest.mark.parametrize("mangle, reason", [
    (lambda t: t.replace("name: 嵩山路社区\n", "nom: 嵩山路社区\n"), "unknown key 'nom'"),
    (lambda t: t.replace("aliases: [人民东路88号院", "aliases: [人民东路62号院"), "duplicate alias '人民东路62号院'"),
    (lambda t: t.replace("[114.0800, 33.5850]]", "[114.0800]]"), "bad polygon"),
    (lambda t: t.replace("code: songshanlu-3", "code: songshanlu-2"), "duplicate code 'songshanlu-2'"),
])
async def test_bad_org_file_leaves_db_unchanged(db, tmp_path, mangle, reason):
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    before = await dump(db)
    bad = tmp_path / "zhaoling.yaml"
    shutil.copy(demo_org_path().parent / "staff.csv", tmp_path / "staff.csv")
    bad.write_text(mangle(demo_org_path().read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(OrgFileError) as caught:
        await import_org(db, bad, clock=FakeClock(T0 + timedelta(days=30)), config=Config())
    assert reason in str(caught.value) and caught.value.line and f"line {caught.value.line}" in str(caught.value)
    assert await dump(db) == before


async def test_bad_roster_row_rolls_back_the_whole_import(db, tmp_path):
    roster = tmp_path / "staff.csv"
    text = (demo_org_path().parent / "staff.csv").read_text(encoding="utf-8").rstrip("\n")
    roster.write_text(text + "\n钱多多,13800000888,网格员,no-such-grid\n", encoding="utf-8")
    org = tmp_path / "zhaoling.yaml"
    shutil.copy(demo_org_path(), org)
    with pytest.raises(ImportRefused) as caught:
        await import_org(db, org, clock=FakeClock(), config=Config())
    assert caught.value.result.problems == [RowProblem(text.count(chr(10)) + 2, "钱多多 的单位 'no-such-grid' 不存在")]
    assert await dump(db) == {"units": [], "unit_aliases": [], "staff": []}


async def test_alias_owned_by_a_unit_outside_the_file_is_refused(db, tmp_path):
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    before = await dump(db)
    org = tmp_path / "other.yaml"
    org.write_text("district:\n  code: yancheng\n  name: 郾城区\n  aliases: [人民东路62号院]\n", encoding="utf-8")
    with pytest.raises(OrgFileError, match="line 2: alias '人民东路62号院' of yancheng already names unit fangzhilu-1"):
        await import_org(db, org, clock=FakeClock(), config=Config())
    assert await dump(db) == before


async def test_xlsx_roster_into_existing_tree(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "角色", "单位", "备注"])
    sheet.append(["钱多多", 13800000777, "网格员", "纺织路社区第三网格", "新入职"])
    sheet.append(["赵敏", "13800000002", "网格长", "fangzhilu-3", None])
    path = tmp_path / "staff.xlsx"
    book.save(path)
    result = await import_org(db, roster_path=path, clock=FakeClock(), config=Config())
    assert (result.staff_added, result.staff_updated, result.units_added) == (1, 1, 0)
    assert [c.name for c in result.codes] == ["钱多多"]
    async with db.read() as tx:
        grid = await store.unit_by_code(tx, "fangzhilu-3")
        assert {s["name"] for s in await store.staff_of_unit(tx, grid["id"], "worker")} >= {"钱多多", "赵敏"}


async def test_xlsx_roster_bad_row_names_the_row(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    book = openpyxl.Workbook()
    book.active.append(["name", "phone", "role", "unit"])
    book.active.append(["钱多多", "13800000777", "保安", "fangzhilu-3"])
    path = tmp_path / "staff.xlsx"
    book.save(path)
    with pytest.raises(ImportRefused) as caught:
        await import_org(db, roster_path=path, clock=FakeClock(), config=Config())
    [problem] = caught.value.result.problems
    assert problem.line == 2 and problem.reason.startswith("钱多多 的角色 '保安' 无法识别（可用：网格员、")


async def _bind_li(db) -> None:
    async with db.transaction() as tx:
        li = await store.staff_by_phone(tx, DEMO_ACCOUNTS[20001])
        await store.bind_staff(tx, li["id"], 20001)


async def test_a_row_giving_a_bound_persons_phone_to_another_name_is_refused(db, tmp_path):
    """Issue 13, step 1: 宋伟 with 李伟's phone renamed and moved 李伟. Now refused, naming both people."""
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    await _bind_li(db)
    before = await dump(db)
    roster = tmp_path / "staff.csv"
    roster.write_text("姓名,手机,角色,所属单位\n宋伟,13800000001,网格员,黄山路社区第一网格\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        await import_org(db, roster_path=roster, clock=FakeClock(), config=Config())
    [change] = caught.value.result.refused
    assert (change.kind, change.name, change.before["name"], change.before["bound"]) == ("renamed", "宋伟", "李伟", True)
    assert change.needs_update == ("手机号 13800000001 已属于 李伟（纺织路社区第一网格，已绑定聊天账号），本行却是 宋伟")
    assert await dump(db) == before

    checked = await import_org(db, roster_path=roster, clock=FakeClock(), config=Config(), check=True)
    assert not checked.applied and [c.kind for c in checked.changes] == ["renamed"]
    assert await dump(db) == before                                   # a check writes nothing

    done = await import_org(db, roster_path=roster, clock=FakeClock(), config=Config(), update=True)
    assert done.staff_updated == 1 and [c.name for c in done.codes] == ["宋伟"]
    async with db.read() as tx:
        assert await store.staff_by_chat(tx, 20001) is None            # 李伟's chat no longer acts as 宋伟
        song = await store.staff_by_phone(tx, "13800000001")
        assert (song["name"], song["unit_name"], song["chat_id"]) == ("宋伟", "黄山路社区第一网格", None)


async def test_check_reports_each_kind_of_change_and_writes_nothing(db, tmp_path):
    await import_org(db, demo_org_path(), clock=FakeClock(), config=Config())
    await _bind_li(db)
    before = await dump(db)
    roster = tmp_path / "staff.csv"
    roster.write_text("姓名,手机,角色,单位\n"
                      "李伟,13800000001,网格员,纺织路社区第一网格\n"          # unchanged (bound)
                      "赵敏,13800000002,网格员,纺织路社区第三网格\n"          # moved, not bound: fine
                      "钱多多,13800000777,网格员,纺织路社区第三网格\n"        # new
                      "李伟,13800000778,网格员,黄山路社区第一网格\n"          # new, with a namesake
                      "王主任,13800000003,网格员,纺织路社区\n",              # bad: a worker in a community
                      encoding="utf-8")
    result = await import_org(db, roster_path=roster, clock=FakeClock(), config=Config(), check=True)
    assert [(c.line, c.kind) for c in result.changes] == [(2, "unchanged"), (3, "moved"), (4, "new"), (5, "new")]
    assert result.changes[3].namesake["phone"] == "13800000001" and not result.refused
    assert [p.line for p in result.problems] == [6]
    assert {c.name for c in result.codes} == {"钱多多", "李伟"}
    assert await dump(db) == before
