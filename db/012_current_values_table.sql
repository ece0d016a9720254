-- current_values becomes a table kept at write time (issue 16). The view of 005 re-decided
-- reviews and "current" for every row of every query, so facets, filters and exports grew with
-- the database (0.5-1.5 s per query, 1.5k papers/s export at 100k papers). The table holds the
-- same rows (plus each value's canonical form and grounding), so reads are index scans:
--   primary key (doc_id, field, ...)    show, audit, export stream in document order
--   (field, normalized, value, ...)     facets and --where read one field, or one key of it
--   (field, doc_id)                     papers that report a field, without a sort
-- current_values_live is the rule, written once (005's view with two more columns); triggers
-- recompute one document x field from it whenever anything it reads changes: current_map,
-- accepted field_values (new values, store.set_alias / rebuild_canonical moving keys, cascades
-- from re-ingestion) and reviews. tests/test_current_values.py checks table == view after
-- every kind of write, and the read paths' answers against the 005 views.

CREATE VIEW current_values_live AS
SELECT cm.doc_id, cm.field, 'extracted' AS source, fv.id AS ord, fv.value, fv.normalized,
       fv.canonical, fv.grounding, fv.id AS value_id, NULL AS review_id,
       (SELECT lr.action FROM latest_reviews lr
         WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
           AND lr.normalized = fv.normalized) AS review
FROM current_map cm
JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
WHERE NOT EXISTS (SELECT 1 FROM latest_reviews lr
                  WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
                    AND lr.normalized = fv.normalized AND lr.action = 'reject')
UNION ALL
SELECT r.doc_id, r.field, 'review' AS source, r.id AS ord, r.value, r.normalized,
       NULL AS canonical, NULL AS grounding, NULL AS value_id, r.id AS review_id,
       lr.action AS review
FROM reviews r
JOIN latest_reviews lr ON lr.doc_id = r.doc_id AND lr.field = r.field
                      AND lr.normalized = r.normalized
WHERE r.action = 'set' AND lr.action != 'reject'
  AND r.id = (SELECT max(r3.id) FROM reviews r3
              WHERE r3.doc_id = r.doc_id AND r3.field = r.field
                AND r3.normalized = r.normalized AND r3.action = 'set')
  AND NOT EXISTS (SELECT 1 FROM current_map cm
                  JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
                  WHERE cm.doc_id = r.doc_id AND cm.field = r.field
                    AND fv.normalized = r.normalized);

-- paper_fields (005) reads current_values by name, so it reads the table from here on.
DROP VIEW current_values;
CREATE TABLE current_values (
    doc_id     TEXT NOT NULL,
    field      TEXT NOT NULL,
    source     TEXT NOT NULL,         -- 'extracted' | 'review' (values set by a reviewer)
    ord        INTEGER NOT NULL,      -- value_id or review_id: display order within a field
    value      TEXT NOT NULL,         -- as written
    normalized TEXT NOT NULL,         -- canonical key: facets, filters, reviews group by it
    canonical  TEXT,                  -- canonical form (NULL: as written, or set by review)
    grounding  TEXT,
    value_id   INTEGER,               -- field_values.id (extracted values)
    review_id  INTEGER,               -- reviews.id (values set by review)
    review     TEXT,                  -- latest review action on this value, if any
    PRIMARY KEY (doc_id, field, source, ord)
) WITHOUT ROWID;

-- Carry existing data: the rows the view of 005 returned, in primary-key order.
INSERT INTO current_values SELECT * FROM current_values_live ORDER BY 1, 2, 3, 4;
CREATE INDEX current_values_field_key ON current_values(field, normalized, value, canonical);
CREATE INDEX current_values_field_doc ON current_values(field, doc_id);
-- Evidence in offset order per value: the export's one pass needs no sort.
DROP INDEX evidence_value;
CREATE INDEX evidence_value ON evidence(value_id, start);
-- Reviews of one field (facets count the papers a review touched).
CREATE INDEX reviews_field ON reviews(field, doc_id);
-- Only the view-based facets and filters this table replaces read values by (doc_id, field).
DROP INDEX field_values_doc_field;
-- Title and DOI of matching papers without reading their text-sized rows.
CREATE INDEX documents_meta ON documents(id, title, doi);

-- One document x field recomputed: every trigger below ends here (SQLite has no procedures).
CREATE TRIGGER current_values_map_insert AFTER INSERT ON current_map BEGIN
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
END;

CREATE TRIGGER current_values_map_update AFTER UPDATE ON current_map BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field
      AND (old.doc_id != new.doc_id OR old.field != new.field);
END;

CREATE TRIGGER current_values_map_delete AFTER DELETE ON current_map BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field;
END;

-- Values of extractions that are not current change nothing (most rows of older runs).
CREATE TRIGGER current_values_value_insert AFTER INSERT ON field_values
WHEN new.accepted = 1 AND EXISTS (SELECT 1 FROM current_map WHERE doc_id = new.doc_id
                                  AND field = new.field AND extraction_id = new.extraction_id)
BEGIN
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
END;

CREATE TRIGGER current_values_value_delete AFTER DELETE ON field_values
WHEN old.accepted = 1 AND EXISTS (SELECT 1 FROM current_map WHERE doc_id = old.doc_id
                                  AND field = old.field AND extraction_id = old.extraction_id)
BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field;
END;

CREATE TRIGGER current_values_value_update
AFTER UPDATE OF extraction_id, doc_id, field, value, normalized, accepted, grounding, canonical
ON field_values
WHEN EXISTS (SELECT 1 FROM current_map WHERE doc_id = old.doc_id AND field = old.field
                                         AND extraction_id = old.extraction_id)
  OR EXISTS (SELECT 1 FROM current_map WHERE doc_id = new.doc_id AND field = new.field
                                         AND extraction_id = new.extraction_id)
BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field
      AND (old.doc_id != new.doc_id OR old.field != new.field);
END;

CREATE TRIGGER current_values_review_insert AFTER INSERT ON reviews BEGIN
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
END;

CREATE TRIGGER current_values_review_delete AFTER DELETE ON reviews BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field;
END;

CREATE TRIGGER current_values_review_update AFTER UPDATE ON reviews BEGIN
    DELETE FROM current_values WHERE doc_id = old.doc_id AND field = old.field;
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = old.doc_id AND field = old.field
      AND (old.doc_id != new.doc_id OR old.field != new.field);
END;
