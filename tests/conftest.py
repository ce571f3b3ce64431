"""Shared fixtures: services on a real SQLite file with the demo district, and the whole bot on the sandbox."""
from __future__ import annotations

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def deps(tmp_path, clock):
    """Services over a fresh database file holding the demo district, demo staff bound, on a fake clock."""
    config = Config(db_path=str(tmp_path / "gridbot.db"))
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
async def gridbot(bot_config):
    """The real bot, through python-telegram-bot's HTTP stack, against the sandbox Bot API."""
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
