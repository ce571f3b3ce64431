"""Two `gridbot run --webhook` processes on one database behind a small load balancer of our own, over
the sandbox in webhook mode: every update applied once and one chat's in order whichever process
received it; SIGKILL one mid-burst and the other carries on (claims lapse after claim_ttl).

The load balancer (bot/bench/balancer.py) alternates POSTs between the two (so one chat's updates land
on both) and, like nginx's `proxy_next_upstream error`, tries the other when a process refuses the
connection; a request cut off mid-way is answered 502 and the sandbox, like Telegram, sends it again.

On both engines (ENGINES): a SQLite file (GRIDBOT_DB) and a fresh PostgreSQL database
(GRIDBOT_DATABASE_URL), the engine a city runs two processes on. The test reads the database through
storage.db.Database, whichever it is.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.bench.balancer import Balancer, free_port
from conftest import WORKER
from storage.db import Database, is_postgres_url
from test_e2e_crash import prepared, resident_reports

ENGINES = ("sqlite", "postgres")

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = 'pace_chat_burst = 300\nclaim_ttl = "3s"\nlog_level = "WARNING"\n'


def start_bot(api, database: str, log: Path, url: str, port: int) -> subprocess.Popen:
    config = log.with_name("gridbot.toml")
    config.write_text(SETTINGS, encoding="utf-8")
    env = {name: value for name, value in os.environ.items()
           if name not in ("GRIDBOT_TELEGRAM_TOKEN", "GRIDBOT_DB", "GRIDBOT_DATABASE_URL")}
    env.update({"GRIDBOT_TELEGRAM_BASE_URL": api.bot_api_url, "GRIDBOT_CONFIG": str(config),
                ("GRIDBOT_DATABASE_URL" if is_postgres_url(database) else "GRIDBOT_DB"): database})
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook", url, "--listen", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def two_bots(tmp_path, database: str):
    _, api, control, log = await prepared(tmp_path, database)
    ports = [free_port(), free_port()]
    balancer = Balancer(ports)
    url = await balancer.start()
    bots = [start_bot(api, database, log, url, port) for port in ports]
    return api, control, log, balancer, bots


async def stop_all(api, control, balancer, bots) -> None:
    for bot in bots:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
    for bot in bots:
        try:
            bot.wait(20)
        except subprocess.TimeoutExpired:
            bot.kill()
    await balancer.stop()
    await control.aclose()
    await api.stop()


async def look(db: Database, pid: int) -> tuple[int, int]:
    """(tickets, chats whose claim the process `pid` holds), in one read: on a loaded machine each read
    of PostgreSQL may take a tenth of a second, so the test asks once (owner names are host:pid:random)."""
    async with db.read() as tx:
        row = await tx.one("SELECT (SELECT count(*) FROM tickets) AS tickets, "
                           "(SELECT count(*) FROM inbox_claims WHERE owner LIKE :me) AS held", {"me": f"%:{pid}:%"})
    return row["tickets"], row["held"]


async def counts(database: str) -> dict:
    db = await Database.open(database, pool_size=2)
    async with db.read() as tx:
        per_resident = await tx.all("SELECT r.chat_id, count(t.id) AS n FROM residents r "
                                    "LEFT JOIN tickets t ON t.resident_id = r.id WHERE r.chat_id >= 60001 "
                                    "GROUP BY r.chat_id")
        submits = await tx.scalar("SELECT count(*) FROM ticket_events WHERE action = 'submit'")
        numbers = [r["number"] for r in await tx.all("SELECT number FROM tickets ORDER BY id")]
        pending = await tx.scalar("SELECT count(*) FROM inbox WHERE state = 'pending'")
        owed = await tx.all("SELECT chat_id, count(*) AS n FROM outbox WHERE chat_id >= 60001 GROUP BY chat_id")
    await db.close()
    return {"per_resident": sorted(r["n"] for r in per_resident), "submits": submits, "numbers": numbers,
            "pending": pending, "outbox_per_resident": sorted({r["n"] for r in owed})}


async def offers_to_worker(control, numbers: list[str]) -> dict[str, int]:
    worker = control.user(WORKER)
    for _ in range(150):
        offers = [m.text for m in await worker.bot_messages() if m.text.startswith("新工单")]
        if all(any(n in o for o in offers) for n in numbers):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)                      # anything sent twice would arrive by now
    offers = [m.text for m in await worker.bot_messages() if m.text.startswith("新工单")]
    return {n: sum(n in o for o in offers) for n in numbers}


async def asks_in_order_then_reports(control, uid: int, text: str) -> None:
    """Two commands at once (the sandbox posts the second after the first is answered; the balancer
    sends it to the other process), then a report: the replies must come in the order asked."""
    user = control.user(uid)
    await user.send("/my")
    await user.send("/help")
    for _ in range(300):
        said = [m.text for m in await user.bot_messages()]
        if len(said) >= 2:
            break
        await asyncio.sleep(0.1)
    assert "还没有提交过工单" in said[0] and "还没有提交过工单" not in said[1], (uid, [s[:20] for s in said])
    await resident_reports(control, uid, text)


async def test_burst_over_two_processes_applies_each_update_once_in_order(tmp_path, database, engine):
    residents = 100
    api, control, log, balancer, bots = await two_bots(tmp_path, database)
    try:
        for uid in range(60001, 60001 + residents):
            await control.add_user(uid, f"居民{uid}")
        await asyncio.wait_for(asyncio.gather(*(
            asks_in_order_then_reports(control, 60001 + i, f"人民东路62号院{i}号楼下水道堵了，污水冒出来")
            for i in range(residents))), 150)
        got = await counts(database)
        assert got["per_resident"] == [1] * residents and got["submits"] == residents
        delivered = await offers_to_worker(control, got["numbers"])
        hook = (await control.stats())["webhook"]
        print(f"\n[two processes, {engine}] served={balancer.served} tickets={len(got['numbers'])} "
              f"offers={sum(delivered.values())} posts={hook['posts']} redelivered={hook['redelivered']}")
        assert all(balancer.served.values())                     # both processes took updates
        assert all(v == 1 for v in delivered.values())            # every notice once
        for uid in range(60001, 60001 + residents):               # every resident answered once
            answers = [m for m in await control.user(uid).bot_messages() if "已受理" in m.text or "请确认" in m.text]
            assert len(answers) == 1, (uid, [m.text[:20] for m in answers])
        assert got["pending"] == 0
    finally:
        await stop_all(api, control, balancer, bots)


async def test_sigkill_one_of_two_processes_mid_burst(tmp_path, database, engine):
    residents = 60
    api, control, log, balancer, bots = await two_bots(tmp_path, database)
    db = None
    try:
        db = await Database.open(database, pool_size=2)      # the test's own look at tickets and claims
        for uid in range(60001, 60001 + residents):
            await control.add_user(uid, f"居民{uid}")
        burst = asyncio.gather(*(resident_reports(control, 60001 + i, f"人民东路62号院{i}号楼下水道堵了，污水冒出来")
                                 for i in range(residents)))
        loop, deadline = asyncio.get_running_loop(), None
        while True:                     # a third of the way in, and (for up to 1 s) while it holds chats:
            tickets, held = await look(db, bots[0].pid)      # the other takes those over after claim_ttl
            if tickets >= residents // 3:
                deadline = deadline or loop.time() + 1
                if held or loop.time() > deadline:
                    break
            await asyncio.sleep(0.005)
        bots[0].send_signal(signal.SIGKILL)
        bots[0].wait(10)
        at_kill, held = await look(db, bots[0].pid)
        await asyncio.wait_for(burst, 120)
        got = await counts(database)
        assert got["per_resident"] == [1] * residents and got["submits"] == residents
        delivered = await offers_to_worker(control, got["numbers"])
        hook = (await control.stats())["webhook"]
        # Each resident's messages as queued (one draft, edited into the receipt) and as they arrived:
        # a copy more than queued is the outbox's window too (sent by the dead one, not recorded).
        said = {uid: [m.text for m in await control.user(uid).bot_messages() if "已受理" in m.text or "请确认" in m.text]
                for uid in range(60001, 60001 + residents)}
        copies = sum(len(texts) - 1 for texts in said.values())
        twice = sum(v - 1 for v in delivered.values() if v > 1) + copies
        print(f"\n[sigkill 1 of 2, {engine}] tickets at kill={at_kill} chats the dead one held={held} tickets={len(got['numbers'])} served={balancer.served} "
              f"offers={sum(delivered.values())} lost={sum(1 for v in delivered.values() if v == 0)} "
              f"sent twice={twice} (residents' copies {copies}) posts={hook['posts']} redelivered={hook['redelivered']}")
        assert all(v >= 1 for v in delivered.values())
        # Nothing queued twice: every resident's chat owed the same messages (no update handled twice) …
        assert len(got["outbox_per_resident"]) == 1, got["outbox_per_resident"]
        # … and every resident heard back: the draft, edited into the one receipt; a second copy of the
        # draft only as the outbox's window (below).
        for uid, texts in said.items():
            assert sum("已受理" in t for t in texts) == 1, (uid, [t[:20] for t in texts])
        # Sent twice only inside the outbox's own window: sends the dead process made but had not recorded.
        assert twice <= 5
        assert got["pending"] == 0
        bots[1].send_signal(signal.SIGTERM)
        assert bots[1].wait(20) == 0
    finally:
        if db is not None:
            await db.close()
        await stop_all(api, control, balancer, bots)
