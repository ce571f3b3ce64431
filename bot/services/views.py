"""Plain snapshots of tickets for messages and lists: what a renderer needs, nothing of storage."""
from __future__ import annotations

import json
import re

from bot.services.deps import Deps
from storage import org
from storage.db import Tx

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_personal(text: str) -> str:
    """Mask phone numbers and ID-card numbers inside free text."""
    return _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


async def unit_name(tx: Tx, deps: Deps, unit_id: int | None) -> str:
    unit = await deps.units.unit(tx, unit_id)
    return unit["name"] if unit else ""


async def card(tx: Tx, deps: Deps, ticket: dict, *, reveal: bool = False) -> dict:
    """A snapshot for rendering; `reveal` keeps personal numbers (the resident and their handler)."""
    handler = await org.staff(tx, ticket["handler_id"]) if ticket["handler_id"] else None
    unit = await deps.units.unit(tx, ticket["unit_id"])
    text = ticket["text"] if reveal else mask_personal(ticket["text"])
    return {
        "id": ticket["id"], "number": ticket["number"], "state": ticket["state"],
        "category": ticket["category"], "category_name": deps.category_name(ticket["category"]),
        "priority": ticket["priority"], "text": text, "place": ticket["place"],
        "grid_name": await unit_name(tx, deps, ticket["grid_id"]),
        "unit_name": unit["name"] if unit else "", "unit_kind": unit["kind"] if unit else "",
        "handler_name": mask_name(handler["name"]) if handler else "", "handler_id": ticket["handler_id"],
        "handler_role": handler["role"] if handler else "",
        "accept_due": ticket["accept_due"], "resolve_due": ticket["resolve_due"],
        "created_at": ticket["created_at"], "result": ticket["result"], "rating": ticket["rating"],
        "reopen_count": ticket["reopen_count"], "photo": ticket["photo"],
        "keywords": json.loads(ticket["keywords"] or "[]"), "extension_due": ticket["extension_due"],
        "extension_reason": ticket["extension_reason"], "version": ticket["version"],
        "paused": bool(ticket["paused_at"]),
    }
