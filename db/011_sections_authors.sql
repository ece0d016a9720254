-- Section kind of each chunk (front, introduction, related_work, methods, results, discussion,
-- acknowledgements, references, appendix; NULL for chunks ingested before this) and the authors
-- read from a PDF's first page ("; "-separated).
ALTER TABLE chunks ADD COLUMN section TEXT;
ALTER TABLE documents ADD COLUMN authors TEXT;
