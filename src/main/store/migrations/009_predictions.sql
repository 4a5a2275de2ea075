-- Every picture predicted by its dataset's models, stored per (picture, model): the Library
-- filters and sorts by them with an index instead of applying a head to every embedding on
-- each request, and a restart finds what was already predicted.
CREATE TABLE predictions (
  model_id   INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  label      TEXT    NOT NULL,
  confidence REAL    NOT NULL,
  PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;
-- Deleting a picture deletes its predictions (the cascade looks them up by image).
CREATE INDEX predictions_by_image ON predictions (image_id);
-- `?sort=confidence` and `?minConfidence=` over one model's predictions.
CREATE INDEX predictions_by_confidence ON predictions (model_id, confidence, image_id);

-- A counter bumped in the same transaction as every change of a dataset's labelled set
-- (labels set or cleared, labelled pictures added or deleted). A run records the value it
-- trained on, so the start-up sweep can tell a dataset whose newest run is out of date.
ALTER TABLE datasets ADD COLUMN labels_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE training_runs ADD COLUMN labels_version INTEGER;
-- Runs made before this migration count as up to date: no retrain of every dataset at upgrade.
UPDATE training_runs SET labels_version = 0;
