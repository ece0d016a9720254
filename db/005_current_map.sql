-- current_map: the current extraction per document x field, kept up to date by triggers so
-- facets, filters and exports join an index instead of re-deciding "latest successful
-- extraction" for every row (the current_extractions view of 003 does that per row, which
-- costs ~4x more at 10k papers). It holds exactly what current_extractions returns:
-- tests/test_cli_db.py checks that after new runs, reruns, failed units and re-ingestion.
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

-- The views of 004, now reading current_map (same columns, same rows).
DROP VIEW papers;
DROP VIEW paper_fields;
DROP VIEW current_values;

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

CREATE VIEW papers AS
SELECT d.id AS doc_id, d.title, d.doi, d.status,
       sum(pf.status = 'reported') AS fields_reported,
       max(CASE WHEN pf.field = 'data_collection' THEN pf.value_list END) AS data_collection,
       max(CASE WHEN pf.field = 'data_formats' THEN pf.value_list END) AS data_formats,
       max(CASE WHEN pf.field = 'annotation_methods' THEN pf.value_list END) AS annotation_methods,
       max(CASE WHEN pf.field = 'augmentation' THEN pf.value_list END) AS augmentation,
       max(CASE WHEN pf.field = 'datasets' THEN pf.value_list END) AS datasets,
       max(CASE WHEN pf.field = 'preprocessing' THEN pf.value_list END) AS preprocessing,
       max(CASE WHEN pf.field = 'data_split' THEN pf.value_list END) AS data_split,
       max(CASE WHEN pf.field = 'code_repository_platform' THEN pf.value_list END) AS code_repository_platform,
       max(CASE WHEN pf.field = 'data_repository_platform' THEN pf.value_list END) AS data_repository_platform,
       max(CASE WHEN pf.field = 'code_repository_url' THEN pf.value_list END) AS code_repository_url,
       max(CASE WHEN pf.field = 'data_repository_url' THEN pf.value_list END) AS data_repository_url,
       max(CASE WHEN pf.field = 'model_architecture' THEN pf.value_list END) AS model_architecture,
       max(CASE WHEN pf.field = 'hyperparameters' THEN pf.value_list END) AS hyperparameters,
       max(CASE WHEN pf.field = 'hyperparameter_tuning' THEN pf.value_list END) AS hyperparameter_tuning,
       max(CASE WHEN pf.field = 'optimizer' THEN pf.value_list END) AS optimizer,
       max(CASE WHEN pf.field = 'stopping_criteria' THEN pf.value_list END) AS stopping_criteria,
       max(CASE WHEN pf.field = 'regularization' THEN pf.value_list END) AS regularization,
       max(CASE WHEN pf.field = 'training_monitoring' THEN pf.value_list END) AS training_monitoring,
       max(CASE WHEN pf.field = 'frameworks' THEN pf.value_list END) AS frameworks,
       max(CASE WHEN pf.field = 'hardware' THEN pf.value_list END) AS hardware,
       max(CASE WHEN pf.field = 'postprocessing' THEN pf.value_list END) AS postprocessing,
       max(CASE WHEN pf.field = 'evaluation_metrics' THEN pf.value_list END) AS evaluation_metrics,
       max(CASE WHEN pf.field = 'generalizability' THEN pf.value_list END) AS generalizability,
       max(CASE WHEN pf.field = 'randomness' THEN pf.value_list END) AS randomness,
       max(CASE WHEN pf.field = 'purpose' THEN pf.value_list END) AS purpose,
       max(CASE WHEN pf.field = 'bias_handling' THEN pf.value_list END) AS bias_handling,
       max(CASE WHEN pf.field = 'deployment_process' THEN pf.value_list END) AS deployment_process,
       max(CASE WHEN pf.field = 'deployment_platform' THEN pf.value_list END) AS deployment_platform
FROM documents d LEFT JOIN paper_fields pf ON pf.doc_id = d.id
GROUP BY d.id;
