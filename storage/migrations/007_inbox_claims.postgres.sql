-- Version 7 on PostgreSQL: as 007_inbox_claims.sql with 64-bit chat keys (Telegram ids pass 2^31).
-- Without BEGIN/COMMIT/PRAGMA: the PostgreSQL runner (wt15a) wraps it and records the version; the
-- SQLite runner never reads this file (until wt15a lands it would: see the report).
ALTER TABLE inbox ADD COLUMN chat_key BIGINT NOT NULL DEFAULT 0;
UPDATE inbox SET chat_key = chat_id WHERE chat_id IS NOT NULL;
CREATE INDEX inbox_pending_chat ON inbox(chat_key, id) WHERE state = 'pending';
CREATE TABLE inbox_claims (
    chat_key  BIGINT PRIMARY KEY,
    owner     TEXT NOT NULL,
    until     TEXT NOT NULL
);
CREATE INDEX inbox_claims_owner ON inbox_claims(owner);
