"""A resident's data requests (PIPL): export everything about them; forget who they are."""
from __future__ import annotations

from bot.services.deps import Deps
from bot.services.errors import NotFound
from bot.services.views import mask_personal
from storage import privacy


async def _person(tx, resident_id: int | None, chat_id: int | None) -> dict:
    person = await privacy.resident(tx, resident_id, chat_id)
    if person is None:
        raise NotFound("resident")
    return person


async def export(deps: Deps, resident_id: int | None = None, chat_id: int | None = None) -> dict:
    async with deps.db.read() as tx:
        return await privacy.everything(tx, await _person(tx, resident_id, chat_id))


async def forget(deps: Deps, resident_id: int | None = None, chat_id: int | None = None) -> dict:
    """Clear the resident's identity and the personal numbers in their texts; keep the statistics.

    The append-only history keeps its rows: they name the resident only by the now-anonymous id."""
    async with deps.db.transaction() as tx:
        person = await _person(tx, resident_id, chat_id)
        data = await privacy.everything(tx, person)
        masked = {t["id"]: mask_personal(t["text"]) for t in data["tickets"]}
        await privacy.forget(tx, person, masked)
        return {"resident": person["id"], "tickets": len(data["tickets"])}
