"""The real `gridbot run` process, killed with SIGKILL in the middle of a burst of reports, then restarted:
no ticket, history entry or owed message lost, nothing applied twice; SIGTERM shuts down cleanly."""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.app import bind_demo_accounts, build_deps
from bot.config import Config
from bot.demo import DEMO_USERS
from bot.sandbox.client import SandboxControl
from bot.sandbox.server import FakeBotApi
from conftest import WORKER

ROOT = Path(__file__).resolve().parents[1]
RESIDENTS = 24


def start_bot(api: FakeBotApi, db: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "GRIDBOT_TELEGRAM_BASE_URL": api.bot_api_url, "GRIDBOT_DB": str(db)}
    env.pop("GRIDBOT_TELEGRAM_TOKEN", None)
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def tickets_in(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


async def resident_reports(control: SandboxControl, user_id: int, text: str) -> None:
    """Like a person: report, confirm, and try again when the bot says nothing for a while."""
    user = control.user(user_id)
    for _ in range(8):
        await user.send(text)
        try:
            draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons), timeout=6)
            break
        except asyncio.TimeoutError:
            continue
    else:
        raise AssertionError(f"{user_id}: no draft")
    for _ in range(8):
        await user.press(draft, "✅ 提交")
        try:
            await user.wait_for("已受理", timeout=6)
            return
        except asyncio.TimeoutError:
            continue
    raise AssertionError(f"{user_id}: no ticket number")


async def test_sigkill_mid_burst_loses_nothing(tmp_path):
    db = tmp_path / "gridbot.db"
    deps = await build_deps(Config(db_path=str(db)))        # demo district and staff accounts, as `make run` has them
    await bind_demo_accounts(deps)
    await deps.db.close()
    api = FakeBotApi(users=DEMO_USERS, callback_ttl=60)
    await api.start()
    control = SandboxControl(api.base_url)
    log = tmp_path / "bot.log"
    bot = start_bot(api, db, log)
    try:
        for uid in range(60001, 60001 + RESIDENTS):
            await control.add_user(uid, f"居民{uid}")
        texts = [f"人民东路62号院{i}号楼下水道堵了，污水冒出来" for i in range(RESIDENTS)]
        burst = asyncio.gather(*(resident_reports(control, 60001 + i, texts[i]) for i in range(RESIDENTS)))
        while tickets_in(db) < RESIDENTS // 3:                        # in the middle of the burst
            await asyncio.sleep(0.02)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        at_kill = tickets_in(db)
        bot = start_bot(api, db, log)
        await asyncio.wait_for(burst, 120)

        deps = await build_deps(Config(db_path=str(db)))
        async with deps.db.read() as tx:
            per_resident = await tx.all("SELECT r.chat_id, count(t.id) AS n FROM residents r "
                                        "LEFT JOIN tickets t ON t.resident_id = r.id WHERE r.chat_id >= 60001 "
                                        "GROUP BY r.chat_id")
            submits = await tx.scalar("SELECT count(*) FROM ticket_events WHERE action = 'submit'")
            numbers = [r["number"] for r in await tx.all("SELECT number FROM tickets ORDER BY id")]
        await deps.db.close()
        assert sorted(r["n"] for r in per_resident) == [1] * RESIDENTS       # one ticket each, none twice
        assert submits == RESIDENTS

        # every owed "new ticket" message reaches the grid worker
        worker = control.user(WORKER)
        for _ in range(100):
            offers = [m.text for m in await worker.bot_messages() if m.text.startswith("新工单")]
            if all(any(n in o for o in offers) for n in numbers):
                break
            await asyncio.sleep(0.2)
        delivered = {n: sum(n in o for o in offers) for n in numbers}
        print(f"\n[sigkill] tickets at kill={at_kill} tickets={len(numbers)} offers delivered={sum(delivered.values())} "
              f"lost={sum(1 for v in delivered.values() if v == 0)} duplicates={sum(v - 1 for v in delivered.values() if v > 1)}")
        assert all(v >= 1 for v in delivered.values())

        # SIGTERM: stop polling, finish, close the database, exit 0
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(20) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
        await control.aclose()
        await api.stop()
