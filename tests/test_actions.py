"""The action table (bot/actions.py), generated over every action × state × relation; callback data parsing."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given, strategies as st

from bot.actions import ORDER, SPECS, Facts, allowed, available, parse, relations
from bot.workflow import TRANSITIONS, State

GRID, OTHER, COMMUNITY = 24, 25, 22


@dataclass(frozen=True)
class A:
    kind: str
    id: int
    role: str
    unit_id: int | None = None


PEOPLE = {
    "owner": A("resident", 1, "resident"),
    "stranger": A("resident", 2, "resident"),
    "unit": A("staff", 10, "worker", GRID),
    "handler": A("staff", 11, "worker", GRID),
    "other_worker": A("staff", 12, "worker", OTHER),
    "supervisor": A("staff", 20, "supervisor", COMMUNITY),
}
FACTS = {"supervisor": Facts(jurisdiction=frozenset({COMMUNITY, GRID, OTHER}), unit_kind="grid")}


def ticket(state: str, **extra) -> dict:
    return {"state": state, "unit_id": GRID, "grid_id": GRID, "handler_id": 11 if state != "pending" else None,
            "resident_id": 1, "extension_due": None, "paused_at": None, "rating": None, **extra}


def test_every_action_of_the_table_is_a_lifecycle_action_from_its_states():
    for spec in SPECS.values():
        sources = TRANSITIONS[spec.action].sources
        assert set(spec.relations) <= set(sources) | {State.CLOSED}, spec.code
    assert set(ORDER) == set(SPECS)


def test_every_action_state_and_relation_against_the_table():
    """Generated: a person may use an action iff the table names their relation for the state (and its guard holds)."""
    for code, state, (who, person) in itertools.product(SPECS, State, PEOPLE.items()):
        t = ticket(str(state), rating="satisfied" if code == "cmt" else None,
                   extension_due="2030-01-01T10:00:00+00:00" if code in ("extok", "extno") else None,
                   paused_at="2030-01-01T10:00:00+00:00" if code == "resume" else None)
        facts = FACTS.get(who, Facts(unit_kind="grid"))
        mine = relations(t, person, facts)
        expected = bool(SPECS[code].relations.get(state, frozenset()) & mine) and SPECS[code].guard(t, facts)
        assert allowed(code, t, person, facts) == expected, (code, state, who)
        assert (code in available(t, person, facts)) == expected


def test_who_sees_which_buttons():
    assert available(ticket("pending"), PEOPLE["unit"], Facts(unit_kind="grid")) == ["acc", "esc", "ret"]
    assert available(ticket("accepted"), PEOPLE["handler"], Facts(unit_kind="grid")) == \
        ["note", "res", "esc", "ext", "ret", "ask"]
    assert available(ticket("accepted"), PEOPLE["unit"], Facts(unit_kind="grid")) == []     # someone else signed
    assert available(ticket("pending"), PEOPLE["other_worker"], Facts(unit_kind="grid")) == []
    assert available(ticket("resolved"), PEOPLE["owner"], Facts()) == ["rate"]
    assert available(ticket("resolved"), PEOPLE["stranger"], Facts()) == []
    for state in ("closed", "cancelled", "merged"):                    # none once it is closed
        for who, person in PEOPLE.items():
            assert available(ticket(state), person, FACTS.get(who, Facts())) == []


def test_no_escalate_or_return_without_a_level_above():
    top = Facts(level_above=False, unit_kind="grid")
    assert "esc" not in available(ticket("accepted"), PEOPLE["handler"], top)
    assert "ret" not in available(ticket("pending"), PEOPLE["unit"], top)


def test_guards_follow_the_ticket():
    handler, facts = PEOPLE["handler"], Facts(unit_kind="grid")
    paused = ticket("accepted", paused_at="2030-01-01T10:00:00+00:00")
    assert "resume" in available(paused, handler, facts) and "ask" not in available(paused, handler, facts)
    asked = ticket("accepted", extension_due="2030-01-01T10:00:00+00:00")
    assert "ext" not in available(asked, handler, facts)
    assert {"extok", "extno"} <= set(available(asked, PEOPLE["supervisor"], FACTS["supervisor"]))


def test_callback_data_parsing():
    assert parse("t:acc:12") == ("acc", 12, "")
    assert parse("t:to:12:5") == ("to", 12, "5")
    assert parse("t:rate:3:s") == ("rate", 3, "s")
    for bad in ("t:to:1:abc", "t:acc:" + "9" * 40, "t:acc:-1", "t:acc:0", "t:zzz:1", "t:acc", "x:acc:1",
                "t:acc:１２", "t:acc:1:2:3", ""):
        assert parse(bad) is None, bad


@given(st.text(max_size=64))
def test_parse_never_raises(data):
    parsed = parse(data)
    assert parsed is None or (parsed[0] in SPECS or parsed[0] in ("to", "back")) and parsed[1] > 0
