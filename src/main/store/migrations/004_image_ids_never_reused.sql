-- Image ids are cached by clients (thumbnails are served as immutable by id), so an id
-- must never come back for a different picture. Without AUTOINCREMENT SQLite reuses the
-- highest id after that row is deleted; rebuild the table with it. Nothing references
-- images(id), so the swap cascades nowhere.
CREATE TABLE images_next (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO images_next (id, dataset_id, hash, ext, file_name, label_id, width, height, created_at)
  SELECT id, dataset_id, hash, ext, file_name, label_id, width, height, created_at FROM images;
DROP TABLE images;
ALTER TABLE images_next RENAME TO images;
CREATE INDEX images_by_hash ON images (hash);
CREATE INDEX images_by_dataset_label ON images (dataset_id, label_id, id);
CREATE INDEX images_by_dataset ON images (dataset_id, id);
