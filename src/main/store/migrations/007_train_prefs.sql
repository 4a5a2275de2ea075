-- A dataset's training preferences: what every run of it uses unless the run says otherwise,
-- the automatic retrains after a label change included. One row per dataset that has set
-- one; a dataset without a row trains with the defaults (no augmentation).
CREATE TABLE train_prefs (
  dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
  augment    INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT    NOT NULL
);
