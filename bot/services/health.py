"""The health report behind `gridbot doctor`."""
from __future__ import annotations

from pathlib import Path

from bot.config import Config
from storage import health
from storage.db import Database, StorageError


async def check(config: Config) -> dict:
    if config.db_path != ":memory:" and not Path(config.db_path).exists():
        return {"database": f"missing: {config.db_path}"}
    try:
        db = await Database.open(config.db_path)
    except (StorageError, OSError) as exc:
        return {"database": f"error: {exc}"}
    try:
        async with db.read() as tx:
            return {"database": "ok", "path": config.db_path, **await health.figures(tx)}
    finally:
        await db.close()
