"""A resident's data requests (PIPL): find them by what people know, export everything, forget who they are."""
from __future__ import annotations

import re

from bot.services.deps import Deps
from bot.services.errors import InvalidInput, NotFound
from bot.services.views import mask_personal
from storage import privacy

_PHONE = re.compile(r"1[3-9]\d{9}")


async def _person(tx, resident_id: int | None = None, chat_id: int | None = None, phone: str | None = None,
                  ticket: str | None = None) -> dict:
    """The resident by internal id, chat id, phone or ticket number; NotFound, or InvalidInput when a phone
    belongs to several residents."""
    if phone is not None:
        found = await privacy.residents_by_phone(tx, phone.replace(" ", "").replace("-", ""))
        if len(found) > 1:
            raise InvalidInput("phone_ambiguous")
        person = found[0] if found else None
    elif ticket is not None:
        person = await privacy.resident_by_ticket(tx, ticket.strip().upper())
    elif resident_id is None and chat_id is None:
        raise InvalidInput("who")
    else:
        person = await privacy.resident(tx, resident_id, chat_id)
    if person is None:
        raise NotFound("resident")
    return person


async def export(deps: Deps, resident_id: int | None = None, chat_id: int | None = None, *,
                 phone: str | None = None, ticket: str | None = None) -> dict:
    """Everything stored about the resident: their record, tickets (with category names), history, messages."""
    async with deps.db.read() as tx:
        data = await privacy.everything(tx, await _person(tx, resident_id, chat_id, phone, ticket))
    for t in data["tickets"]:
        t["category_name"] = deps.category_name(t["category"])
    return data


async def forget(deps: Deps, resident_id: int | None = None, chat_id: int | None = None, *,
                 phone: str | None = None, ticket: str | None = None) -> dict:
    """Clear the resident's identity and the personal numbers in their texts; keep the statistics.

    The append-only history keeps its rows: they name the resident only by the now-anonymous id.
    Returns what was removed (counts) and what was kept."""
    async with deps.db.transaction() as tx:
        person = await _person(tx, resident_id, chat_id, phone, ticket)
        data = await privacy.everything(tx, person)
        masked = {t["id"]: mask_personal(t["text"]) for t in data["tickets"]}
        removed = await privacy.forget(tx, person, masked)
    tickets = data["tickets"]
    return {
        "resident": person["id"],
        "identity": [k for k in ("chat_id", "name", "username", "phone") if person[k] not in (None, "")],
        "texts_masked": sum(1 for t in tickets if masked[t["id"]] != t["text"]),
        "locations": sum(1 for t in tickets if t["latitude"] is not None),
        "photos": sum(1 for t in tickets if t["photo"]),
        **removed,
        "tickets_kept": len(tickets),
    }
