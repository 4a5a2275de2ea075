-- Thumbnails live in the database, keyed by the picture's content hash, no longer as a
-- `hash.thumb.webp` file beside the picture: a file created costs more than the whole row
-- (an inode to find, a temporary name, a rename), and a row commits with its picture's row,
-- so a picture is never stored without its thumbnail. Libraries written before keep their
-- files, which are still read (LibraryService.thumbnail) and removed with their picture.
CREATE TABLE thumbnails (
  hash TEXT PRIMARY KEY,
  webp BLOB NOT NULL
);
