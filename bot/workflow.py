"""The ticket lifecycle as data: which action moves a ticket from which states to which.

pending (待签收) → accepted (办理中) → resolved (已办结) → closed (已归档); also cancelled and merged.
The storage layer applies a transition as a compare-and-set on (state, version), so of two
workers pressing 签收 at once exactly one wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    MERGED = "merged"


OPEN_STATES = frozenset({State.PENDING, State.ACCEPTED})
FINAL_STATES = frozenset({State.CLOSED, State.CANCELLED, State.MERGED})


class Action(StrEnum):
    SUBMIT = "submit"
    DISPATCH = "dispatch"              # 派单/交办: to a grid or a department
    ACCEPT = "accept"                  # 签收
    RETURN = "return"                  # 退回: misrouted, back to the supervisor's queue
    ESCALATE = "escalate"              # 上报: one level up
    NOTE = "note"                      # progress note
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    RESOLVE = "resolve"
    RATE_SATISFIED = "rate_satisfied"
    RATE_UNSATISFIED = "rate_unsatisfied"   # 不满意重办: back to the same handler
    AUTO_CLOSE = "auto_close"
    CANCEL = "cancel"
    MERGE = "merge"
    COMMENT = "comment"                # the resident's words with a rating
    ASK_RESIDENT = "ask_resident"      # 追问: the handler waits on the resident; the clock stops
    RESIDENT_REPLY = "resident_reply"  # the resident answered; the clock runs again
    RESUME = "resume"                  # the handler goes on without an answer


@dataclass(frozen=True)
class Transition:
    sources: frozenset[State]
    target: State | None          # None: the state does not change


_P, _A, _R = State.PENDING, State.ACCEPTED, State.RESOLVED
TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: Transition(frozenset(), _P),
    Action.DISPATCH: Transition(frozenset({_P, _A}), _P),
    Action.ACCEPT: Transition(frozenset({_P}), _A),
    Action.RETURN: Transition(frozenset({_P, _A}), _P),
    Action.ESCALATE: Transition(frozenset({_P, _A}), _P),
    Action.NOTE: Transition(frozenset({_A}), None),
    Action.REQUEST_EXTENSION: Transition(frozenset({_A}), None),
    Action.APPROVE_EXTENSION: Transition(frozenset({_A}), None),
    Action.DENY_EXTENSION: Transition(frozenset({_A}), None),
    Action.RESOLVE: Transition(frozenset({_A}), _R),
    Action.RATE_SATISFIED: Transition(frozenset({_R}), State.CLOSED),
    Action.RATE_UNSATISFIED: Transition(frozenset({_R}), _A),
    Action.AUTO_CLOSE: Transition(frozenset({_R}), State.CLOSED),
    Action.CANCEL: Transition(frozenset({_P, _A}), State.CANCELLED),
    Action.MERGE: Transition(frozenset({_P, _A}), State.MERGED),
    Action.COMMENT: Transition(frozenset({_A, _R, State.CLOSED}), None),
    Action.ASK_RESIDENT: Transition(frozenset({_A}), None),
    Action.RESIDENT_REPLY: Transition(frozenset({_A}), None),
    Action.RESUME: Transition(frozenset({_A}), None),
}


class IllegalTransition(Exception):
    """The action is not allowed from the ticket's current state."""

    def __init__(self, action: Action, state: str):
        super().__init__(f"{action} is not allowed in state {state}")
        self.action = action
        self.state = state


def next_state(action: Action, current: str) -> State:
    """The state after `action`, or IllegalTransition."""
    transition = TRANSITIONS[action]
    state = State(current)
    if state not in transition.sources:
        raise IllegalTransition(action, current)
    return transition.target or state


def allowed_actions(current: str) -> set[Action]:
    state = State(current)
    return {action for action, t in TRANSITIONS.items() if state in t.sources}
