"""The ticket as a domain object: each method checks its input and returns the change it makes
(the columns and the history event), without touching storage; `transitions.apply` writes it as a
compare-and-set. Deadlines come from the one DeadlinePolicy."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.services.errors import InvalidInput
from bot.workflow import Action


@dataclass(frozen=True)
class Change:
    action: Action
    note: str = ""
    data: dict[str, Any] | None = None
    fields: dict[str, Any] = field(default_factory=dict)


class Ticket:
    def __init__(self, row: dict) -> None:
        self.row = row

    def __getitem__(self, key: str):
        return self.row[key]

    def accept(self, staff_id: int, now: datetime) -> Change:
        return Change(Action.ACCEPT, fields={"handler_id": staff_id, "accepted_at": iso(now)})

    def return_to(self, unit: dict, reason: str) -> Change:
        return Change(Action.RETURN, reason, {"to": unit["code"]}, {"unit_id": unit["id"], "handler_id": None})

    def escalate_to(self, unit: dict, reason: str) -> Change:
        return Change(Action.ESCALATE, reason, {"to": unit["code"]}, {"unit_id": unit["id"], "handler_id": None})

    def dispatch_to(self, unit: dict, note: str = "") -> Change:
        fields = {"unit_id": unit["id"], "handler_id": None}
        if unit["kind"] == "grid":
            fields["grid_id"] = unit["id"]
        return Change(Action.DISPATCH, note, {"to": unit["code"]}, fields)

    def note(self, text: str) -> Change:
        return Change(Action.NOTE, text)

    def resolve(self, result: str, photo: str | None, now: datetime) -> Change:
        return Change(Action.RESOLVE, result, {"photo": photo},
                      {"result": result, "resolved_at": iso(now), "extension_due": None, "extension_reason": "",
                       "paused_at": None})

    def request_extension(self, until: datetime, reason: str, now: datetime) -> Change:
        if until <= now or (self.row["resolve_due"] and iso(until) <= self.row["resolve_due"]):
            raise InvalidInput("extension_date")
        return Change(Action.REQUEST_EXTENSION, reason, {"until": iso(until)},
                      {"extension_due": iso(until), "extension_reason": reason})

    def decide_extension(self, approve: bool, note: str = "") -> Change:
        if approve:
            return Change(Action.APPROVE_EXTENSION, note, {"until": self.row["extension_due"]},
                          {"resolve_due": self.row["extension_due"], "extension_due": None})
        return Change(Action.DENY_EXTENSION, note, fields={"extension_due": None})

    def ask(self, question: str, now: datetime) -> Change:
        return Change(Action.ASK_RESIDENT, question, fields={"paused_at": iso(now), "sweep_done": 1})

    def resume(self, action: Action, new_due: str, note: str = "") -> Change:
        if not self.row["paused_at"]:
            raise InvalidInput("not_paused")
        return Change(action, note, {"paused_from": self.row["paused_at"]}, {"paused_at": None, "resolve_due": new_due})

    def rate(self, rating: str, comment: str, now: datetime, reopen_due: str) -> Change:
        if rating == "unsatisfied":
            return Change(Action.RATE_UNSATISFIED, comment, {"rating": rating},
                          {"rating": rating, "reopen_count": self.row["reopen_count"] + 1, "resolved_at": None,
                           "resolve_due": reopen_due})
        return Change(Action.RATE_SATISFIED, comment, {"rating": rating}, {"rating": rating, "closed_at": iso(now)})

    def cancel(self, reason: str, now: datetime) -> Change:
        return Change(Action.CANCEL, reason, fields={"closed_at": iso(now)})

    def comment(self, text: str) -> Change:
        return Change(Action.COMMENT, text)
