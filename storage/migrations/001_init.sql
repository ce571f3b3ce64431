-- GridBot schema, version 1. Times are ISO-8601 text in UTC ("2026-11-26T12:00:00+00:00").
BEGIN;

-- The org tree: district → street → community → grid, plus departments under the district.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('district', 'street', 'community', 'grid', 'department')),
    parent_id   INTEGER REFERENCES units(id),
    area        TEXT NOT NULL DEFAULT 'urban' CHECK (area IN ('urban', 'rural')),
    boundary    TEXT,            -- JSON polygon [[lon, lat], ...] or NULL
    categories  TEXT NOT NULL DEFAULT '[]'   -- departments: JSON list of category codes they own
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE unit_aliases (
    alias    TEXT NOT NULL PRIMARY KEY,
    unit_id  INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE
);

-- Staff: grid workers (unit = grid), department handlers (unit = department),
-- supervisors (unit = community, street or district), admins.
CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('worker', 'handler', 'supervisor', 'admin')),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    chat_id       INTEGER UNIQUE,
    bind_code     TEXT UNIQUE,
    bind_expires  TEXT,
    active        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX staff_unit ON staff(unit_id);

-- Residents are chat accounts; identity fields can be anonymised (PIPL "forget").
CREATE TABLE residents (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    username    TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    forgotten   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    resident_id      INTEGER REFERENCES residents(id),
    reporter_staff_id INTEGER REFERENCES staff(id),      -- whistle (吹哨) tickets
    text             TEXT NOT NULL,
    category         TEXT NOT NULL,
    priority         TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'resolved', 'closed', 'cancelled', 'merged')),
    grid_id          INTEGER REFERENCES units(id),       -- where it happened; NULL = unknown
    unit_id          INTEGER REFERENCES units(id),       -- who must handle it now: grid, department, or a supervisor's unit (queue)
    handler_id       INTEGER REFERENCES staff(id),       -- who signed for it
    place            TEXT NOT NULL DEFAULT '',
    latitude         REAL,
    longitude        REAL,
    photo            TEXT,                               -- chat file id
    confidence       REAL NOT NULL DEFAULT 0,
    keywords         TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    accept_due       TEXT,
    resolve_due      TEXT,
    accepted_at      TEXT,
    resolved_at      TEXT,
    closed_at        TEXT,
    result           TEXT NOT NULL DEFAULT '',
    rating           TEXT,
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    merged_into      INTEGER REFERENCES tickets(id),
    extension_due    TEXT,                               -- requested new resolve_due awaiting approval
    extension_reason TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_resident ON tickets(resident_id, id);
CREATE INDEX tickets_unit_open ON tickets(unit_id, state) WHERE state IN ('pending', 'accepted');
CREATE INDEX tickets_handler_open ON tickets(handler_id) WHERE state = 'accepted';
CREATE INDEX tickets_created ON tickets(created_at);

-- Append-only history: one row per transition.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('resident', 'staff', 'system')),
    actor_id    INTEGER,
    actor_role  TEXT NOT NULL DEFAULT '',
    from_state  TEXT,
    to_state    TEXT,
    note        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;

-- Messages owed to someone, written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    ticket_id        INTEGER REFERENCES tickets(id),
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'undeliverable')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    sent_at          TEXT,
    message_id       INTEGER,
    error            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_chat_pending ON outbox(chat_id, id) WHERE state = 'pending';

-- A report being confirmed by a resident; survives a restart.
CREATE TABLE drafts (
    chat_id     INTEGER PRIMARY KEY,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Updates already applied (Telegram re-sends after a crash before the offset is confirmed).
CREATE TABLE processed_updates (
    update_id  INTEGER PRIMARY KEY,
    at         TEXT NOT NULL
);

-- Reminders and alerts sent, once per (ticket, kind, level), across restarts.
CREATE TABLE alerts_sent (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    kind       TEXT NOT NULL,
    level      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (ticket_id, kind, level)
);

-- Daily ticket-number sequence.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

-- Rate limits (bind attempts, new tickets) kept in the database so a restart does not reset them.
CREATE TABLE attempts (
    id       INTEGER PRIMARY KEY,
    chat_id  INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX attempts_chat ON attempts(chat_id, kind, at);

CREATE TABLE kv (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

PRAGMA user_version = 1;
COMMIT;
