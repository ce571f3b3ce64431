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
from conftest import WORKER, on

ROOT = Path(__file__).resolve().parents[1]
RESIDENTS = 40


def start_bot(api: FakeBotApi, db: Path, log: Path) -> subprocess.Popen:
    """`gridbot run` on the sandbox; one chat may take 100 messages in 3 s here (40 orders go to one worker)."""
    config = db.with_name("gridbot.toml")
    config.write_text("pace_chat_burst = 100\n", encoding="utf-8")
    env = {**os.environ, "GRIDBOT_TELEGRAM_BASE_URL": api.bot_api_url, "GRIDBOT_DB": str(db),
           "GRIDBOT_CONFIG": str(config)}
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
    """Sends once and presses once, whatever happens to the bot meanwhile: nothing fetched may be lost."""
    user = control.user(user_id)
    await user.send(text)
    draft = await user.wait_for(lambda m: "✅ 提交" in str(m.buttons), timeout=60)
    await user.press(draft, "✅ 提交")
    await user.wait_for("已受理", timeout=60)


async def prepared(tmp_path: Path, database: str | None = None) -> tuple[Path | str, FakeBotApi, SandboxControl, Path]:
    """A database with the demo district and staff accounts, as `make run` has them, and a started sandbox.

    `database`: a SQLite path or a PostgreSQL URL (conftest's `database` fixture); by default a SQLite
    file in tmp_path, returned as a Path."""
    db = tmp_path / "gridbot.db" if database is None else database
    deps = await build_deps(on(str(db), Config()))
    await bind_demo_accounts(deps)
    await deps.db.close()
    api = FakeBotApi(users=DEMO_USERS, callback_ttl=120)
    await api.start()
    return db, api, SandboxControl(api.base_url), tmp_path / "bot.log"


async def test_sigkill_mid_burst_loses_nothing(tmp_path):
    db, api, control, log = await prepared(tmp_path)
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

        # every resident heard back exactly once: one draft (edited into the receipt) each
        for uid in range(60001, 60001 + RESIDENTS):
            answers = [m for m in await control.user(uid).bot_messages() if "已受理" in m.text or "请确认" in m.text]
            assert len(answers) == 1, (uid, [m.text[:20] for m in answers])

        # SIGTERM: stop polling, finish, close the database, exit 0
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(20) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
        await control.aclose()
        await api.stop()


async def test_sigterm_during_hanging_outage_exits_and_loses_nothing(tmp_path):
    """Sends hang; SIGTERM must end the process within 15 s, and what it owed goes after the next start."""
    db, api, control, log = await prepared(tmp_path)
    bot = start_bot(api, db, log)
    try:
        residents = list(range(62001, 62006))
        for uid in residents:
            await control.add_user(uid, f"居民{uid}")
        await control.user(residents[0]).send("/help")          # the bot is up and answering
        await control.user(residents[0]).wait_for(None, timeout=30)
        await control.fault(method="sendMessage", kind="outage", seconds=120, hang=True)
        for uid in residents:
            await control.user(uid).send("/my")
        for _ in range(200):                                     # all handled: replies owed, sends hanging
            with sqlite3.connect(db, timeout=5) as conn:
                owed = conn.execute("SELECT count(*) FROM outbox WHERE kind = 'say' AND state = 'pending'").fetchone()[0]
            if owed >= len(residents):
                break
            await asyncio.sleep(0.05)
        assert owed >= len(residents)
        began = asyncio.get_running_loop().time()
        bot.send_signal(signal.SIGTERM)
        while bot.poll() is None and asyncio.get_running_loop().time() - began < 20:
            await asyncio.sleep(0.05)
        took = asyncio.get_running_loop().time() - began
        print(f"\n[sigterm hanging] exited in {took:.1f} s with {bot.returncode}")
        assert bot.returncode == 0 and took < 15
        await control.clear_faults()
        bot = start_bot(api, db, log)
        for uid in residents:
            assert await control.user(uid).wait_for("还没有提交过工单", timeout=30)
        await asyncio.sleep(0.5)
        for uid in residents:
            assert len([m for m in await control.user(uid).bot_messages() if "还没有提交过工单" in m.text]) == 1
    finally:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(20)
            except subprocess.TimeoutExpired:
                bot.kill()
        await control.aclose()
        await api.stop()
