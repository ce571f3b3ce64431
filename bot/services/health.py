"""The health report behind `gridbot doctor`: figures, and whether they are healthy.

Unhealthy (exit status 1, for monitoring): the database is missing or unreadable; the deadline sweep
has not run within three sweep intervals (plus a minute), or never; the oldest unsent message has
waited longer than twice `outbox_max_backoff` (at least 10 minutes). Undeliverable messages and a
quiet chat are reported, not judged: residents block bots, and nights are quiet.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import parse_iso
from bot.config import Config
from storage import health
from storage.db import Database, StorageError


def _size(path: str) -> int:
    return sum(Path(path + suffix).stat().st_size for suffix in ("", "-wal") if Path(path + suffix).exists())


def sweep_allowance(config: Config) -> timedelta:
    return config.sweep_interval * 3 + timedelta(minutes=1)


def backlog_allowance(config: Config) -> timedelta:
    return max(config.outbox_max_backoff * 2, timedelta(minutes=10))


def _redacted(target: str) -> str:
    """A database URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", target)


def _age(value: str | None, now: datetime) -> float | None:
    return None if not value else round((now - parse_iso(value)).total_seconds(), 1)


async def check(config: Config, now: datetime) -> dict:
    """Plain data: `healthy`, `problems` (codes), the figures, times as ISO UTC with their age in seconds."""
    report: dict = {"healthy": False, "problems": [], "path": _redacted(config.database)}
    local = not config.database_url and config.db_path != ":memory:"
    if local and not Path(config.db_path).exists():
        report.update(database="missing", problems=["database_missing"])
        return report
    try:
        db = await Database.open(config.database, pool_size=2)
    except (StorageError, OSError) as exc:
        report.update(database="error", error=str(exc), problems=["database_error"])
        return report
    try:
        async with db.read() as tx:
            figures = await health.figures(tx)
    finally:
        await db.close()
    sweep = figures.pop("last_sweep") or {}
    update = figures.pop("last_update") or {}
    figures.setdefault("size_bytes", _size(config.db_path) if local else 0)
    report.update(database="ok", **figures)
    report["last_sweep"] = sweep.get("at")
    report["last_sweep_age"] = _age(sweep.get("at"), now)
    report["outbox_oldest_pending_age"] = _age(figures["outbox_oldest_pending"], now)
    report["last_update"] = update.get("at")
    report["last_update_age"] = _age(update.get("at"), now)
    report["last_update_id"] = update.get("update_id")
    problems = []
    if report["last_sweep_age"] is None:
        problems.append("sweep_never_ran")
    elif report["last_sweep_age"] > sweep_allowance(config).total_seconds():
        problems.append("sweep_stale")
    if (report["outbox_oldest_pending_age"] or 0) > backlog_allowance(config).total_seconds():
        problems.append("outbox_backlog")
    report.update(problems=problems, healthy=not problems)
    return report
