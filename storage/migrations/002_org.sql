-- Version 2: a department may share categories it does not own (e.g. water, gas and heating help
-- with utilities, which the power company owns). Orders route only to the owner.
BEGIN;
ALTER TABLE units ADD COLUMN shares TEXT NOT NULL DEFAULT '[]';   -- departments: JSON list of category codes
CREATE INDEX unit_aliases_unit ON unit_aliases(unit_id);
PRAGMA user_version = 2;
COMMIT;
