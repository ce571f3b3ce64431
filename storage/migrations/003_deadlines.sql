-- Version 3: deadlines, the briefing and patrols.
-- The sweep reads only open tickets whose alerts are not all sent: partial indexes led by the
-- deadline, restricted to one state and to `sweep_done = 0`, so closed tickets (and open ones that
-- have had every alert for their current deadline) cost nothing. An index on the deadline alone
-- would be worse than none (see PERF-NOTES).
BEGIN;
ALTER TABLE tickets ADD COLUMN sweep_done INTEGER NOT NULL DEFAULT 0;   -- 1: every alert for the current deadline sent
CREATE INDEX tickets_sweep_accept ON tickets(accept_due) WHERE state = 'pending' AND sweep_done = 0;
CREATE INDEX tickets_sweep_resolve ON tickets(resolve_due) WHERE state = 'accepted' AND sweep_done = 0;
CREATE INDEX tickets_sweep_autoclose ON tickets(resolved_at) WHERE state = 'resolved';
-- A new deadline (dispatch, sign-for, extension, reopen) starts a new round of alerts.
CREATE TRIGGER tickets_sweep_reset AFTER UPDATE OF state, accept_due, resolve_due ON tickets
WHEN new.sweep_done = 1 AND (new.state IS NOT old.state OR new.accept_due IS NOT old.accept_due
                             OR new.resolve_due IS NOT old.resolve_due)
BEGIN UPDATE tickets SET sweep_done = 0 WHERE id = new.id; END;

-- The briefing: range queries on when things happened.
CREATE INDEX tickets_accepted_at ON tickets(accepted_at);
CREATE INDEX tickets_resolved_at ON tickets(resolved_at);
CREATE INDEX tickets_closed_at ON tickets(closed_at);
CREATE INDEX tickets_accept_due ON tickets(accept_due);
CREATE INDEX tickets_resolve_due ON tickets(resolve_due);
CREATE INDEX tickets_open_state ON tickets(state) WHERE state IN ('pending', 'accepted');
CREATE INDEX ticket_events_rated ON ticket_events(at) WHERE action IN ('rate_satisfied', 'rate_unsatisfied');

-- Patrols (巡格): one row per check-in.
CREATE TABLE patrols (
    id         INTEGER PRIMARY KEY,
    grid_id    INTEGER NOT NULL REFERENCES units(id),
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    at         TEXT NOT NULL,
    latitude   REAL,
    longitude  REAL,
    inside     INTEGER            -- 1 inside the boundary, 0 outside, NULL: the grid has no boundary
);
CREATE INDEX patrols_grid ON patrols(grid_id, at);

-- Patrol reminders sent, once per grid and cycle.
CREATE TABLE patrol_alerts (
    grid_id    INTEGER NOT NULL REFERENCES units(id),
    cycle_key  TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (grid_id, cycle_key)
);

PRAGMA user_version = 3;
COMMIT;
