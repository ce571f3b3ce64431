"""Parsing org files and rosters: shapes accepted, mistakes refused with file, line and reason."""
import textwrap

import pytest

from bot.demo import demo_org_path
from bot.orgfile import (OrgFileError, RosterError, accepted_roles, check_roster, load_org, load_roster, parse_role,
                         resolve_roster)

GOOD = """\
district:
  code: d
  name: 测试区
  departments:
    - {code: water, name: 区水务局, categories: [drainage]}
  streets:
    - code: s1
      name: 一号街道
      communities:
        - code: c1
          name: 一号社区
          aliases: [一号]
          grids:
            - code: g1
              name: 一号网格
              aliases: [幸福路1号院]
              boundary: [[114.0, 33.5], [114.1, 33.5], [114.1, 33.6]]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_demo_tree_shape():
    tree = load_org(demo_org_path())
    kinds = [u.kind for u in tree.units]
    assert kinds[0] == "district" and kinds.count("street") >= 3
    assert kinds.count("community") >= 8 and kinds.count("grid") >= 24
    assert tree.roster == demo_org_path().parent / "staff.csv"
    grids = {u.code: u for u in tree.units if u.kind == "grid"}
    assert "人民东路62号院" in grids["fangzhilu-1"].aliases
    assert grids["fangzhilu-1"].parent_code == "fangzhilu"
    assert grids["laowocun-1"].area == "rural"            # inherited from the town
    assert sum(1 for g in grids.values() if g.boundary) >= 8


def test_toml_org_file(tmp_path):
    path = write(tmp_path, "org.toml", """\
        [district]
        code = "d"
        name = "测试区"
        [[district.departments]]
        code = "water"
        name = "区水务局"
        categories = ["drainage"]
        [[district.streets]]
        code = "s1"
        name = "一号街道"
        [[district.streets.communities]]
        code = "c1"
        name = "一号社区"
        [[district.streets.communities.grids]]
        code = "g1"
        name = "一号网格"
        aliases = ["幸福路1号院"]
        """)
    tree = load_org(path)
    assert [u.code for u in tree.units] == ["d", "water", "s1", "c1", "g1"]
    assert tree.by_code()["g1"].parent_code == "c1"


@pytest.mark.parametrize("old, new, line, reason", [
    ("          name: 一号社区\n", "          title: 一号社区\n", 11, "unknown key 'title'"),
    ("            - code: g1\n              name: 一号网格\n", "            - code: g1\n", 14, "grid g1 has no name"),
    ("            - code: g1\n", "            - code: c1\n", 14, "duplicate code 'c1'"),
    ("aliases: [幸福路1号院]", "aliases: [一号]", 16, "duplicate alias '一号'"),
    ("[114.1, 33.6]]", "[114.1]]", 17, "bad polygon"),
    ("[[114.0, 33.5], [114.1, 33.5], [114.1, 33.6]]", "[[114.0, 33.5]]", 17, "bad polygon"),
    ("  name: 测试区\n", "  name: 测试区\n  code: again\n", 4, "key 'code' given twice"),
    ("categories: [drainage]}", "categories: [drainage}", 5, "not valid YAML"),
])
def test_bad_org_file_refused_with_line_and_reason(tmp_path, old, new, line, reason):
    assert old in GOOD
    path = write(tmp_path, "org.yaml", GOOD.replace(old, new))
    with pytest.raises(OrgFileError) as caught:
        load_org(path)
    message = str(caught.value)
    assert str(path) in message and reason in message
    assert caught.value.line == line, message


def test_good_file_parses(tmp_path):
    tree = load_org(write(tmp_path, "org.yaml", GOOD))
    assert tree.by_code()["g1"].boundary == ((114.0, 33.5), (114.1, 33.5), (114.1, 33.6))
    assert tree.by_code()["water"].categories == ("drainage",)


def test_category_owned_twice_refused(tmp_path):
    text = GOOD.replace("  streets:", "    - {code: power, name: 供电公司, categories: [drainage]}\n  streets:")
    with pytest.raises(OrgFileError, match="line 6: category 'drainage' already owned by water"):
        load_org(write(tmp_path, "org.yaml", text))


def test_roles_in_chinese_and_english():
    assert parse_role("网格员") == parse_role("网格长") == parse_role("worker") == "worker"
    assert parse_role("社区主任") == parse_role("书记") == parse_role("督办") == parse_role("站长") == "supervisor"
    assert parse_role("办理人") == parse_role("Handler") == "handler"
    assert parse_role("管理员") == "admin"
    assert parse_role("门卫") is None


def test_roster_with_bom_and_remarks(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("\ufeffname,phone,role,unit,备注\n张三,13800009999,网格员,g1,兼职\n\n李四,139 0000 9998,督办,一号社区,\n",
                    encoding="utf-8")
    rows = load_roster(path)
    assert [(r.name, r.phone, r.role, r.unit, r.line) for r in rows] == [
        ("张三", "13800009999", "worker", "g1", 2), ("李四", "13900009998", "supervisor", "一号社区", 4)]
    units = {"g1": ("一号网格", "grid"), "c1": ("一号社区", "community")}
    assert [code for _, code in resolve_roster(path, rows, units)] == ["g1", "c1"]


@pytest.mark.parametrize("row, reason", [
    (",13800009999,网格员,g1", "缺少姓名"),
    ("张三,1380000999,网格员,g1", "张三 的手机号 '1380000999' 不对（应为 11 位数字，以 1 开头）"),
    ("张三,13800000001,网格员,g1", "手机号 13800000001 与第 2 行重复"),
    ("张三,13800009999,门卫,g1", "张三 的角色 '门卫' 无法识别（可用：网格员、网格长"),
    ("张三,13800009999,网格员,g9", "张三 的单位 'g9' 不存在"),
    ("张三,13800009999,网格员,二号网格", "张三 的单位 '二号网格' 不存在，是不是：一号网格？"),
    ("张三,13800009999,网格员,c1", "张三：网格员不能属于社区/村（c1），应属于网格"),
    ("张三,13800009999,网格员,", "张三 缺少单位"),
])
def test_bad_roster_row_refused_with_line(tmp_path, row, reason):
    path = tmp_path / "staff.csv"
    path.write_text(f"name,phone,role,unit\n王五,13800000001,网格员,g1\n{row}\n", encoding="utf-8")
    units = {"g1": ("一号网格", "grid"), "c1": ("一号社区", "community")}
    with pytest.raises(RosterError) as caught:
        resolve_roster(path, load_roster(path), units)
    assert [p.line for p in caught.value.problems] == [3] and reason in caught.value.problems[0].reason
    assert "第 3 行：" in str(caught.value)


def test_every_bad_row_in_one_pass_with_all_its_reasons(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("姓名,手机号,岗位,所属网格\n王五,13800000001,网格员,g1\n张三,123,队长,一号网恪\n"
                    "李四,13800000002,队长,g1\n,13800000003,网格员,g1\n赵六,13800000004,网格员,g9\n",
                    encoding="utf-8")
    units = {"g1": ("一号网格", "grid"), "c1": ("一号社区", "community")}
    good, problems = check_roster(path, units)
    assert [r.name for r, _code in good] == ["王五"]
    assert [p.line for p in problems] == [3, 4, 5, 6]
    assert problems[0].reason.split("；") == [
        "张三 的手机号 '123' 不对（应为 11 位数字，以 1 开头）",
        f"张三 的角色 '队长' 无法识别（可用：{accepted_roles()}）",
        "张三 的单位 '一号网恪' 不存在，是不是：一号网格、一号社区？"]   # the role unknown: any kind
    assert "管理员" in accepted_roles() and "worker" in accepted_roles()


@pytest.mark.parametrize("header", ["姓名,手机,角色,单位", "名字,手机号,职务,所属单位", "姓名,联系电话,岗位,所属网格",
                                    "Name,Phone,Role,Unit"])
def test_headers_as_districts_write_them(tmp_path, header):
    path = tmp_path / "staff.csv"
    path.write_text(f"{header}\n王五,13800000001,网格员,g1\n", encoding="utf-8")
    assert [(r.name, r.unit) for r in load_roster(path)] == [("王五", "g1")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_as_excel_writes_it(tmp_path, encoding):
    path = tmp_path / "staff.csv"
    path.write_bytes("姓名,手机,角色,所属单位\r\n吕强,13800000005,网格员,纺织路社区第一网格\r\n".encode(encoding))
    assert [(r.name, r.unit) for r in load_roster(path)] == [("吕强", "纺织路社区第一网格")]


def test_roster_without_needed_columns(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("name,phone\n张三,13800009999\n", encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert caught.value.line == 1
    assert "表头缺少列 角色、单位（可用的表头：角色：角色/职务/岗位/role；单位：单位/所属单位/所属网格" in str(caught.value)


def test_toml_error_names_a_line(tmp_path):
    path = write(tmp_path, "org.toml", """\
        [district]
        code = "d"
        name = "测试区"
        [[district.streets]]
        code = "s1"
        """)
    with pytest.raises(OrgFileError, match=r"org.toml, line 5: street s1 has no name"):
        load_org(path)
    broken = write(tmp_path, "broken.toml", '[district]\ncode = "d\n')
    with pytest.raises(OrgFileError, match=r"broken.toml, line 2: not valid TOML"):
        load_org(broken)
