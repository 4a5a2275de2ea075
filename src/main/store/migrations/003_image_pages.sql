-- The unfiltered grid (a dataset's images in id order) pages through this index instead
-- of sorting the whole dataset for every page.
CREATE INDEX images_by_dataset ON images (dataset_id, id);
