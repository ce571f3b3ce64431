-- Version 5: a durable inbox. Every update is written here before its offset is confirmed to
-- Telegram, and handled from here, so a crash loses nothing fetched. A re-delivery is the same
-- update id with the same content (digest); update ids that restart lower carry other content.
BEGIN;
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    update_id    INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    chat_id      INTEGER,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    received_at  TEXT NOT NULL,
    done_at      TEXT
);
CREATE UNIQUE INDEX inbox_update ON inbox(update_id, digest);
CREATE INDEX inbox_pending ON inbox(id) WHERE state = 'pending';
CREATE INDEX inbox_done ON inbox(done_at) WHERE state = 'done';
DROP TABLE processed_updates;
PRAGMA user_version = 5;
COMMIT;
