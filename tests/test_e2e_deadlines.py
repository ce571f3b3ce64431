"""End to end over the sandbox with second-long limits: reminder, overdue notice, supervisor's alert, 督办; patrol."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import DEFAULT_LIMITS, Config, TimeLimit
from conftest import RESIDENT, STREET, SUPERVISOR, WORKER
from flows import report


@pytest.fixture
def bot_config(tmp_path) -> Config:
    limits = dict(DEFAULT_LIMITS)
    limits["help"] = TimeLimit(accept=timedelta(seconds=2), resolve=timedelta(seconds=4), working_time=False)
    return Config(db_path=str(tmp_path / "gridbot.db"), rate_limiter=False, limits=limits,
                  sweep_interval=timedelta(seconds=0.3), reminder_lead=timedelta(seconds=1),
                  supervision_after=timedelta(seconds=1.5), outbox_interval=timedelta(seconds=0.2))


async def test_a_ticket_left_alone_is_chased_up_the_levels(gridbot):
    number = await report(gridbot.user(RESIDENT))
    worker = gridbot.user(WORKER)
    await worker.wait_for(number)                                          # the new order
    reminder = await worker.wait_for(lambda m: "即将超时" in m.text and number in m.text)
    overdue = await worker.wait_for(lambda m: "已超签收时限" in m.text and number in m.text)
    assert reminder.seq < overdue.seq
    assert any(data.startswith("t:acc:") for _, data in overdue.buttons)
    alert = await gridbot.user(SUPERVISOR).wait_for(lambda m: "超时预警" in m.text and number in m.text)
    assert "纺织路社区第一网格" in alert.text
    supervise = await gridbot.user(STREET).wait_for(lambda m: "督办" in m.text and number in m.text)
    assert supervise.text


async def test_patrol_check_in(gridbot):
    worker = gridbot.user(WORKER)
    await worker.send("/patrol")
    prompt = await worker.wait_for("巡格打卡")
    assert prompt.reply_markup and "keyboard" in prompt.reply_markup
    await worker.share_location(33.5825, 114.0725)
    done = await worker.wait_for("已记录巡格打卡")
    assert "纺织路社区第一网格" in done.text and "网格范围内" in done.text


async def test_stats_for_a_supervisor(gridbot):
    await report(gridbot.user(RESIDENT))
    supervisor = gridbot.user(SUPERVISOR)
    await supervisor.send("/stats")
    stats = await supervisor.wait_for("民情速报")
    assert "纺织路社区" in stats.text and "新增 1 件" in stats.text
