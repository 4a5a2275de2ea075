-- Embeddings of augmented copies of a picture (flipped, cropped, colour-jittered), used as
-- extra training rows when a run asks for augmentation. Kept apart from `embeddings` so the
-- one-vector-per-picture views (selection, duplicates, status counts) never see them; keyed
-- like it plus the variant's name, so a variant is computed once per backbone.
CREATE TABLE embedding_variants (
  hash       TEXT    NOT NULL,
  backbone   TEXT    NOT NULL,
  variant    TEXT    NOT NULL,
  dim        INTEGER NOT NULL,
  vector     BLOB    NOT NULL,
  created_at TEXT    NOT NULL,
  PRIMARY KEY (hash, backbone, variant)
) WITHOUT ROWID;
