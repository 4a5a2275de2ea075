-- One active model per dataset: the model that predicts for it (Library, Play, scripts, API).
-- A new run's model becomes active only if it scores at least as well on the same held-out
-- pictures; `pinned` = the person chose it, and no new run replaces it until unpinned.
-- No row (or a deleted model): the dataset's newest model is active.
CREATE TABLE active_models (
  dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
  model_id   INTEGER REFERENCES models(id) ON DELETE SET NULL,
  pinned     INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT    NOT NULL
);
