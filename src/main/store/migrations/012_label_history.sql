-- Labels keep the order they were made in (their digit shortcuts follow it and never
-- renumber when a label is added) and a colour of their own (null: the default colour
-- of their position, golden-angle hues, so neighbours are far apart).
ALTER TABLE labels ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE labels ADD COLUMN color TEXT;
UPDATE labels SET position = (SELECT COUNT(*) FROM labels l2 WHERE l2.dataset_id = labels.dataset_id AND l2.id < labels.id);

-- Undo and redo: one row per labelling action of a dataset (label, clear, accept, delete
-- pictures, rename, merge, delete or recolour a label). `undo` and `redo` hold the steps
-- (JSON) that take the dataset from after to before and back. Undone rows are the redo
-- stack; a new action drops them.
CREATE TABLE label_history (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  action     TEXT    NOT NULL,
  summary    TEXT    NOT NULL,
  count      INTEGER NOT NULL,
  undo       TEXT    NOT NULL,
  redo       TEXT    NOT NULL,
  undone     INTEGER NOT NULL DEFAULT 0,
  created_at TEXT    NOT NULL
);
CREATE INDEX label_history_by_dataset ON label_history (dataset_id, undone, id);

-- Library files of deleted pictures that an undo may bring back: the library keeps a file
-- while a history row lists it, and lets it go when the row is dropped.
CREATE TABLE label_history_files (
  entry_id INTEGER NOT NULL REFERENCES label_history(id) ON DELETE CASCADE,
  hash     TEXT    NOT NULL,
  ext      TEXT    NOT NULL,
  PRIMARY KEY (entry_id, hash)
);
CREATE INDEX label_history_files_by_hash ON label_history_files (hash);
