"""Databases for the sweep and briefing sections: a year of closed tickets, then open ones on top.

Built with executemany in one transaction on a database the bot itself created (migrations, demo
district, demo staff bound); the year of closed tickets is cached under var/bench/ keyed by size
and schema version, and copied for each run, since the sweep writes to it.
"""
from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.bench.driver import reports

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)       # 10:00 in Shanghai, a Thursday
TZ = ZoneInfo("Asia/Shanghai")
DAYS = 365
SMALL_DAY_BACK, BIG_DAY_BACK = 20, 21                           # the two days of known size
INSERT_TICKET = """
INSERT INTO tickets (id, number, resident_id, text, category, priority, state, grid_id, unit_id, handler_id, place,
                     confidence, keywords, created_at, updated_at, accept_due, resolve_due, accepted_at, resolved_at,
                     closed_at, rating)
VALUES (?, ?, ?, ?, ?, 'normal', ?, ?, ?, ?, ?, 0.9, '[]', ?, ?, ?, ?, ?, ?, ?, ?)
"""
INSERT_EVENT = """
INSERT INTO ticket_events (ticket_id, at, action, actor_kind, actor_id, actor_role, from_state, to_state, data)
VALUES (?, ?, ?, 'resident', ?, 'resident', ?, ?, ?)
"""


def schema_version() -> int:
    from storage.db import migrations as _migrations
    return max(number for number, _ in _migrations())


def local_day(days_back: int) -> date:
    return NOW.astimezone(TZ).date() - timedelta(days=days_back)


def day_sizes(closed: int) -> dict[int, int]:
    """Tickets created per day (days back 1..365): two days of 1:4 size, the rest spread evenly."""
    small = max(closed // 1000, 10)
    big = 4 * small
    rest = closed - small - big
    per, extra = divmod(rest, DAYS - 2)
    sizes, others = {}, [d for d in range(1, DAYS + 1) if d not in (SMALL_DAY_BACK, BIG_DAY_BACK)]
    for i, d in enumerate(others):
        sizes[d] = per + (1 if i < extra else 0)
    sizes[SMALL_DAY_BACK], sizes[BIG_DAY_BACK] = small, big
    return sizes


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), timezone.utc).isoformat()


async def _base(path: Path) -> None:
    """A database made by the bot: migrations, the demo district, demo staff bound."""
    from bot.app import bind_demo_accounts, build_deps
    from bot.config import Config
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    deps = await build_deps(Config(db_path=str(path)))
    await bind_demo_accounts(deps)
    await deps.db.close()


def _context(conn: sqlite3.Connection) -> tuple[list[int], list[int], list[str], list[str]]:
    from nlp.lexicon import default_lexicon
    grids = [r[0] for r in conn.execute("SELECT id FROM units WHERE kind = 'grid' ORDER BY id")]
    workers = [r[0] for r in conn.execute("SELECT id FROM staff WHERE role = 'worker' ORDER BY id")]
    categories = [c for c in default_lexicon().categories if c != "other"]
    return grids, workers, categories, reports(144)


def _residents(conn: sqlite3.Connection, count: int) -> list[int]:
    start = conn.execute("SELECT coalesce(max(id), 0) FROM residents").fetchone()[0] + 1
    conn.executemany("INSERT INTO residents (id, chat_id, name, created_at) VALUES (?, ?, ?, ?)",
                     ((start + i, 9_000_000 + start + i, f"居民{i}", _iso(NOW.timestamp() - 400 * 86400))
                      for i in range(count)))
    return list(range(start, start + count))


def add_closed(path: Path, closed: int, seed: int = 7) -> None:
    """A year of closed tickets (each with its submit and rating events), in one transaction."""
    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    grids, workers, categories, texts = _context(conn)
    people = _residents(conn, 10_000)
    now = NOW.timestamp()
    tickets, events, ticket_id = [], [], 1
    for back, size in sorted(day_sizes(closed).items()):
        day = local_day(back)
        morning = datetime(day.year, day.month, day.day, 7, tzinfo=TZ).timestamp()
        stamp = day.strftime("%Y%m%d")
        for n in range(size):
            created = morning + rnd.random() * 15 * 3600
            room = (now - created) * 0.3
            accepted = created + min(rnd.uniform(1800, 72000), room)
            resolved = accepted + min(rnd.uniform(7200, 4 * 86400), room)
            closed_at = resolved + min(rnd.uniform(3600, 2 * 86400), room)
            rating = "satisfied" if rnd.random() < 0.85 else ("basically_satisfied" if rnd.random() < 0.6 else "unsatisfied")
            grid, resident, text = rnd.choice(grids), rnd.choice(people), rnd.choice(texts)
            c, r = _iso(created), _iso(resolved)
            tickets.append((ticket_id, f"GD{stamp}-{n + 1:04d}", resident, text, rnd.choice(categories), "closed",
                            grid, grid, rnd.choice(workers), text[:6], c, _iso(closed_at), _iso(created + 86400),
                            _iso(created + 5 * 86400), _iso(accepted), r, _iso(closed_at), rating))
            events.append((ticket_id, c, "submit", resident, None, "pending", "{}"))
            events.append((ticket_id, _iso(closed_at), "rate_satisfied" if rating != "unsatisfied" else "rate_unsatisfied",
                           resident, "resolved", "closed", '{"rating": "%s"}' % rating))
            ticket_id += 1
            if len(tickets) >= 50_000:
                conn.executemany(INSERT_TICKET, tickets)
                conn.executemany(INSERT_EVENT, events)
                tickets, events = [], []
    conn.executemany(INSERT_TICKET, tickets)
    conn.executemany(INSERT_EVENT, events)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def add_open(path: Path, count: int, seed: int = 11) -> None:
    """`count` open tickets of the last 10 days; one in twenty is overdue or near its deadline."""
    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    grids, workers, categories, texts = _context(conn)
    people = _residents(conn, 1000)
    first = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
    now = NOW.timestamp()
    rows = []
    for i in range(count):
        created = now - rnd.uniform(600, 10 * 86400)
        due = now - rnd.uniform(0, 30 * 3600) if i % 20 == 0 else now + rnd.uniform(3 * 3600, 10 * 86400)
        pending = i % 5 < 2
        grid, resident, text = rnd.choice(grids), rnd.choice(people), rnd.choice(texts)
        c = _iso(created)
        stamp = datetime.fromtimestamp(created, TZ).strftime("%Y%m%d")
        rows.append((first + i, f"GD{stamp}-O{i:05d}", resident, text, rnd.choice(categories),
                     "pending" if pending else "accepted", grid, grid, None if pending else rnd.choice(workers),
                     text[:6], c, c, _iso(due) if pending else _iso(created + 86400),
                     _iso(created + 5 * 86400) if pending else _iso(due), None if pending else c, None, None, None))
    conn.executemany(INSERT_TICKET, rows)
    conn.execute("COMMIT")
    conn.close()


async def prepare(workdir: Path, name: str, closed: int, open_: int) -> Path:
    """A working database with `closed` closed tickets (from the cache) plus `open_` open ones."""
    work = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    if closed:
        cached = workdir / f"closed-{closed}-v{schema_version()}.db"
        if not cached.is_file():
            partial = workdir / f"{cached.name}.partial"
            await _base(partial)
            add_closed(partial, closed)
            partial.replace(cached)
            for suffix in ("-wal", "-shm"):
                Path(f"{partial}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(cached, work)
    else:
        await _base(work)
    add_open(work, open_)
    return work


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
