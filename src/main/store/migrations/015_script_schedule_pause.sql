-- A scheduled script that fails three times in a row is paused (issue #12): the count of
-- consecutive failed scheduled runs, and when and why the schedule was paused.
ALTER TABLE scripts ADD COLUMN schedule_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scripts ADD COLUMN schedule_paused_at TEXT;
ALTER TABLE scripts ADD COLUMN schedule_paused_reason TEXT;
