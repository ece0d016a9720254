-- papers: one row per paper, one column per default field (for Datasette and `methex sql`).
-- Each cell reads base tables by (doc_id, field) directly — SQLite cannot push a correlated
-- document id into the UNION ALL of current_values, so going through it scanned the whole
-- field per cell. Same rules as current_values (db/005): extracted values not rejected by the latest
-- review, then values set by review that extraction did not find. A page of 100 papers
-- costs the same at any database size, and count(*) reads only documents.
-- tests/test_cli_db.py checks it equals paper_fields pivoted, reviews included.
CREATE VIEW papers AS
SELECT d.id AS doc_id, d.title, d.doi, d.status,
       (SELECT count(DISTINCT f) FROM (
           SELECT cm.field AS f FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.field FROM reviews r WHERE r.doc_id = d.id AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject')) AS fields_reported,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'data_collection' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'data_collection' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS data_collection,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'data_formats' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'data_formats' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS data_formats,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'annotation_methods' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'annotation_methods' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS annotation_methods,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'augmentation' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'augmentation' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS augmentation,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'datasets' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'datasets' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS datasets,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'preprocessing' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'preprocessing' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS preprocessing,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'data_split' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'data_split' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS data_split,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'code_repository_platform' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'code_repository_platform' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS code_repository_platform,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'data_repository_platform' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'data_repository_platform' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS data_repository_platform,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'code_repository_url' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'code_repository_url' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS code_repository_url,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'data_repository_url' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'data_repository_url' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS data_repository_url,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'model_architecture' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'model_architecture' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS model_architecture,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'hyperparameters' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'hyperparameters' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS hyperparameters,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'hyperparameter_tuning' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'hyperparameter_tuning' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS hyperparameter_tuning,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'optimizer' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'optimizer' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS optimizer,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'stopping_criteria' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'stopping_criteria' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS stopping_criteria,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'regularization' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'regularization' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS regularization,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'training_monitoring' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'training_monitoring' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS training_monitoring,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'frameworks' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'frameworks' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS frameworks,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'hardware' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'hardware' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS hardware,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'postprocessing' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'postprocessing' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS postprocessing,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'evaluation_metrics' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'evaluation_metrics' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS evaluation_metrics,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'generalizability' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'generalizability' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS generalizability,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'randomness' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'randomness' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS randomness,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'purpose' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'purpose' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS purpose,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'bias_handling' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'bias_handling' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS bias_handling,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'deployment_process' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'deployment_process' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS deployment_process,
       (SELECT group_concat(v, '; ') FROM (
           SELECT fv.value AS v, 0 AS src, fv.id AS ord FROM current_map cm
           JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
           WHERE cm.doc_id = d.id AND cm.field = 'deployment_platform' AND NOT EXISTS (SELECT 1 FROM latest_reviews lr WHERE lr.doc_id = fv.doc_id
                 AND lr.field = fv.field AND lr.normalized = fv.normalized
                 AND lr.action = 'reject')
           UNION ALL
           SELECT r.value, 1, r.id FROM reviews r
           WHERE r.doc_id = d.id AND r.field = 'deployment_platform' AND r.action = 'set'
             AND (SELECT lr.action FROM latest_reviews lr WHERE lr.doc_id = r.doc_id
                  AND lr.field = r.field AND lr.normalized = r.normalized) != 'reject'
             AND r.id = (SELECT max(r3.id) FROM reviews r3 WHERE r3.doc_id = r.doc_id
                         AND r3.field = r.field AND r3.normalized = r.normalized
                         AND r3.action = 'set')
             AND NOT EXISTS (SELECT 1 FROM current_map cm2 JOIN field_values fv2
                             ON fv2.extraction_id = cm2.extraction_id AND fv2.accepted = 1
                             WHERE cm2.doc_id = r.doc_id AND cm2.field = r.field
                               AND fv2.normalized = r.normalized)
           ORDER BY 2, 3)) AS deployment_platform
FROM documents d;
