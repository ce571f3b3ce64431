"""Configuration: defaults that run, a TOML file (GRIDBOT_CONFIG) over them, GRIDBOT_* variables over both.

Every duration is given as seconds (a number) or text such as "90s", "15m", "2h", "3d", "1h30m".
The config is read once at start and passed down; nothing reads the environment later.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Mapping

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


def parse_duration(value: Any, key: str = "duration") -> timedelta:
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a duration, got {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return timedelta(seconds=float(text))
        parts = _DURATION.findall(text)
        if parts and re.fullmatch(r"(\s*\d+(\.\d+)?\s*[dhms])+\s*", text):
            return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))
    raise ConfigError(f"{key}: cannot read {value!r} as a duration (e.g. 90s, 15m, 2h, 3d)")


@dataclass(frozen=True)
class TimeLimit:
    """Time allowed to sign for and to resolve a ticket of one limit class."""
    accept: timedelta
    resolve: timedelta
    working_time: bool = True       # count working days (and office hours, if set) rather than natural time


DEFAULT_LIMITS = {
    # After Henan's 12345 rules: sign for within 24 h; handle in 3/5/10 working days; emergencies in 2 h.
    "consult": TimeLimit(timedelta(hours=24), timedelta(days=3)),
    "help": TimeLimit(timedelta(hours=24), timedelta(days=5)),
    "complaint": TimeLimit(timedelta(hours=24), timedelta(days=10)),
    "urgent": TimeLimit(timedelta(minutes=30), timedelta(hours=2), working_time=False),
}


@dataclass(frozen=True)
class Config:
    telegram_token: str = ""
    telegram_base_url: str = ""
    telegram_base_file_url: str = ""
    db_path: str = "var/gridbot.db"
    database_url: str = ""              # postgresql://user@host/db: PostgreSQL; empty → SQLite at db_path
    database_pool_size: int = 10        # PostgreSQL connections per process
    lease_ttl: timedelta = timedelta(seconds=30)         # the scheduler lease: another process takes over within this
    outbox_claim_ttl: timedelta = timedelta(seconds=10)  # a sender's hold on a chat's next message (renewed each round)
    cache_ttl: timedelta = timedelta(seconds=30)         # units and places re-read at most this late after an org import
    org_path: str = ""                  # empty: the bundled demo district
    timezone: str = "Asia/Shanghai"
    lexicon_path: str = ""              # a learned or hand-written lexicon
    lexicon_mode: str = "merge"         # "merge" with the default taxonomy, or "replace" it
    limits: Mapping[str, TimeLimit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    office_hours: str = ""              # e.g. "08:30-17:30"; empty = whole working days
    extra_holidays: tuple[str, ...] = ()
    extra_workdays: tuple[str, ...] = ()
    reminder_lead: timedelta = timedelta(hours=2)
    sweep_interval: timedelta = timedelta(seconds=60)
    supervision_after: timedelta = timedelta(hours=24)    # overdue this long → 督办 one level higher
    digest_threshold: int = 3                             # more alerts than this to one person → one digest
    briefing_time: time = time(8, 0)
    weekly_briefing_day: int = 0                          # Monday
    auto_close_after: timedelta = timedelta(days=7)
    bind_code_ttl: timedelta = timedelta(days=7)
    bind_attempts_per_hour: int = 5
    tickets_per_hour: int = 10
    patrol_cycle_urban: timedelta = timedelta(days=45)
    patrol_cycle_rural: timedelta = timedelta(days=30)
    outbox_interval: timedelta = timedelta(seconds=1)
    outbox_max_backoff: timedelta = timedelta(minutes=5)  # retries wait 1 s, 2 s, 4 s … up to this
    rate_limiter: bool = True           # pace sends to Telegram's flood limits (below)
    pace_per_second: int = 30           # sent messages per second, all chats together
    pace_chat_burst: int = 3            # sent messages to one chat within pace_chat_window
    pace_chat_window: timedelta = timedelta(seconds=3)
    send_concurrency: int = 32          # messages in flight at once (different chats)
    update_concurrency: int = 32        # updates handled at once (one chat's always in order)
    stop_timeout: timedelta = timedelta(seconds=12)      # SIGTERM: everything stopped within this
    webhook_url: str = ""               # public HTTPS address Telegram posts updates to; empty: polling
    webhook_listen: str = "127.0.0.1"   # where this process listens, behind the reverse proxy
    webhook_port: int = 8081
    webhook_path: str = ""              # empty: the path of webhook_url
    webhook_secret: str = ""            # X-Telegram-Bot-Api-Secret-Token; empty: derived from the token
    webhook_max_connections: int = 40   # Telegram's concurrent deliveries (1-100)
    webhook_delete_at_stop: bool = False   # off: the other processes behind the proxy keep serving
    claim_ttl: timedelta = timedelta(seconds=10)   # a dead process's chats (and outbox) are taken over after this
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    log_level: str = "INFO"
    bot_username: str = "gridbot_sandbox_bot"   # for t.me deep links in bind codes

    @property
    def database(self) -> str:
        """What storage.db.Database.open takes: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def file_base_url(self) -> str:
        """PTB base_file_url: explicit, or derived from the base URL (…/bot → …/file/bot)."""
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        if self.telegram_base_url:
            base = self.telegram_base_url.rstrip("/")
            head, _, tail = base.rpartition("/")
            return f"{head}/file/{tail}" if head else f"{base}/file"
        return "https://api.telegram.org/file/bot"


# Every setting can be given as GRIDBOT_<SETTING> (upper case), nested ones with "_" for each level:
# GRIDBOT_SANDBOX_PORT=8090, GRIDBOT_LIMITS_HELP_RESOLVE=5d, GRIDBOT_EXTRA_HOLIDAYS=2026-12-31,2027-01-02.
# Two shorter names are kept from the first releases.
ENV_PREFIX = "GRIDBOT_"
ENV_ALIASES = {"GRIDBOT_DB": "db_path", "GRIDBOT_ORG": "org_path"}
# GRIDBOT_* variables that are not settings (the config file's path; switches of the bench and the tests).
ENV_NOT_SETTINGS = frozenset({"GRIDBOT_CONFIG", "GRIDBOT_BENCH_PROFILE", "GRIDBOT_REQUIRE_BROWSER",
                              "GRIDBOT_REQUIRE_POSTGRES", "GRIDBOT_TEST_POSTGRES_URL",
                              "GRIDBOT_BENCH_POSTGRES_URL"})
_LIMIT_FIELDS = ("accept", "resolve", "working_time")
_DURATIONS = {f.name for f in fields(Config) if f.type == "timedelta"}
_INTS = {f.name for f in fields(Config) if f.type == "int"}
_BOOLS = {f.name for f in fields(Config) if f.type == "bool"}
_LISTS = {f.name for f in fields(Config) if f.type.startswith("tuple")}


def env_name(setting: str) -> str:
    """The environment variable of a setting (`sandbox_port` → GRIDBOT_SANDBOX_PORT)."""
    return ENV_PREFIX + setting.upper().replace(".", "_")


def env_names() -> dict[str, str]:
    """Every environment variable a setting can come from → the setting (nested ones as limits.<class>.<field>)."""
    names = {env_name(f.name): f.name for f in fields(Config) if f.name != "limits"}
    for cls in DEFAULT_LIMITS:
        for part in _LIMIT_FIELDS:
            names[env_name(f"limits.{cls}.{part}")] = f"limits.{cls}.{part}"
    return {**names, **ENV_ALIASES}


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The GRIDBOT_* variables as a mapping shaped like the config file; unknown GRIDBOT_* names are refused."""
    known = env_names()
    raw: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_SETTINGS or value == "":
            continue                   # an empty variable is as good as unset
        if name not in known:
            if name.startswith(ENV_PREFIX + "LIMITS_"):         # a limit class of the user's own
                cls, _, part = name[len(ENV_PREFIX + "LIMITS_"):].lower().rpartition("_")
                if cls and part in _LIMIT_FIELDS:
                    raw.setdefault("limits", {}).setdefault(cls, {})[part] = value
                    continue
            import difflib
            near = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise ConfigError(f"unknown environment variable {name}{hint}")
        setting = known[name]
        if setting.startswith("limits."):
            _, cls, part = setting.split(".")
            raw.setdefault("limits", {}).setdefault(cls, {})[part] = value
        else:
            raw[setting] = value
    for key in list(raw):
        if key in _INTS:
            try:
                raw[key] = int(raw[key])
            except ValueError:
                raise ConfigError(f"{key} ({env_name(key)}): expected a whole number, got {raw[key]!r}") from None
        elif key in _LISTS:
            raw[key] = [v.strip() for v in raw[key].split(",") if v.strip()]
    for spec in raw.get("limits", {}).values():
        if "working_time" in spec:
            spec["working_time"] = _bool(spec["working_time"], "working_time")
    return raw


def _limits(raw: Mapping[str, Any], base: Mapping[str, TimeLimit]) -> dict[str, TimeLimit]:
    limits = dict(base)
    for name, spec in raw.items():
        if not isinstance(spec, Mapping):
            raise ConfigError(f"limits.{name}: expected a table with accept and resolve")
        was = limits.get(name, DEFAULT_LIMITS["help"])
        limits[name] = TimeLimit(
            accept=parse_duration(spec.get("accept", was.accept.total_seconds()), f"limits.{name}.accept"),
            resolve=parse_duration(spec.get("resolve", was.resolve.total_seconds()), f"limits.{name}.resolve"),
            working_time=bool(spec.get("working_time", was.working_time)),
        )
    return limits


def from_mapping(raw: Mapping[str, Any], base: Config | None = None) -> Config:
    """Build a Config from a flat mapping (the TOML file's keys); unknown keys are refused."""
    base = base or Config()
    known = {f.name for f in fields(Config)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        if key in _DURATIONS:
            changes[key] = parse_duration(value, key)
        elif key in _INTS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{key}: expected a whole number, got {value!r}")
            changes[key] = value
        elif key == "limits":
            changes[key] = _limits(value, base.limits)
        elif key == "briefing_time":
            try:
                changes[key] = time.fromisoformat(str(value))
            except ValueError as exc:
                raise ConfigError(f"briefing_time: expected HH:MM, got {value!r}") from exc
        elif key in ("extra_holidays", "extra_workdays"):
            changes[key] = tuple(str(v) for v in value)
        elif key in _BOOLS:
            changes[key] = _bool(value, key)
        else:
            changes[key] = str(value)
    return replace(base, **changes)


def load(env: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the TOML file named by GRIDBOT_CONFIG, then the GRIDBOT_* variables."""
    env = os.environ if env is None else env
    config = Config()
    path = env.get("GRIDBOT_CONFIG")
    if path:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"GRIDBOT_CONFIG {path}: cannot read ({exc.strerror or exc})") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"GRIDBOT_CONFIG {path}: not valid TOML ({exc})") from exc
        config = from_mapping(raw.get("gridbot", raw), config)
    return from_mapping(_from_env(env), config)
