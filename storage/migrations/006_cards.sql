-- Version 6: live cards. Every message the bot sent about a ticket (offers, the handler's work card,
-- queue items, alerts, the resident's messages with buttons) is remembered with who it was for, so
-- each transition can edit it to show the ticket's state and that viewer's buttons now.
BEGIN;
CREATE TABLE ticket_cards (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    viewer_kind  TEXT NOT NULL CHECK (viewer_kind IN ('staff', 'resident')),
    viewer_id    INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX ticket_cards_message ON ticket_cards(chat_id, message_id);
CREATE INDEX ticket_cards_ticket ON ticket_cards(ticket_id);
PRAGMA user_version = 6;
COMMIT;
