-- papers again, computed per document: a page of Datasette (LIMIT 100) now reads only its
-- rows' values through current_map's primary key, instead of grouping every paper first.
-- Same columns, same order, same values as the 004 version.
DROP VIEW papers;

CREATE VIEW papers AS
SELECT d.id AS doc_id, d.title, d.doi, d.status,
       (SELECT count(DISTINCT cv.field) FROM current_values cv WHERE cv.doc_id = d.id)
         AS fields_reported,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'data_collection' ORDER BY source, value_id, review_id))
         AS data_collection,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'data_formats' ORDER BY source, value_id, review_id))
         AS data_formats,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'annotation_methods' ORDER BY source, value_id, review_id))
         AS annotation_methods,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'augmentation' ORDER BY source, value_id, review_id))
         AS augmentation,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'datasets' ORDER BY source, value_id, review_id))
         AS datasets,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'preprocessing' ORDER BY source, value_id, review_id))
         AS preprocessing,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'data_split' ORDER BY source, value_id, review_id))
         AS data_split,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'code_repository_platform' ORDER BY source, value_id, review_id))
         AS code_repository_platform,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'data_repository_platform' ORDER BY source, value_id, review_id))
         AS data_repository_platform,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'code_repository_url' ORDER BY source, value_id, review_id))
         AS code_repository_url,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'data_repository_url' ORDER BY source, value_id, review_id))
         AS data_repository_url,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'model_architecture' ORDER BY source, value_id, review_id))
         AS model_architecture,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'hyperparameters' ORDER BY source, value_id, review_id))
         AS hyperparameters,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'hyperparameter_tuning' ORDER BY source, value_id, review_id))
         AS hyperparameter_tuning,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'optimizer' ORDER BY source, value_id, review_id))
         AS optimizer,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'stopping_criteria' ORDER BY source, value_id, review_id))
         AS stopping_criteria,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'regularization' ORDER BY source, value_id, review_id))
         AS regularization,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'training_monitoring' ORDER BY source, value_id, review_id))
         AS training_monitoring,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'frameworks' ORDER BY source, value_id, review_id))
         AS frameworks,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'hardware' ORDER BY source, value_id, review_id))
         AS hardware,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'postprocessing' ORDER BY source, value_id, review_id))
         AS postprocessing,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'evaluation_metrics' ORDER BY source, value_id, review_id))
         AS evaluation_metrics,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'generalizability' ORDER BY source, value_id, review_id))
         AS generalizability,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'randomness' ORDER BY source, value_id, review_id))
         AS randomness,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'purpose' ORDER BY source, value_id, review_id))
         AS purpose,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'bias_handling' ORDER BY source, value_id, review_id))
         AS bias_handling,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'deployment_process' ORDER BY source, value_id, review_id))
         AS deployment_process,
       (SELECT group_concat(value, '; ') FROM (SELECT value FROM current_values cv
         WHERE cv.doc_id = d.id AND cv.field = 'deployment_platform' ORDER BY source, value_id, review_id))
         AS deployment_platform
FROM documents d;
