"""`gridbot org …` through the real CLI entry point, on a real database file."""
import ast
import pathlib

import pytest

from bot.cli import main
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
    assert "staff.csv, line 2: bad phone" in capsys.readouterr().err
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
