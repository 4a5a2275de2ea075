-- Saved scripts of the Scripts page. The schedule lives here as the person wrote it; the
-- task queue holds the live schedule (named `script:ID`) while it is enabled.
CREATE TABLE IF NOT EXISTS scripts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  name             TEXT    NOT NULL,
  source           TEXT    NOT NULL,
  schedule_cron    TEXT,
  schedule_enabled INTEGER NOT NULL DEFAULT 0,
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL
);
