"""Messages sent about a ticket (its cards), so that each can be edited when the ticket moves on."""
from __future__ import annotations

from storage.db import Tx

# A message edited into another card (a picker, then a dispatch) stays one card: the newest kind wins.
UPSERT = """
INSERT INTO ticket_cards (ticket_id, chat_id, message_id, viewer_kind, viewer_id, kind, created_at)
VALUES (:ticket_id, :chat_id, :message_id, :viewer_kind, :viewer_id, :kind, :now)
ON CONFLICT (chat_id, message_id) DO UPDATE SET ticket_id = excluded.ticket_id, kind = excluded.kind,
    viewer_kind = excluded.viewer_kind, viewer_id = excluded.viewer_id
"""
OF_TICKET = "SELECT * FROM ticket_cards WHERE ticket_id = :ticket_id ORDER BY id"
HAS_CARD = """
SELECT 1 FROM ticket_cards WHERE ticket_id = :ticket_id AND viewer_kind = :viewer_kind AND viewer_id = :viewer_id
LIMIT 1
"""


async def record(tx: Tx, ticket_id: int, chat_id: int, message_id: int, viewer_kind: str, viewer_id: int,
                 kind: str, now: str) -> None:
    await tx.execute(UPSERT, {"ticket_id": ticket_id, "chat_id": chat_id, "message_id": message_id,
                              "viewer_kind": viewer_kind, "viewer_id": viewer_id, "kind": kind, "now": now})


async def of_ticket(tx: Tx, ticket_id: int) -> list[dict]:
    return await tx.all(OF_TICKET, {"ticket_id": ticket_id})


async def seen_by(tx: Tx, ticket_id: int, viewer_kind: str, viewer_id: int) -> bool:
    """Whether this person was ever shown the ticket (and so may be told what became of it)."""
    return bool(await tx.scalar(HAS_CARD, {"ticket_id": ticket_id, "viewer_kind": viewer_kind,
                                           "viewer_id": viewer_id}))
