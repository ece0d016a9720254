-- Human review decisions (the views that merge them with extraction results are in 005/006).
--
-- A review is about one value of one field of one document, identified by its normalised
-- form. For each doc x field x normalised value the LATEST review decides:
--   reject  -> the value is removed (whether it was extracted or set by an earlier review)
--   accept  -> the value stays and is marked reviewed
--   set     -> the value is added with its own verified quote (offsets into documents.text)
-- Reviews go with their document: re-ingesting changed text deletes them, like extractions,
-- because their offsets described the old text.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'set')),
    value       TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    quote       TEXT,                 -- set only: exactly documents.text[start:end]
    start       INTEGER,
    "end"       INTEGER,
    page        INTEGER,
    match       TEXT CHECK (match IS NULL OR match IN ('exact', 'normalized', 'fuzzy')),
    reviewer    TEXT NOT NULL,
    note        TEXT,
    created_at  TEXT NOT NULL,
    CHECK (action != 'set' OR (quote IS NOT NULL AND start IS NOT NULL AND "end" IS NOT NULL))
);
CREATE INDEX reviews_doc_field_norm ON reviews(doc_id, field, normalized);

-- Facets and filters read values of one field across all papers.
CREATE INDEX field_values_doc_field ON field_values(doc_id, field);
CREATE INDEX group_results_status ON group_results(status, id);

-- The decisive review per doc x field x normalised value.
CREATE VIEW latest_reviews AS
SELECT r.* FROM reviews r
WHERE r.id = (SELECT max(r2.id) FROM reviews r2
              WHERE r2.doc_id = r.doc_id AND r2.field = r.field
                AND r2.normalized = r.normalized);
