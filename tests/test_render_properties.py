"""Property-based: any text through classification and every rendering path gives well-formed HTML
within Telegram's limits (checked with the sandbox's strict parser, the one the fake Bot API uses)."""
from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.entities import parse_html, utf16_len
from handlers import render
from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon
from nlp.tokenizer import Tokenizer

TEXT = st.text(min_size=1, max_size=5000)
SHORT = st.text(max_size=80)
KINDS = ["resident_update", "new_ticket", "queue_item", "urgent_alert", "whistle", "extension_request",
         "extension_decided", "reopened", "rated", "cancelled", "offer_taken", "comment", "resident_unreachable", "card", "unsatisfied_why"]
EVENTS = list(render.RESIDENT_EVENTS) + ["unknown"]


@lru_cache(maxsize=1)
def classifier() -> Classifier:
    return Classifier(default_lexicon(), Tokenizer())


def check(text: str, markup=None) -> None:
    plain, _ = parse_html(text)                 # raises on anything Telegram would reject
    assert 0 < utf16_len(plain) <= render.MAX_MESSAGE
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            assert 1 <= len(button.callback_data.encode()) <= 64


def card(text: str, name: str) -> dict:
    return {"id": 123456789, "number": "GD20261126-0001", "state": "accepted", "category": "drainage",
            "category_name": name or "排水防涝", "priority": "urgent", "text": text, "place": name,
            "grid_name": name, "unit_name": name, "unit_kind": "grid", "handler_name": name,
            "accept_due": "2026-11-27T02:00:00+00:00", "resolve_due": "2026-12-03T02:00:00+00:00",
            "created_at": "2026-11-26T02:00:00+00:00", "result": text, "rating": "satisfied", "reopen_count": 1,
            "photo": None, "keywords": [name], "extension_due": "2026-12-05T10:00:00+00:00",
            "extension_reason": text, "workers": [name], "unreachable": True,
            "history": [{"at": "2026-11-26T02:00:00+00:00", "action": "note", "actor_role": "worker", "note": text}]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, name=SHORT)
def test_every_rendering_is_valid_html_within_limits(text, name):
    result = classifier().classify(text)                 # never raises, whatever the text
    draft = {"key": "abc123", "text": text, "category": result.category, "category_name": result.category_name,
             "keywords": list(result.keywords), "priority": result.priority, "photo": "x", "place": name,
             "unit_name": name, "candidate_names": [("drainage", name)] * 3,
             "candidate_ids": [(19, name or "其他")] * 20}
    for step in ("category", "location", "confirm"):
        check(*render.draft({**draft, "step": step}))
    c = card(text, name)
    check(render.submitted(c))
    check(render.ticket_detail(c))
    check(render.ticket_for_staff(c, name or "新工单"))
    check(render.my_list([c] * 30))
    check(render.tasks_list([c] * 30))
    for kind in KINDS:
        for event in (EVENTS if kind == "resident_update" else [None]):
            payload = {"ticket": c, "event": event, "note": text, "result": text, "reason": text, "comment": text,
                       "level": name, "department": name, "into": name, "message_id": 1, "number": c["number"],
                       "taken_by": name, "approved": True, "rating": "satisfied", "asked_by": name, "unit": name,
                       "buttons": list(render.ACTION_LABELS) + ["rate"], "viewer": "staff", "card_kind": "whistle"}
            check(*render.outbox_message(kind, payload))
            check(*render.outbox_message(kind, {**payload, "viewer": "resident", "card_kind": "receipt"}))
    check(render.dispatch_picker({**c, "last_reason": text}, [{"id": 5, "name": name or "网格", "kind": "grid",
                                                              "suggested": True}] * 120),
          render.dispatch_keyboard(c["id"], [{"id": 5, "name": name or "网格", "kind": "grid"}] * 120))
    for deadline in ("accept", "resolve"):
        for stage, tier in (("remind", "handler"), ("overdue", "handler"), ("overdue", "above"), ("supervise", "supervision")):
            alert = {"ticket": c, "deadline": deadline, "stage": stage, "tier": tier, "due": c["accept_due"],
                     "overdue_seconds": 90000}
            check(*render.outbox_message("deadline_alert", alert))
    item = {"number": c["number"], "category_name": name, "place": text[:200], "deadline": "accept",
            "stage": "overdue", "tier": "handler", "due": c["accept_due"]}
    check(*render.outbox_message("deadline_digest", {"items": [item] * 40}))
    check(*render.outbox_message("patrol_reminder", {"grid_name": name or "网格", "cycle_days": 45, "last_at": None}))
