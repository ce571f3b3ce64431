"""Every ticket action a person can take, as one channel-free table.

For each action: which relation to the ticket the actor needs, in which states, what input it
takes, and which lifecycle action it runs. `available(ticket, actor, facts)` answers "which buttons
may this person see now"; the keyboards, the button handler, /status and the live cards all read it,
and `bot/services/actions.perform` refuses exactly what it does not list. Submit, whistle, merge
and the deadline sweep are not buttons on a ticket and stay explicit functions.

Relations (a person may hold several):
    owner       the resident who reported it
    unit        a worker or department handler of the unit the ticket waits at
    handler     the worker or handler who signed for it
    supervisor  a supervisor (or admin) whose jurisdiction holds the ticket's unit or grid
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from bot.workflow import Action, State

HANDLER_ROLES = frozenset({"worker", "handler"})
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
TICKET_ID_MAX = 2 ** 53          # larger ids are forged: never sent to SQLite (they overflow it)


@dataclass(frozen=True)
class Facts:
    """What `available` needs beyond the ticket row and the actor, read by the service."""
    jurisdiction: frozenset[int] = frozenset()   # units the actor supervises (empty for others)
    level_above: bool = True                     # a supervising unit exists above the ticket's unit
    unit_kind: str = ""                          # kind of the unit the ticket waits at


@dataclass(frozen=True)
class Spec:
    code: str                                    # short, stable: the callback data uses it
    action: Action                               # the lifecycle action it runs
    relations: dict[State, frozenset[str]]       # state → relations that may act in it
    needs: str = ""                              # input: reason, note, result, date, question, target, rating, comment
    guard: Callable[[dict, Facts], bool] = field(default=lambda ticket, facts: True)


def _states(relations: str, *states: State) -> dict[State, frozenset[str]]:
    return {state: frozenset(relations.split()) for state in states}


_P, _A, _R, _C = State.PENDING, State.ACCEPTED, State.RESOLVED, State.CLOSED

SPECS: dict[str, Spec] = {s.code: s for s in (
    Spec("acc", Action.ACCEPT, _states("unit", _P),
         guard=lambda t, f: f.unit_kind in ("grid", "department")),
    Spec("ret", Action.RETURN, {_P: frozenset({"unit"}), _A: frozenset({"handler"})}, needs="reason",
         guard=lambda t, f: f.level_above),
    Spec("note", Action.NOTE, _states("handler", _A), needs="note"),
    Spec("res", Action.RESOLVE, _states("handler", _A), needs="result"),
    Spec("esc", Action.ESCALATE, {_P: frozenset({"unit", "level"}), _A: frozenset({"handler"})}, needs="reason",
         guard=lambda t, f: f.level_above),
    Spec("ext", Action.REQUEST_EXTENSION, _states("handler", _A), needs="date",
         guard=lambda t, f: not t["extension_due"]),
    Spec("extok", Action.APPROVE_EXTENSION, _states("supervisor", _A),
         guard=lambda t, f: bool(t["extension_due"])),
    Spec("extno", Action.DENY_EXTENSION, _states("supervisor", _A),
         guard=lambda t, f: bool(t["extension_due"])),
    Spec("ask", Action.ASK_RESIDENT, _states("handler", _A), needs="question",
         guard=lambda t, f: not t["paused_at"]),
    Spec("resume", Action.RESUME, _states("handler", _A), guard=lambda t, f: bool(t["paused_at"])),
    Spec("disp", Action.DISPATCH, _states("supervisor", _P, _A), needs="target"),
    Spec("rate", Action.RATE_SATISFIED, _states("owner", _R), needs="rating"),
    Spec("cmt", Action.COMMENT, _states("owner", _A, _R, _C), needs="comment",
         guard=lambda t, f: bool(t["rating"])),
    Spec("cxl", Action.CANCEL, _states("owner", _P, _A)),
)}
# The order buttons appear in, for any viewer.
ORDER = ("acc", "note", "res", "esc", "ext", "ret", "ask", "resume", "disp", "extok", "extno", "rate", "cmt", "cxl")


def relations(ticket: dict, actor, facts: Facts) -> frozenset[str]:
    """How `actor` stands to `ticket`."""
    found = set()
    if actor.kind == "resident":
        if ticket["resident_id"] == actor.id:
            found.add("owner")
        return frozenset(found)
    if actor.role in HANDLER_ROLES:
        if actor.unit_id is not None and actor.unit_id == ticket["unit_id"]:
            found.add("unit")
        if actor.id == ticket["handler_id"]:
            found.add("handler")
    elif actor.role in SUPERVISOR_ROLES:
        if ticket["unit_id"] in facts.jurisdiction or ticket["grid_id"] in facts.jurisdiction:
            found.add("supervisor")
            if actor.unit_id is not None and actor.unit_id == ticket["unit_id"]:
                found.add("level")
    return frozenset(found)


def allowed(code: str, ticket: dict, actor, facts: Facts) -> bool:
    spec = SPECS.get(code)
    if spec is None:
        return False
    try:
        state = State(ticket["state"])
    except ValueError:
        return False
    who = spec.relations.get(state, frozenset())
    return bool(who & relations(ticket, actor, facts)) and spec.guard(ticket, facts)


def available(ticket: dict, actor, facts: Facts) -> list[str]:
    """The action codes `actor` may use on `ticket` now, in button order (none once it is closed)."""
    return [code for code in ORDER if allowed(code, ticket, actor, facts)]


def parse(data: str) -> tuple[str, int, str] | None:
    """"t:<code>:<id>[:<arg>]" → (code, id, arg); None for anything else, whatever it holds."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != "t" or parts[1] not in SPECS and parts[1] not in ("to", "back"):
        return None
    digits = parts[2]
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 16 or not 0 < int(digits) < TICKET_ID_MAX:
        return None
    arg = parts[3] if len(parts) == 4 else ""
    if parts[1] == "to" and not (arg.isascii() and arg.isdigit() and len(arg) <= 16 and 0 < int(arg) < TICKET_ID_MAX):
        return None
    return parts[1], int(digits), arg
