-- Which build of the backbone embedded the vectors a model's head was trained on: the ONNX
-- file's full SHA-256 and whether it ran float or int8 (the id in `backbone` holds only 12 hex
-- digits of the hash). NULL for models trained before this was recorded.
ALTER TABLE models ADD COLUMN backbone_sha256 TEXT;
ALTER TABLE models ADD COLUMN backbone_variant TEXT CHECK (backbone_variant IN ('float', 'int8'));
