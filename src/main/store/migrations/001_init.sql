-- Loupe's first schema: datasets, their labels and images, and app settings.
-- Identifiers are integers here; the repositories hand them out as strings (API.md).

CREATE TABLE datasets (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  created_at TEXT    NOT NULL
);

-- A label belongs to one dataset and may exist with no image (created ahead of labelling).
CREATE TABLE labels (
  id         INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name       TEXT    NOT NULL,
  created_at TEXT    NOT NULL,
  UNIQUE (dataset_id, name)
);

-- One row per picture in a dataset. The bytes live once in the content-addressed library
-- (library/ab/<hash>.<ext>), shared by every dataset that holds the same picture.
CREATE TABLE images (
  id         INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  hash       TEXT    NOT NULL,
  ext        TEXT    NOT NULL,
  file_name  TEXT    NOT NULL,
  label_id   INTEGER REFERENCES labels(id) ON DELETE SET NULL,
  width      INTEGER NOT NULL,
  height     INTEGER NOT NULL,
  created_at TEXT    NOT NULL,
  UNIQUE (dataset_id, hash)
);

-- Library garbage collection asks "does any row still use this hash?".
CREATE INDEX images_by_hash ON images (hash);
-- Grid pages: a dataset's images filtered by label, in id order (keyset pagination).
CREATE INDEX images_by_dataset_label ON images (dataset_id, label_id, id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
