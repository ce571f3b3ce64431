"""`gridbot org …` through the real CLI entry point, on a real database file."""
import ast
import re
import pathlib

import pytest

from bot.cli import main
from bot.commands.table import table, width
from bot.demo import demo_org_path

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOT_DB", str(tmp_path / "g.db"))
    monkeypatch.delenv("GRIDBOT_CONFIG", raising=False)
    return tmp_path


def test_import_codes_show_unbind(env, capsys):
    assert main(["org", "import", str(demo_org_path())]) == 0
    out = capsys.readouterr().out
    assert "新增 80" in out and "https://t.me/gridbot_sandbox_bot?start=" in out and "李伟" in out
    assert main(["org", "import", str(demo_org_path())]) == 0
    assert "新绑定码 new bind codes: 0" in capsys.readouterr().out
    assert main(["org", "codes"]) == 0
    assert capsys.readouterr().out.count("?start=") == 80
    assert main(["org", "show"]) == 0
    out = capsys.readouterr().out
    assert "召陵区 (区 zhaoling)" in out and "      纺织路社区第一网格 (网格 fangzhilu-1) 人员 2" in out
    assert main(["org", "unbind", "李伟"]) == 0
    assert "李伟 (13800000001): 原本未绑定" in capsys.readouterr().out
    assert main(["org", "unbind", "13899999999"]) == 2
    assert "no staff member" in capsys.readouterr().err


def test_import_bad_file_exits_nonzero_with_line_and_reason(env, capsys):
    bad = env / "bad.yaml"
    bad.write_text("district:\n  code: d\n  name: 测试区\n  streets:\n    - code: s1\n      aliases: [x]\n",
                   encoding="utf-8")
    assert main(["org", "import", str(bad)]) != 0
    err = capsys.readouterr().err
    assert f"{bad}, line 5: street s1 has no name" in err
    roster = env / "staff.csv"
    roster.write_text("name,phone,role,unit\n张三,12345,网格员,g1\n", encoding="utf-8")
    assert main(["org", "import", str(roster)]) != 0
    captured = capsys.readouterr()
    assert "第 2 行：张三 的手机号 '12345' 不对（应为 11 位数字，以 1 开头）；张三 的单位 'g1' 不存在" in captured.out
    assert "未导入，数据库未改动：1 行有误" in captured.err
    assert main(["org", "import", str(env / "notes.txt")]) != 0


def test_org_modules_respect_layers():
    rules = {"storage/org.py": ("bot", "handlers", "nlp", "telegram"),
             "bot/orgfile.py": ("handlers", "telegram", "storage"),
             "bot/org_import.py": ("handlers", "telegram"),
             "bot/commands/org.py": ("handlers", "telegram"),
             "bot/demo/__init__.py": ("handlers", "telegram", "storage")}
    for path, forbidden in rules.items():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path} imports {name}"


def test_check_of_a_gbk_sheet_with_a_collision_and_bad_rows(env, capsys):
    assert main(["org", "import", str(demo_org_path())]) == 0
    capsys.readouterr()
    sheet = env / "staff.csv"
    sheet.write_bytes("姓名,手机号,岗位,所属单位\r\n宋伟,13800000001,网格员,黄山路社区第一网格\r\n"
                      "钱多多,13800000777,网格员,纺织路社区第三网格\r\n吕强,13800000778,网格员,纺织路社区第九网格\r\n"
                      "孙丽,1380000077,网格员,黄山路社区第二网格\r\n".encode("gbk"))
    assert main(["org", "import", "--check", str(sheet)]) == 2
    out = capsys.readouterr().out
    assert "人员：新增 1，变更 0，调动 0，改名 1，未变 0；有误 2 行" in out
    assert "需 --update 确认：手机号 13800000001 已属于 李伟（纺织路社区第一网格），本行却是 宋伟" in out
    assert "第 4 行：吕强 的单位 '纺织路社区第九网格' 不存在，是不是：" in out
    assert "第 5 行：孙丽 的手机号 '1380000077' 不对" in out
    rows = [line for line in out.splitlines() if re.match(r" *\d+  ", line)]
    assert len(rows) == 2
    columns = {width(line[:line.index("138")]) for line in rows}
    assert len(columns) == 1                                  # the phone column lines up under Chinese names
    assert main(["org", "codes"]) == 0
    assert "钱多多" not in capsys.readouterr().out            # nothing was written


def test_display_width_table():
    text = table(("姓名", "手机"), [("李伟", "1"), ("Bob", "2"), ("欧阳小明", "3")])
    assert [width(line[:-1]) for line in text.splitlines()[1:]] == [10, 10, 10]
