-- Version 8: several processes on one database. A lease names the one process that runs a singleton
-- job (the sweep and the briefings) until it expires; the holder renews it. Outbox rows are claimed
-- by the sender about to send them, until claimed_until, so two senders never send the same row.
BEGIN;
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
PRAGMA user_version = 8;
COMMIT;
