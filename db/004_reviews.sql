-- Human review decisions and the views that merge them with extraction results.
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

-- Effective values: current extracted values not rejected by a review, plus values set by
-- review that extraction did not find. value_id points at field_values for extracted values,
-- review_id at the review that set the value otherwise.
CREATE VIEW current_values AS
SELECT ce.doc_id, ce.field, fv.value, fv.normalized, fv.id AS value_id, NULL AS review_id,
       'extracted' AS source,
       (SELECT lr.action FROM latest_reviews lr
         WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
           AND lr.normalized = fv.normalized) AS review
FROM current_extractions ce
JOIN field_values fv ON fv.extraction_id = ce.id AND fv.accepted = 1
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
  -- the latest 'set' of that value stands for all of them
  AND r.id = (SELECT max(r3.id) FROM reviews r3
              WHERE r3.doc_id = r.doc_id AND r3.field = r.field
                AND r3.normalized = r.normalized AND r3.action = 'set')
  AND NOT EXISTS (SELECT 1 FROM current_extractions ce
                  JOIN field_values fv ON fv.extraction_id = ce.id AND fv.accepted = 1
                  WHERE ce.doc_id = r.doc_id AND ce.field = r.field
                    AND fv.normalized = r.normalized);

-- Long format, one row per paper x field that was extracted or reviewed:
-- status is 'reported' when any effective value remains, else 'unknown'.
CREATE VIEW paper_fields AS
WITH touched AS (
    SELECT doc_id, field FROM current_extractions
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

-- Wide format for Datasette: one row per paper, one column per field of the default
-- dl_methodology schema (values joined by "; "; NULL when unknown or not extracted; the
-- status per field is in paper_fields). Other schemas use paper_fields.
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
