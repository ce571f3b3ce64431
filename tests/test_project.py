"""Promises about the project itself: documented settings and commands, layers that point one way."""
from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

from bot.cli import build_parser
from bot.config import Config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [f.name for f in fields(Config) if f"`{f.name}`" not in README and f"{f.name}`" not in README
               and f.name not in README]
    assert not missing, f"settings missing from README: {missing}"


def test_every_environment_variable_is_documented_in_the_settings_table():
    """Each setting's row in the README's table names its GRIDBOT_* variable (nested ones by their pattern)."""
    from bot.config import ENV_ALIASES, env_name, env_names
    rows = {}
    for line in README.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 4:
                for setting in re.findall(r"`([a-z_]+)", cells[0]):
                    rows.setdefault(setting, cells[1])
    problems = []
    for name, setting in env_names().items():
        top = setting.split(".")[0]
        documented = rows.get(top, "")
        if setting.startswith("limits."):
            wanted = "`GRIDBOT_LIMITS_<CLASS>_ACCEPT`" if setting.endswith(".accept") else \
                f"`…_{setting.rsplit('.', 1)[1].upper()}`"
        else:
            wanted = f"`{name}`"
        if wanted not in documented:
            problems.append(f"{name} ({setting})")
    assert not problems, f"variables missing from the README's settings table: {problems}"
    assert set(ENV_ALIASES) < set(env_names()) and env_name("sandbox_port") == "GRIDBOT_SANDBOX_PORT"


def test_every_command_is_documented():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices      # argparse keeps them here
    missing = [name for name in commands if f"gridbot {name}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layers_point_one_way():
    """handlers → bot → (nlp, storage), and never handlers → storage; only the composition root, the CLI
    and the sandbox touch Telegram."""
    allowed_telegram = {"bot/app.py", "bot/cli.py", "bot/__main__.py"}
    problems = []
    for package, forbidden in (("nlp", {"bot", "handlers", "storage", "telegram"}),
                               ("storage", {"bot", "handlers", "nlp", "telegram"}),
                               ("bot", {"handlers", "telegram"}),
                               ("handlers", {"storage"})):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if package == "bot" and (rel in allowed_telegram or rel.startswith(("bot/sandbox/", "bot/commands/", "bot/bench/"))):
                continue
            bad = _imports(path) & forbidden
            if bad:
                problems.append(f"{rel} imports {sorted(bad)}")
    assert not problems, problems
