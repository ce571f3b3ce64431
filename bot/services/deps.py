"""What every use case needs, built once by the composition root, and who is acting."""
from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock, iso
from bot.config import Config
from bot.services.units import UnitCache
from bot.sla import WorkCalendar
from nlp.classifier import Classifier
from nlp.lexicon import Lexicon
from nlp.locator import Locator
from storage import outbox
from storage.db import Database


def node_id() -> str:
    """This process among those sharing the database: host, pid and a random part (pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class Deps:
    db: Database
    clock: Clock
    config: Config
    lexicon: Lexicon
    classifier: Classifier
    calendar: WorkCalendar
    locator: Locator = field(default_factory=lambda: Locator(()))
    boundaries: dict = field(default_factory=dict)
    on_outbox: object = None          # callable(): wakes the sender after a commit that queued messages
    _queued: bool = False             # something was queued since the sender was last woken
    units: UnitCache = field(default_factory=UnitCache)
    actors: dict = field(default_factory=dict)          # chat id → (Actor, monotonic time read)
    deadlines: object = None          # bot.deadline_policy.DeadlinePolicy (built once, by the composition root)
    node: str = field(default_factory=node_id)          # holder name for leases and outbox claims
    leases: dict = field(default_factory=dict)          # lease name → held at the last try
    org_version: object = None                          # the org import the caches were built from
    cache_checked: float = 0.0                          # monotonic time org_version was last read

    def __post_init__(self) -> None:
        if self.deadlines is None:
            from bot.deadline_policy import DeadlinePolicy
            self.deadlines = DeadlinePolicy(self.config, self.lexicon, self.calendar)

    def now(self) -> datetime:
        return self.clock.now()

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def category_name(self, code: str) -> str:
        category = self.lexicon.categories.get(code)
        return category.name if category else code

    async def enqueue(self, tx, chat_id: int, kind: str, payload: dict, now: str, ticket_id: int | None = None) -> int:
        """Queue a message in the caller's transaction; the sender is woken after the commit."""
        self._queued = True
        return await outbox.enqueue(tx, chat_id, kind, payload, now, ticket_id)

    def wake_outbox(self) -> None:
        """Wake the sender if anything was queued since it was last woken (most actions queue nothing)."""
        if self._queued and callable(self.on_outbox):
            self._queued = False
            self.on_outbox()


@dataclass(frozen=True)
class Actor:
    kind: str                 # "resident" | "staff"
    id: int
    chat_id: int
    role: str                 # "resident" | "worker" | "handler" | "supervisor" | "admin"
    unit_id: int | None = None
    name: str = ""
    unit_name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"
