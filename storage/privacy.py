"""A resident's data requests (PIPL): everything about them, and anonymising them."""
from __future__ import annotations

from storage.db import Tx

RESIDENT = "SELECT * FROM residents WHERE id = :id"
RESIDENT_BY_CHAT = "SELECT * FROM residents WHERE chat_id = :chat_id"
RESIDENTS_BY_PHONE = "SELECT * FROM residents WHERE phone = :phone ORDER BY id"
RESIDENT_BY_TICKET = "SELECT r.* FROM residents r JOIN tickets t ON t.resident_id = r.id WHERE t.number = :number"
TICKETS = """
SELECT t.*, g.name AS grid_name, u.name AS unit_name FROM tickets t
  LEFT JOIN units g ON g.id = t.grid_id LEFT JOIN units u ON u.id = t.unit_id
 WHERE t.resident_id = :id ORDER BY t.id
"""
EVENTS = """
SELECT e.*, t.number FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.resident_id = :id ORDER BY e.id
"""
MESSAGES = "SELECT id, kind, payload, created_at, state, sent_at FROM outbox WHERE chat_id = :chat_id ORDER BY id"
FORGET_RESIDENT = """
UPDATE residents SET chat_id = NULL, name = '', username = '', phone = '', forgotten = 1 WHERE id = :id
"""
FORGET_TICKET_TEXT = "UPDATE tickets SET text = :text, latitude = NULL, longitude = NULL, photo = NULL WHERE id = :id"
FORGET_MESSAGES = "UPDATE outbox SET payload = '{}' WHERE chat_id = :chat_id AND payload != '{}'"
FORGET_DRAFT = "DELETE FROM drafts WHERE chat_id = :chat_id"
FORGET_AWAITING = "DELETE FROM kv WHERE key = 'await:' || :chat_id"
FORGET_ATTEMPTS = "DELETE FROM attempts WHERE chat_id = :chat_id"
# Handled updates keep the raw message (name, text, contact) a few days to recognise re-deliveries.
FORGET_UPDATES = "DELETE FROM inbox WHERE chat_id = :chat_id AND state = 'done'"


async def resident(tx: Tx, resident_id: int | None = None, chat_id: int | None = None) -> dict | None:
    if resident_id is not None:
        return await tx.one(RESIDENT, {"id": resident_id})
    return await tx.one(RESIDENT_BY_CHAT, {"chat_id": chat_id})


async def residents_by_phone(tx: Tx, phone: str) -> list[dict]:
    return await tx.all(RESIDENTS_BY_PHONE, {"phone": phone})


async def resident_by_ticket(tx: Tx, number: str) -> dict | None:
    return await tx.one(RESIDENT_BY_TICKET, {"number": number})


async def everything(tx: Tx, person: dict) -> dict:
    return {
        "resident": person,
        "tickets": await tx.all(TICKETS, {"id": person["id"]}),
        "history": await tx.all(EVENTS, {"id": person["id"]}),
        "messages": await tx.all(MESSAGES, {"chat_id": person["chat_id"]}) if person["chat_id"] else [],
    }


async def forget(tx: Tx, person: dict, masked_texts: dict[int, str]) -> dict[str, int]:
    """Anonymise the resident; tickets keep category, place, dates and states for the statistics.
    Returns how many rows of each kind were cleared or deleted."""
    removed = {"messages": 0, "drafts": 0, "pending_questions": 0, "attempts": 0, "updates": 0}
    for ticket_id, text in masked_texts.items():
        await tx.execute(FORGET_TICKET_TEXT, {"id": ticket_id, "text": text})
    if person["chat_id"] is not None:
        for key, sql in (("messages", FORGET_MESSAGES), ("drafts", FORGET_DRAFT),
                         ("pending_questions", FORGET_AWAITING), ("attempts", FORGET_ATTEMPTS),
                         ("updates", FORGET_UPDATES)):
            removed[key] = (await tx.execute(sql, {"chat_id": person["chat_id"]})).rowcount
    await tx.execute(FORGET_RESIDENT, {"id": person["id"]})
    return removed
