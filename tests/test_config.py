from datetime import time, timedelta

import pytest

from bot.config import Config, ConfigError, TimeLimit, from_mapping, load, parse_duration


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("15m", 900), ("2h", 7200), ("3d", 259200), ("1h30m", 5400), (5, 5), ("7", 7)])
def test_durations_down_to_seconds(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["soon", "3 weeks", "", True])
def test_bad_duration_names_the_key(bad):
    with pytest.raises(ConfigError, match="reminder_lead"):
        from_mapping({"reminder_lead": bad})


def test_toml_then_environment(tmp_path):
    path = tmp_path / "gridbot.toml"
    path.write_text('db_path = "a.db"\nreminder_lead = "10s"\nbriefing_time = "07:30"\n'
                    '[limits.help]\naccept = "5s"\nresolve = "20s"\nworking_time = false\n', encoding="utf-8")
    config = load({"GRIDBOT_CONFIG": str(path), "GRIDBOT_DB": "b.db"})
    assert config.db_path == "b.db"
    assert config.reminder_lead == timedelta(seconds=10)
    assert config.briefing_time == time(7, 30)
    assert config.limits["help"].resolve == timedelta(seconds=20)
    assert config.limits["complaint"].resolve == timedelta(days=10)


def test_unknown_setting_refused():
    with pytest.raises(ConfigError, match="unknown setting"):
        from_mapping({"no_such_thing": 1})


def test_file_url_derived_from_base_url():
    assert load({"GRIDBOT_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}).file_base_url == "http://127.0.0.1:9/file/bot"
    assert Config().file_base_url == "https://api.telegram.org/file/bot"


def _sample(f) -> tuple[str, object]:
    """A valid non-default text for a setting, and the value it should become."""
    if f.type == "timedelta":
        return "7s", timedelta(seconds=7)
    if f.type == "int":
        return "6", 6
    if f.type == "bool":
        return "false", False
    if f.type == "time":
        return "06:45", time(6, 45)
    if f.type.startswith("tuple"):
        return "2026-12-31, 2027-01-02", ("2026-12-31", "2027-01-02")
    return "x-" + f.name, "x-" + f.name


def test_every_setting_comes_from_its_environment_variable():
    from dataclasses import fields
    from bot.config import env_name
    for f in fields(Config):
        if f.name == "limits":
            continue
        text, value = _sample(f)
        assert getattr(load({env_name(f.name): text}), f.name) == value, f.name
    assert load({"GRIDBOT_SANDBOX_PORT": "8090"}).sandbox_port == 8090      # issue 13: it was ignored
    assert load({"GRIDBOT_DB": "a.db"}).db_path == load({"GRIDBOT_DB_PATH": "a.db"}).db_path == "a.db"


def test_nested_limits_from_the_environment_over_the_file(tmp_path):
    path = tmp_path / "gridbot.toml"
    path.write_text('[limits.help]\naccept = "5s"\n', encoding="utf-8")
    config = load({"GRIDBOT_CONFIG": str(path), "GRIDBOT_LIMITS_HELP_RESOLVE": "20s",
                   "GRIDBOT_LIMITS_URGENT_WORKING_TIME": "true", "GRIDBOT_LIMITS_NIGHT_ACCEPT": "1h"})
    assert config.limits["help"] == TimeLimit(timedelta(seconds=5), timedelta(seconds=20))   # file and env merged
    assert config.limits["urgent"].working_time is True
    assert config.limits["night"].accept == timedelta(hours=1)                               # a class of one's own
    assert config.limits["complaint"].resolve == timedelta(days=10)


@pytest.mark.parametrize("env, message", [
    ({"GRIDBOT_SANDBOX_PROT": "1"}, "unknown environment variable GRIDBOT_SANDBOX_PROT (did you mean GRIDBOT_SANDBOX_PORT?)"),
    ({"GRIDBOT_SANDBOX_PORT": "eighty"}, "sandbox_port (GRIDBOT_SANDBOX_PORT): expected a whole number"),
    ({"GRIDBOT_RATE_LIMITER": "perhaps"}, "rate_limiter: expected true or false"),
    ({"GRIDBOT_REMINDER_LEAD": "soon"}, "reminder_lead: cannot read 'soon'"),
])
def test_bad_environment_refused_with_the_variable(env, message):
    with pytest.raises(ConfigError) as caught:
        load(env)
    assert message in str(caught.value)


def test_empty_variables_and_other_gridbot_switches_are_ignored():
    assert load({"GRIDBOT_DB": "", "GRIDBOT_REQUIRE_BROWSER": "1", "GRIDBOT_BENCH_PROFILE": "x"}) == Config()


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"), (b"db_path = \n", "not valid TOML"), ("db_path = 'é'".encode("latin-1"), "not valid TOML")])
def test_unreadable_config_file(tmp_path, content, message):
    path = tmp_path / "gridbot.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load({"GRIDBOT_CONFIG": str(path)})


def _gridbot(args, env, timeout=60):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "", **env})


def test_busy_port_and_bad_config_give_one_line_and_status_2(tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _gridbot(["run", "--port", str(port)], {"GRIDBOT_DB": str(tmp_path / "g.db")})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"错误：沙盒端口 127.0.0.1:{port} 已被占用")
    assert "Traceback" not in done.stderr
    for env in ({"GRIDBOT_CONFIG": str(tmp_path / "missing.toml")}, {"GRIDBOT_SANDBOX_PROT": "1"}):
        done = _gridbot(["doctor"], env)
        assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
        assert done.stderr.startswith("错误：配置无法使用：")


def test_make_run_passes_arguments():
    from pathlib import Path
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "\t$(BIN)/gridbot run $(ARGS)\n" in makefile
