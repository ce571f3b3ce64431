"""Shared fixtures: services on a real database (a SQLite file, or a fresh PostgreSQL database) with the
demo district, and the whole bot on the sandbox.

Engines: a test module sets `ENGINES = ("sqlite", "postgres")` to run its tests (those using the `engine`,
`database`, `deps` or `gridbot` fixtures) on both; the default is SQLite only. PostgreSQL needs
GRIDBOT_TEST_POSTGRES_URL (`.ci/run` starts a server and sets it); without it those runs are skipped,
and with GRIDBOT_REQUIRE_POSTGRES=1 (CI) they fail instead.
"""
from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot.app import bind_demo_accounts, build_application, build_deps, show_staff_menus, start, stop  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.demo import DEMO_USERS  # noqa: E402
from bot.sandbox.client import SandboxControl, SandboxUser  # noqa: E402
from bot.sandbox.server import FakeBotApi  # noqa: E402
from bot.services.accounts import identify  # noqa: E402
from fakes import FakeClock  # noqa: E402

RESIDENT, WORKER, WORKER2, SUPERVISOR, STREET, DISTRICT, WATER = 10001, 20001, 20002, 30001, 30002, 30003, 40001


PG_URL = os.environ.get("GRIDBOT_TEST_POSTGRES_URL", "")
PG_SKIP = "PostgreSQL runs skipped: no GRIDBOT_TEST_POSTGRES_URL (.ci/run starts a server and sets it)"
_pg_databases = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "engines(*names): run this test on these engines only")


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("engines")
        engines = marker.args if marker else getattr(metafunc.module, "ENGINES", ("sqlite",))
        metafunc.parametrize("engine", engines)


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if any(PG_SKIP in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(PG_SKIP)


def _pg_admin(sql: str) -> None:
    import psycopg
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(dbname: str) -> str:
    """GRIDBOT_TEST_POSTGRES_URL (a postgresql:// URL) naming another database of the same server."""
    from urllib.parse import urlsplit, urlunsplit
    return urlunsplit(urlsplit(PG_URL)._replace(path="/" + dbname))


@pytest.fixture(scope="session")
def pg_template():
    """A database with every migration applied, copied for each test (CREATE DATABASE … TEMPLATE)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor
    from storage.db import Database
    name = f"gridbot_tpl_{os.getpid()}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {name}")

    async def migrate():
        await (await Database.open(_pg_url(name), pool_size=2)).close()
    # its own thread and loop: the first test to need it may be inside a running loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, migrate()).result()
    yield name
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def engine(request) -> str:
    return request.param


@pytest.fixture
def database(engine, tmp_path, request) -> str:
    """What Database.open takes: a fresh SQLite file, or a fresh PostgreSQL database (dropped after)."""
    if engine == "sqlite":
        return str(tmp_path / "gridbot.db")
    if not PG_URL:
        if os.environ.get("GRIDBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("GRIDBOT_REQUIRE_POSTGRES=1 but no GRIDBOT_TEST_POSTGRES_URL")
        pytest.skip(PG_SKIP)
    template = request.getfixturevalue("pg_template")
    name = f"gridbot_t{os.getpid()}_{next(_pg_databases)}"
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    request.addfinalizer(lambda: _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return _pg_url(name)


def on(database: str, config: Config) -> Config:
    """The config with its database set to `database` (a file path or a PostgreSQL URL)."""
    if database.startswith("postgresql://"):
        return replace(config, database_url=database)
    return replace(config, db_path=database)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def deps(database, clock):
    """Services over a fresh database holding the demo district, demo staff bound, on a fake clock."""
    config = on(database, Config())
    deps = await build_deps(config, clock=clock)
    await bind_demo_accounts(deps)
    yield deps
    await deps.db.close()


@pytest.fixture
def actor(deps):
    async def get(chat_id: int, name: str = "张阿姨"):
        return await identify(deps, chat_id, name)
    return get


@dataclass
class Running:
    api: FakeBotApi
    control: SandboxControl
    deps: object
    application: object

    def user(self, user_id: int) -> SandboxUser:
        return self.control.user(user_id)


@pytest.fixture
def bot_config(tmp_path) -> Config:
    """Override in a test module to change settings (e.g. second-long time limits)."""
    return Config(db_path=str(tmp_path / "gridbot.db"), rate_limiter=False)


@pytest.fixture
async def gridbot(bot_config, engine, request):
    """The real bot, through python-telegram-bot's HTTP stack, against the sandbox Bot API."""
    if engine == "postgres":         # the module's own bot_config, on a fresh PostgreSQL database
        bot_config = replace(bot_config, database_url=request.getfixturevalue("database"))
    api = FakeBotApi(users=DEMO_USERS, callback_ttl=30)
    await api.start()
    config = replace(bot_config, telegram_base_url=api.bot_api_url, telegram_base_file_url=api.file_url)
    deps = await build_deps(config)
    demo_staff = await bind_demo_accounts(deps)
    application = build_application(config, deps)
    await start(application)
    await show_staff_menus(application, demo_staff)          # as `gridbot run` does for the sandbox
    control = SandboxControl(api.base_url)
    try:
        yield Running(api, control, deps, application)
    finally:
        await control.aclose()
        await stop(application)
        await api.stop()
