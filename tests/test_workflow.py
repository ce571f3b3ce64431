"""The lifecycle table: every legal transition allowed, every other refused."""
from __future__ import annotations

import pytest

from bot.workflow import TRANSITIONS, Action, IllegalTransition, State, allowed_actions, next_state

LEGAL = {
    (Action.DISPATCH, State.PENDING): State.PENDING, (Action.DISPATCH, State.ACCEPTED): State.PENDING,
    (Action.ACCEPT, State.PENDING): State.ACCEPTED,
    (Action.RETURN, State.PENDING): State.PENDING, (Action.RETURN, State.ACCEPTED): State.PENDING,
    (Action.ESCALATE, State.PENDING): State.PENDING, (Action.ESCALATE, State.ACCEPTED): State.PENDING,
    (Action.NOTE, State.ACCEPTED): State.ACCEPTED,
    (Action.REQUEST_EXTENSION, State.ACCEPTED): State.ACCEPTED,
    (Action.APPROVE_EXTENSION, State.ACCEPTED): State.ACCEPTED,
    (Action.DENY_EXTENSION, State.ACCEPTED): State.ACCEPTED,
    (Action.RESOLVE, State.ACCEPTED): State.RESOLVED,
    (Action.RATE_SATISFIED, State.RESOLVED): State.CLOSED,
    (Action.RATE_UNSATISFIED, State.RESOLVED): State.ACCEPTED,
    (Action.AUTO_CLOSE, State.RESOLVED): State.CLOSED,
    (Action.CANCEL, State.PENDING): State.CANCELLED, (Action.CANCEL, State.ACCEPTED): State.CANCELLED,
    (Action.MERGE, State.PENDING): State.MERGED, (Action.MERGE, State.ACCEPTED): State.MERGED,
    (Action.COMMENT, State.ACCEPTED): State.ACCEPTED, (Action.COMMENT, State.RESOLVED): State.RESOLVED,
    (Action.COMMENT, State.CLOSED): State.CLOSED,
    (Action.ASK_RESIDENT, State.ACCEPTED): State.ACCEPTED, (Action.RESIDENT_REPLY, State.ACCEPTED): State.ACCEPTED,
    (Action.RESUME, State.ACCEPTED): State.ACCEPTED,
}
ALL = [(a, s) for a in Action if a is not Action.SUBMIT for s in State]


@pytest.mark.parametrize("action,state", [pair for pair in ALL if pair in LEGAL])
def test_legal_transitions(action, state):
    assert next_state(action, state) == LEGAL[(action, state)]


@pytest.mark.parametrize("action,state", [pair for pair in ALL if pair not in LEGAL])
def test_illegal_transitions_refused(action, state):
    with pytest.raises(IllegalTransition):
        next_state(action, state)


def test_final_states_allow_nothing_but_comments():
    for state in (State.CANCELLED, State.MERGED):
        assert allowed_actions(state) == set()
    assert allowed_actions(State.CLOSED) == {Action.COMMENT}


def test_every_action_is_in_the_table():
    assert set(TRANSITIONS) == set(Action)
