"""The machine and the versions the figures were measured on."""
from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict:
    return {
        "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
        "python_telegram_bot": _version("python-telegram-bot"), "jieba": _version("jieba"),
        "aiosqlite": _version("aiosqlite"), "sqlite": sqlite3.sqlite_version,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
