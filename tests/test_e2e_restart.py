"""Restarting on the same database: update ids that begin again at 1 are new updates, not re-deliveries."""
from __future__ import annotations

from dataclasses import replace

from bot.app import bind_demo_accounts, build_application, build_deps, start, stop
from bot.config import Config
from bot.demo import DEMO_USERS
from bot.sandbox.client import SandboxControl
from bot.sandbox.server import FakeBotApi
from conftest import RESIDENT


async def run_once(config: Config, text: str) -> list[str]:
    """A fresh sandbox (update ids from 1) and a fresh bot on the same database: send, wait, stop."""
    api = FakeBotApi(users=DEMO_USERS)
    await api.start()
    deps = await build_deps(replace(config, telegram_base_url=api.bot_api_url, telegram_base_file_url=api.file_url))
    await bind_demo_accounts(deps)
    application = build_application(deps.config, deps)
    await start(application)
    control = SandboxControl(api.base_url)
    try:
        user = control.user(RESIDENT)
        for _ in range(3):
            await user.send(text)
            await user.wait_for(lambda m: True, timeout=10)
        return [m.text for m in await user.bot_messages()]
    finally:
        await control.aclose()
        await stop(application)
        await api.stop()


async def test_sandbox_restarted_on_the_same_database_is_answered(tmp_path):
    config = Config(db_path=str(tmp_path / "gridbot.db"), rate_limiter=False)
    first = await run_once(config, "/help")
    second = await run_once(config, "/my")                    # update ids 1, 2, 3 again
    assert len(first) == 3 and len(second) == 3
    assert all("还没有提交过工单" in text for text in second)
