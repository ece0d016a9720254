-- Evidence relocated by verification (extractor/verify.py): when the quote a backend gave is in
-- the passages read but does not verify its value, verification may store as evidence another
-- sentence of those passages that does, with match kind 'relocated' so audit and export show
-- that verification, not the backend, chose it. SQLite cannot widen a CHECK in place, so the
-- table is rebuilt with the same columns, rows and index. (It runs before 017, whose triggers
-- on this table a rebuild would drop.)
CREATE TABLE evidence_new (
    id        INTEGER PRIMARY KEY,
    value_id  INTEGER NOT NULL REFERENCES field_values(id) ON DELETE CASCADE,
    doc_id    TEXT NOT NULL,
    quote     TEXT NOT NULL,          -- exactly documents.text[start:end]
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    page      INTEGER,
    chunk_id  INTEGER,
    match     TEXT NOT NULL CHECK (match IN ('exact', 'normalized', 'fuzzy', 'relocated'))
);
INSERT INTO evidence_new (id, value_id, doc_id, quote, start, "end", page, chunk_id, match)
    SELECT id, value_id, doc_id, quote, start, "end", page, chunk_id, match FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_new RENAME TO evidence;
CREATE INDEX evidence_value ON evidence(value_id, start);
