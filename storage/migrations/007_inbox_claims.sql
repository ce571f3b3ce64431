-- Version 7: several processes share one database. A process handles a chat's updates only while it
-- holds that chat's claim (a lease renewed while it works, taken over once it has expired), so one
-- chat's updates are applied once and in order whichever process received them. chat_key is the
-- chat an update belongs to (0: none), the key the claims are taken on.
BEGIN;
ALTER TABLE inbox ADD COLUMN chat_key INTEGER NOT NULL DEFAULT 0;
UPDATE inbox SET chat_key = chat_id WHERE chat_id IS NOT NULL;
CREATE INDEX inbox_pending_chat ON inbox(chat_key, id) WHERE state = 'pending';
CREATE TABLE inbox_claims (
    chat_key  INTEGER PRIMARY KEY,
    owner     TEXT NOT NULL,
    until     TEXT NOT NULL
);
CREATE INDEX inbox_claims_owner ON inbox_claims(owner);
PRAGMA user_version = 7;
COMMIT;
