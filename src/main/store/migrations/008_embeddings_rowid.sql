-- Embeddings move from WITHOUT ROWID tables to ordinary ones, keyed by the same unique key.
-- A WITHOUT ROWID table keeps each whole row in its key's B-tree, and SQLite advises against
-- it for rows bigger than a twentieth of a page: a 1,536-float vector is 6 KB, so every lookup
-- walked overflow pages. Measured on 60,000 vectors (bench/vision/embedding-read.ts, CPU per
-- row): finding which hashes are cached cost 74 µs and reading vectors 77 µs; as an ordinary
-- table with a unique index, 2.0 µs (the index alone answers) and 11.7 µs. At 60,000 pictures
-- that is about 8 s of main-thread work less at the start of every training run.
CREATE TABLE embeddings_new (
  hash       TEXT    NOT NULL,
  backbone   TEXT    NOT NULL,
  dim        INTEGER NOT NULL,
  vector     BLOB    NOT NULL,
  created_at TEXT    NOT NULL,
  PRIMARY KEY (hash, backbone)
);
INSERT INTO embeddings_new (hash, backbone, dim, vector, created_at)
  SELECT hash, backbone, dim, vector, created_at FROM embeddings;
DROP TABLE embeddings;
ALTER TABLE embeddings_new RENAME TO embeddings;

CREATE TABLE embedding_variants_new (
  hash       TEXT    NOT NULL,
  backbone   TEXT    NOT NULL,
  variant    TEXT    NOT NULL,
  dim        INTEGER NOT NULL,
  vector     BLOB    NOT NULL,
  created_at TEXT    NOT NULL,
  PRIMARY KEY (hash, backbone, variant)
);
INSERT INTO embedding_variants_new (hash, backbone, variant, dim, vector, created_at)
  SELECT hash, backbone, variant, dim, vector, created_at FROM embedding_variants;
DROP TABLE embedding_variants;
ALTER TABLE embedding_variants_new RENAME TO embedding_variants;
