"""Logging: one line per event with its ticket and update ids, and the bot token never written."""
from __future__ import annotations

import json
import logging

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class Redact(logging.Filter):
    """Replaces secrets (the bot token) wherever they appear in a record's text."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            text = record.getMessage()
            if any(secret in text for secret in self.secrets):
                for secret in self.secrets:
                    text = text.replace(secret, "<token>")
                record.msg, record.args = text, ()
        return True


class StructuredFormatter(logging.Formatter):
    """`time level logger message` followed by the record's extras as JSON (ticket_id, update_id …)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        return f"{line} {json.dumps(extras, ensure_ascii=False, default=str)}" if extras else line


def setup(level: str = "INFO", token: str = "") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(StructuredFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(Redact([token]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)     # it logs every URL, token included
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
