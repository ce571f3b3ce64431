from datetime import time, timedelta

import pytest

from bot.config import Config, ConfigError, from_mapping, load, parse_duration


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
