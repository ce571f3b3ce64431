-- Version 4: the clock stops while a handler waits on the resident (追问).
-- A paused ticket is marked sweep_done = 1, so the sweep's partial indexes skip it; resuming moves
-- resolve_due by the time paused, and the trigger of version 3 puts it back in the sweep.
BEGIN;
ALTER TABLE tickets ADD COLUMN paused_at TEXT;
PRAGMA user_version = 4;
COMMIT;
