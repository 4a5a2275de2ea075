-- Vision: cached embeddings, training runs and the versioned models they produce.

-- One embedding per (picture bytes, backbone): relabelling, retraining and moving a picture
-- between datasets never recompute it. Float32 little-endian in `vector`.
CREATE TABLE embeddings (
  hash       TEXT    NOT NULL,
  backbone   TEXT    NOT NULL,
  dim        INTEGER NOT NULL,
  vector     BLOB    NOT NULL,
  created_at TEXT    NOT NULL,
  PRIMARY KEY (hash, backbone)
) WITHOUT ROWID;

-- A training run: its parameters, per-epoch history, metrics and outcome. JSON columns hold
-- what the Train page draws; a failed run keeps the message a person can act on.
CREATE TABLE training_runs (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  task_id       TEXT,
  status        TEXT    NOT NULL,
  trigger       TEXT    NOT NULL,
  backbone      TEXT    NOT NULL,
  params        TEXT    NOT NULL,
  history       TEXT    NOT NULL DEFAULT '[]',
  metrics       TEXT,
  details       TEXT,
  error_code    TEXT,
  error_message TEXT,
  model_id      INTEGER,
  created_at    TEXT    NOT NULL,
  started_at    TEXT,
  finished_at   TEXT
);
CREATE INDEX training_runs_by_dataset ON training_runs (dataset_id, id);

-- A trained model: the head (serialised, see vision/train/serialize.ts), its labels in
-- output order, the backbone it reads and its validation metrics. Models outlive their
-- dataset so a served model keeps answering after the dataset is deleted.
CREATE TABLE models (
  id         INTEGER PRIMARY KEY,
  dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  run_id     INTEGER REFERENCES training_runs(id) ON DELETE SET NULL,
  version    INTEGER NOT NULL,
  name       TEXT    NOT NULL,
  labels     TEXT    NOT NULL,
  backbone   TEXT    NOT NULL,
  head       BLOB    NOT NULL,
  metrics    TEXT    NOT NULL,
  created_at TEXT    NOT NULL
);
CREATE INDEX models_by_dataset ON models (dataset_id, id);
