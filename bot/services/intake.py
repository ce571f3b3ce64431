"""A resident reports a problem: a draft to confirm (category, place), then a ticket routed to a grid.

What the resident's further messages do to the draft (its place, more of its problem, a new one) is
bot/services/conversation.py.

The draft lives in the database, so a report being confirmed survives a restart; submitting
deletes it in the same transaction that creates the ticket, so a double-tapped 提交 makes one ticket.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta

from bot.clock import iso
from bot.services import notify
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, NotFound, RateLimited, Stale
from bot.services.uow import UnitOfWork
from bot.services.views import card, mask_name
from nlp import intent
from nlp.classifier import OTHER
from nlp.locator import units_at
from storage import org, residents, tickets

MAX_TEXT = 4096          # Telegram's own limit: longer cannot arrive by chat, only through other channels
_MEANINGFUL = re.compile(r"[\w\u4e00-\u9fff]")


def clean_text(text: str | None) -> str:
    text = unicodedata.normalize("NFC", (text or "")).replace("\x00", "").strip()
    if not text:
        raise InvalidInput("empty")
    if not _MEANINGFUL.search(text):
        raise InvalidInput("no_content")
    if len(text) > MAX_TEXT:
        raise InvalidInput("too_long", limit=MAX_TEXT)
    return text


async def find_place(tx, deps: Deps, text: str) -> dict:
    """The place a text names: a unit, or for a road of several communities the communities to pick from."""
    match = deps.locator.locate(text)
    if match is None:
        return {"unit_id": None, "place": "", "choices": []}
    found = {"unit_id": None, "place": match.alias, "choices": [], "span": [match.start, match.end]}
    if match.unit_code is not None:
        unit = await deps.units.by_code(tx, match.unit_code)
        found["unit_id"] = unit["id"] if unit else None
        return found
    communities: list[int] = []                 # a road: the communities it runs through
    for code in match.candidates:
        unit = await deps.units.by_code(tx, code)
        while unit is not None and unit["kind"] not in ("community", "street", "district"):
            unit = await deps.units.unit(tx, unit["parent_id"])
        if unit is not None and unit["kind"] == "community" and unit["id"] not in communities:
            communities.append(unit["id"])
    if len(communities) == 1:
        found["unit_id"] = communities[0]
    else:
        found["choices"] = communities
    return found


async def start(deps: Deps, actor: Actor, text: str | None, photo: str | None = None) -> dict:
    """Classify and locate a new report; store it as the resident's draft and return the draft."""
    draft = new_draft(deps, clean_text(text), photo)
    async with deps.db.transaction() as tx:
        return await store_new(tx, deps, actor, draft)


def new_draft(deps: Deps, text: str, photo: str | None) -> dict:
    draft = {"key": secrets.token_hex(3),          # ties the draft's buttons to this draft, not a later one
             "text": text, "photo": photo, "latitude": None, "longitude": None, "chosen": False,
             "asked_describe": 0}
    classify_draft(deps, draft)
    return draft


def classify_draft(deps: Deps, draft: dict) -> None:
    """(Re)classify the draft's whole text; a category the resident picked stays."""
    result = deps.classifier.classify(draft.get("basis") or draft["text"])
    draft.update(priority=result.priority, urgent_words=list(result.urgent_words))
    if draft.get("chosen"):
        return
    # "other" is a fallback, not an answer: the resident confirms it among the best candidates.
    confident = result.confident and result.category != OTHER
    draft.update(category=result.category, confidence=round(result.confidence, 3), confident=confident,
                 keywords=list(result.keywords), candidates=[code for code, _ in result.candidates][:3],
                 vague=not confident and intent.is_vague(draft["text"], result.keywords))


def next_step(draft: dict) -> str:
    """The question the draft needs answered next."""
    if not draft.get("chosen") and draft.get("vague") and draft.get("asked_describe", 0) < 2:
        return "describe"
    if not draft.get("chosen") and not draft.get("confident"):
        return "category"
    return "location" if draft.get("unit_id") is None else "confirm"


async def store_new(tx, deps: Deps, actor: Actor, draft: dict) -> dict:
    draft.update(await find_place(tx, deps, draft["text"]))
    draft["step"] = next_step(draft)
    if draft["step"] == "describe":
        draft["asked_describe"] = 1
    await put_draft(tx, deps, actor, draft)
    return await draft_view(tx, deps, draft)


async def put_draft(tx, deps: Deps, actor: Actor, draft: dict) -> None:
    draft["at"] = deps.now_iso()
    await residents.put_draft(tx, actor.chat_id, draft, draft["at"])


_RANK = {"grid": 0, "department": 1, "community": 2, "street": 3, "district": 4}
async def draft_view(tx, deps: Deps, draft: dict) -> dict:
    """The draft plus names for rendering."""
    codes = list(deps.lexicon.categories)
    unit = await deps.units.unit(tx, draft.get("unit_id"))
    return {**draft, "category_name": deps.category_name(draft["category"]),
            "candidate_names": [(c, deps.category_name(c)) for c in draft.get("candidates", [])],
            # buttons name a category by its position: learned codes can be long Chinese labels (64-byte limit)
            "candidate_ids": [(codes.index(c), deps.category_name(c)) for c in draft.get("candidates", []) if c in codes],
            "unit_name": unit["name"] if unit else "", "unit_kind": unit["kind"] if unit else "",
            "choice_units": [u for u in [await deps.units.unit(tx, i) for i in draft.get("choices") or []] if u]}


async def _update(deps: Deps, actor: Actor, change) -> dict:
    async with deps.db.transaction() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is None or "ticket_id" in draft:
            raise Stale("no_draft")
        await change(tx, draft)            # each change sets the step it leads to
        await put_draft(tx, deps, actor, draft)
        return await draft_view(tx, deps, draft)


async def current(deps: Deps, actor: Actor) -> dict | None:
    """The draft being confirmed, if any (a submitted one is kept only as a receipt)."""
    async with deps.db.read() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        return await draft_view(tx, deps, draft) if draft and "ticket_id" not in draft else None


async def choose_category(deps: Deps, actor: Actor, position: int) -> dict:
    """The resident picks a category (by its position in the lexicon, as the buttons carry it)."""
    codes = list(deps.lexicon.categories)
    if not 0 <= position < len(codes):
        raise InvalidInput("category")
    code = codes[position]

    async def change(tx, draft):
        draft.update(category=code, confident=True, chosen=True, keywords=[])   # her choice, not a guess
        draft["step"] = next_step(draft)
    return await _update(deps, actor, change)


async def ask_category(deps: Deps, actor: Actor) -> dict:
    async def change(tx, draft):
        draft["step"] = "category"
        draft["candidates"] = list(deps.lexicon.categories)
        draft["picking"] = True            # she asked to change it: no "unsure" any more
    return await _update(deps, actor, change)


async def ask_location(deps: Deps, actor: Actor) -> dict:
    async def change(tx, draft):
        draft["step"] = "location"         # the next text is the address
    return await _update(deps, actor, change)


async def choose_unit(deps: Deps, actor: Actor, unit_id: int) -> dict:
    async def change(tx, draft):
        unit = await deps.units.unit(tx, unit_id)
        if unit is None or unit["kind"] not in ("grid", "community"):
            raise InvalidInput("unit")
        draft.update(unit_id=unit_id, place=unit["name"], choices=[])
        draft["step"] = next_step(draft)
    return await _update(deps, actor, change)


async def give_point(deps: Deps, actor: Actor, latitude: float, longitude: float) -> dict:
    async def change(tx, draft):
        draft["latitude"], draft["longitude"] = latitude, longitude
        unit = None
        for code in units_at(latitude, longitude, deps.boundaries):       # the smallest unit that holds it
            found = await deps.units.by_code(tx, code)
            if found and (unit is None or _RANK[found["kind"]] < _RANK[unit["kind"]]):
                unit = found
        if unit is None or unit["kind"] not in ("grid", "community"):
            # inside the district (or a street) but in no grid: the grid cannot be told, it is not "outside"
            raise InvalidInput("point_no_grid" if unit is not None else "point_outside", key=draft["key"])
        draft.update(unit_id=unit["id"], place=unit["name"], choices=[])
        draft["step"] = next_step(draft)
    return await _update(deps, actor, change)


async def add_photo(deps: Deps, actor: Actor, file_id: str) -> dict:
    async def change(tx, draft):
        draft["photo"] = file_id
    return await _update(deps, actor, change)


async def cancel(deps: Deps, actor: Actor) -> bool:
    """Drop the draft being confirmed; a submitted one's receipt stays."""
    async with deps.db.transaction() as tx:
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is None or "ticket_id" in draft:
            return False
        return await residents.delete_draft(tx, actor.chat_id)


async def communities(deps: Deps) -> list[dict]:
    async with deps.db.read() as tx:
        return await org.units_by_kind(tx, "community")


async def submit(deps: Deps, actor: Actor, key: str | None = None) -> dict:
    """Turn the draft into a ticket; returns the ticket card plus who it went to.

    The draft is replaced by a receipt naming the ticket, in the same transaction: submitting again
    (a double tap, or the same update re-delivered after a crash) answers with that ticket."""
    now = deps.now()
    async with UnitOfWork(deps) as work:
        tx = work.tx
        draft = await residents.get_draft(tx, actor.chat_id)
        if draft is None or (key is not None and draft["key"] != key):
            raise Stale("no_draft")
        if "ticket_id" in draft:
            ticket = await tickets.get(tx, draft["ticket_id"])
            view = await _receipt(tx, deps, ticket)
            work.commit()
            return view
        since = iso(now - timedelta(hours=1))
        if await tickets.count_recent_of_resident(tx, actor.id, since) >= deps.config.tickets_per_hour:
            raise RateLimited("tickets", limit=deps.config.tickets_per_hour)
        address = draft.get("address") or ""
        if address and address not in draft["text"]:
            draft = {**draft, "text": f"{draft['text']}\n（地址：{address}）"}
        ticket = await create_ticket(tx, deps, draft, resident_id=actor.id)
        await residents.put_draft(tx, actor.chat_id, {"key": draft["key"], "ticket_id": ticket["id"]}, iso(now))
        view = await _receipt(tx, deps, ticket)
        work.commit()
    return view


async def _receipt(tx, deps: Deps, ticket: dict) -> dict:
    view = await card(tx, deps, ticket, reveal=True)
    workers = await org.staff_of_unit(tx, ticket["unit_id"]) if ticket["unit_id"] else []
    view["workers"] = [mask_name(w["name"]) for w in workers if w["role"] in ("worker", "handler")]
    return view


async def create_ticket(tx, deps: Deps, draft: dict, resident_id: int | None = None,
                        reporter_staff_id: int | None = None, actor: Actor | None = None, offer: bool = True) -> dict:
    """Insert a ticket, its submit event, and (unless `offer` is off) tell its unit; shared by reports and whistles."""
    now = deps.now()
    due = deps.deadlines.initial(now, draft["category"], draft["priority"])
    grid_id, unit_id = None, draft.get("unit_id")
    unit = await deps.units.unit(tx, unit_id)
    if unit and unit["kind"] == "grid":
        grid_id = unit_id
    elif unit is None:
        districts = await org.units_by_kind(tx, "district")
        unit_id = districts[0]["id"] if districts else None      # nobody knows where: the district's queue
    local_day = now.astimezone(deps.calendar.tz).strftime("%Y%m%d")
    number = f"GD{local_day}-{await tickets.next_number(tx, local_day):04d}"
    ticket = await tickets.insert(
        tx, number=number, resident_id=resident_id, reporter_staff_id=reporter_staff_id, text=draft["text"],
        category=draft["category"], priority=draft["priority"], grid_id=grid_id, unit_id=unit_id,
        place=draft.get("place") or draft.get("address") or "", latitude=draft.get("latitude"),
        longitude=draft.get("longitude"), photo=draft.get("photo"), confidence=draft.get("confidence", 0),
        keywords=draft.get("keywords", ()), now=iso(now), accept_due=iso(due.accept_due),
        resolve_due=iso(due.resolve_due))
    await tickets.add_event(tx, ticket["id"], iso(now), "submit", actor.kind if actor else "resident",
                            actor.id if actor else resident_id, actor.role if actor else "resident",
                            None, "pending", data={"keywords": draft.get("keywords", [])})
    if offer:
        await route(tx, deps, ticket)
    return ticket


async def route(tx, deps: Deps, ticket: dict) -> None:
    """Offer a ticket to the people of the unit it waits at: handlers sign for it, supervisors dispatch it."""
    unit = await deps.units.unit(tx, ticket["unit_id"])
    if unit is None:
        return
    if unit["kind"] in ("grid", "department"):
        await notify.staff_of_unit(tx, deps, ticket, "new_ticket")
        if ticket["priority"] == "urgent":
            await notify.supervisors_above(tx, deps, ticket, "urgent_alert")
    else:
        await notify.staff_of_unit(tx, deps, ticket, "queue_item")


async def find_ticket(deps: Deps, number_or_id: str) -> dict:
    async with deps.db.read() as tx:
        ticket = await tickets.by_number(tx, number_or_id.strip().upper())
    if ticket is None:
        raise NotFound("ticket")
    return ticket
