-- current_map: the current extraction per document x field, kept up to date by triggers so
-- facets, filters and exports join an index instead of re-deciding "latest successful
-- extraction" for every row (the current_extractions view of 003 does that per row, which
-- costs ~4x more at 10k papers). It holds exactly what current_extractions returns:
-- tests/test_cli_db.py checks that after new runs, reruns, failed units and re-ingestion.
-- Then the views that merge reviews (004) with the current results.
CREATE TABLE current_map (
    doc_id          TEXT NOT NULL,
    field           TEXT NOT NULL,
    extraction_id   INTEGER NOT NULL,
    group_result_id INTEGER NOT NULL,
    PRIMARY KEY (doc_id, field)
) WITHOUT ROWID;
CREATE INDEX current_map_field ON current_map(field, doc_id, extraction_id);

INSERT INTO current_map (doc_id, field, extraction_id, group_result_id)
SELECT doc_id, field, id, group_result_id FROM current_extractions;

-- A new extraction of a successful unit wins when its unit is newer (ids grow with time).
CREATE TRIGGER current_map_insert AFTER INSERT ON extractions
WHEN (SELECT status FROM group_results WHERE id = new.group_result_id) = 'done'
BEGIN
    INSERT INTO current_map (doc_id, field, extraction_id, group_result_id)
    VALUES (new.doc_id, new.field, new.id, new.group_result_id)
    ON CONFLICT (doc_id, field) DO UPDATE
        SET extraction_id = excluded.extraction_id, group_result_id = excluded.group_result_id
        WHERE excluded.group_result_id > current_map.group_result_id;
END;

-- The current extraction deleted (rerun of its unit, re-ingested document): fall back to
-- the latest remaining successful one, as current_extractions would.
CREATE TRIGGER current_map_delete AFTER DELETE ON extractions
WHEN EXISTS (SELECT 1 FROM current_map WHERE doc_id = old.doc_id AND field = old.field
                                        AND extraction_id = old.id)
BEGIN
    DELETE FROM current_map WHERE doc_id = old.doc_id AND field = old.field;
    INSERT INTO current_map (doc_id, field, extraction_id, group_result_id)
    SELECT e.doc_id, e.field, e.id, e.group_result_id
    FROM extractions e JOIN group_results g ON g.id = e.group_result_id
    WHERE e.doc_id = old.doc_id AND e.field = old.field AND g.status = 'done'
    ORDER BY g.id DESC LIMIT 1;
END;

-- Rare paths (a unit's status or an extraction's keys changed in place): recompute the
-- affected document x field pairs from scratch.
CREATE TRIGGER current_map_status AFTER UPDATE OF status ON group_results
BEGIN
    DELETE FROM current_map WHERE EXISTS (
        SELECT 1 FROM extractions x WHERE x.group_result_id = new.id
          AND x.doc_id = current_map.doc_id AND x.field = current_map.field);
    INSERT OR REPLACE INTO current_map (doc_id, field, extraction_id, group_result_id)
    SELECT ce.doc_id, ce.field, ce.id, ce.group_result_id FROM current_extractions ce
    WHERE EXISTS (SELECT 1 FROM extractions x WHERE x.group_result_id = new.id
                    AND x.doc_id = ce.doc_id AND x.field = ce.field);
END;

CREATE TRIGGER current_map_update AFTER UPDATE OF doc_id, field, group_result_id ON extractions
BEGIN
    DELETE FROM current_map WHERE (doc_id = old.doc_id AND field = old.field)
                               OR (doc_id = new.doc_id AND field = new.field);
    INSERT OR REPLACE INTO current_map (doc_id, field, extraction_id, group_result_id)
    SELECT ce.doc_id, ce.field, ce.id, ce.group_result_id FROM current_extractions ce
    WHERE (ce.doc_id = old.doc_id AND ce.field = old.field)
       OR (ce.doc_id = new.doc_id AND ce.field = new.field);
END;

-- Effective values: current extracted values not rejected by a review, plus values set by
-- review that extraction did not find. value_id points at field_values for extracted values,
-- review_id at the review that set the value otherwise.

CREATE VIEW current_values AS
SELECT cm.doc_id, cm.field, fv.value, fv.normalized, fv.id AS value_id, NULL AS review_id,
       'extracted' AS source,
       (SELECT lr.action FROM latest_reviews lr
         WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
           AND lr.normalized = fv.normalized) AS review
FROM current_map cm
JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
WHERE NOT EXISTS (SELECT 1 FROM latest_reviews lr
                  WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
                    AND lr.normalized = fv.normalized AND lr.action = 'reject')
UNION ALL
SELECT r.doc_id, r.field, r.value, r.normalized, NULL AS value_id, r.id AS review_id,
       'review' AS source, lr.action AS review
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

CREATE VIEW paper_fields AS
WITH touched AS (
    SELECT doc_id, field FROM current_map
    UNION
    SELECT doc_id, field FROM reviews
), vals AS (
    SELECT doc_id, field, group_concat(value, '; ') AS value_list, count(*) AS n_values
    FROM (SELECT * FROM current_values ORDER BY doc_id, field, source, value_id, review_id)
    GROUP BY doc_id, field
)
SELECT t.doc_id, t.field,
       CASE WHEN v.n_values > 0 THEN 'reported' ELSE 'unknown' END AS status,
       v.value_list, coalesce(v.n_values, 0) AS n_values
FROM touched t LEFT JOIN vals v ON v.doc_id = t.doc_id AND v.field = t.field;
