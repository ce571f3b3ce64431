"""A draft is a conversation: a resident's further messages fill its place, add to its problem, or
(asked) start a new report while the first one is kept.

The open draft lives in the drafts table (bot/services/intake.py); drafts set aside for a new problem
are kept in the kv table under "parked:<chat>", newest first, for DRAFT_TTL. A draft is dropped only
when the resident cancels it.
"""
from __future__ import annotations

from datetime import timedelta

from bot.clock import parse_iso
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, Stale
from bot.services.intake import (MAX_TEXT, classify_draft, clean_text, draft_view, find_place, new_draft, next_step,
                                 put_draft, store_new)
from nlp import intent
from nlp.classifier import OTHER
from storage import kv, residents

FOLLOW_UP = timedelta(minutes=30)     # a text this soon after the draft was touched is likely about it
DRAFT_TTL = timedelta(days=3)         # an unsubmitted draft is kept (and offered back) this long
MAX_PARKED = 5
# The learned taxonomy is "confident" on almost any word it knows (火星基地 → 土地纠纷 on 基地, 0.12);
# a text is taken for a problem of its own only when the classifier is clearly sure.
PROBLEM_CONFIDENCE = 0.3


def _is_problem(deps: Deps, text: str) -> tuple[bool, str]:
    """Whether `text` clearly describes a problem, and which category."""
    result = deps.classifier.classify(text)
    sure = result.confident and result.category != OTHER and result.confidence >= PROBLEM_CONFIDENCE
    return sure, result.category


def _fresh(deps: Deps, draft: dict | None, within: timedelta = DRAFT_TTL) -> bool:
    return bool(draft) and "ticket_id" not in draft and deps.now() - parse_iso(draft.get("at") or deps.now_iso()) <= within


async def take_text(deps: Deps, actor: Actor, text: str | None, photo: str | None = None) -> dict:
    """A resident's text while a draft may be open: its place, more of its problem, or (asked) a new one.

    Returns the draft's view; `notice` says what happened: "placed", "added", "ask" (the text waits as
    `pending_text` for 补充到刚才的报告 / 这是一个新问题), "new" (a fresh draft; `parked` counts the kept ones)."""
    text = clean_text(text)
    async with deps.db.transaction() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        if not _fresh(deps, draft):
            view = await store_new(tx, deps, actor, new_draft(deps, text, photo))
            return {**view, "notice": "new", "parked": len(await _parked(tx, deps, actor))}
        asked_place = draft.get("step") == "location"
        place = await find_place(tx, deps, text)
        if draft.get("step") == "location" and not place.get("span") and not draft.get("pending_text") \
                and not _is_problem(deps, text)[0]:
            raise InvalidInput("address_unknown", key=draft["key"])      # an address we do not know
        if place.get("span") and not intent.place_leftover(text, *place["span"]):
            _set_place(draft, place, text)
            notice = "placed"
        elif _belongs(deps, draft, text, place):
            _add(deps, draft, text, place)
            notice = "added"
        else:
            draft["pending_text"] = text
            notice = "ask"
        if photo:
            draft["photo"] = photo
        draft["step"] = next_step(draft)
        if notice == "added" and asked_place and draft["step"] != "location":
            notice = "placed"                 # the place came with more words: the location keyboard goes
        await put_draft(tx, deps, actor, draft)
        return {**await draft_view(tx, deps, draft), "notice": notice}


def _set_place(draft: dict, place: dict, text: str) -> None:
    draft.update(unit_id=place["unit_id"], place=place["place"], choices=place["choices"], address=text)


def _belongs(deps: Deps, draft: dict, text: str, place: dict) -> bool:
    """Whether a text surely adds to the open draft (else the resident is asked)."""
    if not _fresh(deps, draft, FOLLOW_UP):
        return False
    if draft.get("step") == "describe" and not draft.get("pending_text"):
        return True                           # the bot asked what happened: this is the answer
    if place["unit_id"] and draft.get("unit_id") and place["unit_id"] != draft["unit_id"]:
        return False                          # somewhere else: likely another problem
    sure, category = _is_problem(deps, text)
    return not (sure and category != draft.get("category"))


def _add(deps: Deps, draft: dict, text: str, place: dict) -> None:
    draft["text"] = f"{draft['text']}\n{text}"[:MAX_TEXT]
    draft.pop("pending_text", None)
    if draft["step"] == "describe":           # what was vague says nothing of the category: classify the rest
        draft["asked_describe"] = draft.get("asked_describe", 0) + 1
        draft["basis"] = text if not draft.get("basis") else f"{draft['basis']}\n{text}"
    elif draft.get("basis"):
        draft["basis"] = f"{draft['basis']}\n{text}"
    classify_draft(deps, draft)
    if draft.get("unit_id") is None and (place["unit_id"] or place["choices"]):
        _set_place(draft, place, text)


async def follow_up(deps: Deps, actor: Actor, key: str, add: bool) -> dict:
    """The resident's answer about the waiting text: add it to the draft, or start a new report (the draft is kept)."""
    async with deps.db.transaction() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is None or draft.get("key") != key or not draft.get("pending_text"):
            raise Stale("no_draft")
        text = draft.pop("pending_text")
        if add:
            _add(deps, draft, text, await find_place(tx, deps, text))
            draft["step"] = next_step(draft)
            await put_draft(tx, deps, actor, draft)
            return {**await draft_view(tx, deps, draft), "notice": "added"}
        await _park(tx, deps, actor, draft)
        return {**await store_new(tx, deps, actor, new_draft(deps, text, None)), "notice": "new"}


async def _parked(tx, deps: Deps, actor: Actor) -> list[dict]:
    return [d for d in await kv.get(tx, f"parked:{actor.chat_id}") or [] if _fresh(deps, d)]


async def _park(tx, deps: Deps, actor: Actor, draft: dict) -> None:
    draft.pop("pending_text", None)
    kept = [d for d in await _parked(tx, deps, actor) if d["key"] != draft["key"]]
    await kv.put(tx, f"parked:{actor.chat_id}", ([draft] + kept)[:MAX_PARKED])


async def open_drafts(deps: Deps, actor: Actor) -> list[dict]:
    """Every report not yet submitted: the open draft first, then the kept ones (newest first)."""
    async with deps.db.read() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        found = [draft] if _fresh(deps, draft) else []
        return found + await _parked(tx, deps, actor)


async def activate(deps: Deps, actor: Actor, key: str) -> bool:
    """Make the draft with this key the open one (a kept draft swaps with the open draft); False if gone."""
    async with deps.db.read() as tx:          # almost always the open draft: no write transaction then
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is not None and draft.get("key") == key:
            return True
    async with deps.db.transaction() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is not None and draft.get("key") == key:
            return True
        parked = await _parked(tx, deps, actor)
        chosen = next((d for d in parked if d["key"] == key), None)
        if chosen is None:
            return False
        rest = [d for d in parked if d["key"] != key]
        if _fresh(deps, draft):
            draft.pop("pending_text", None)
            rest.insert(0, draft)
        await kv.put(tx, f"parked:{actor.chat_id}", rest[:MAX_PARKED])
        await put_draft(tx, deps, actor, chosen)
        return True
