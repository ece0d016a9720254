-- Each current field's export JSON, encoded at write time (issue 16: export >= 10k papers/s).
-- Export read ~29 rows x 12 columns per paper (current values x evidence) and built every
-- line in Python (~135 us per paper, 7.3k papers/s). current_json holds, per document x field
-- with current values, the JSON of its four lists (values, evidence, grounding, canonical, and
-- agreement for consensus runs) encoded by SQLite's json_quote, which escapes exactly what
-- Python's json encoder with ensure_ascii=False escapes (tests/test_current_json.py checks
-- every code point; export checks it again on the SQLite it runs on). So export reads one
-- short row per reported field. The lists are joined by char(31) (a raw control character
-- never occurs in JSON text), and the canonical list is '' when it equals the values list:
-- the constant keys are added by export.py, not stored 170k times.
--
-- json is NULL where two current values of a field share a canonical key: export may have to
-- fold them into one value (two spellings of one name), which takes extractor.canonical.fold,
-- a Python function; export builds those fields from current_values as before (partial index).
--
-- Inserting (doc_id, field) into the view current_json_refresh recomputes that row (SQLite
-- has no procedures: an INSTEAD OF trigger holds the rule once, and a WHERE on an aggregate
-- view would not reach its inner scan). Triggers refresh whenever an input changes:
-- current_values (at the end of each of 012's triggers, its only writers), evidence and
-- consensus_values.
-- tests/test_current_json.py checks the table against a full refresh after every kind of
-- write, and the export lines against export_records.

CREATE TABLE current_json (
    doc_id TEXT NOT NULL,
    field  TEXT NOT NULL,
    json   TEXT,            -- NULL: values to fold, built by export from current_values
    PRIMARY KEY (doc_id, field)
) WITHOUT ROWID;

CREATE VIEW current_json_refresh (doc_id, field) AS SELECT NULL, NULL WHERE 0;

CREATE TRIGGER current_json_refresh_one INSTEAD OF INSERT ON current_json_refresh BEGIN
    DELETE FROM current_json WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_json
    SELECT doc_id, field,
           CASE WHEN n = keys THEN
               vals || char(31) || ev || char(31) || grounds || char(31)
               || CASE WHEN canon = vals THEN '' ELSE canon END
               || CASE WHEN agreed > 0 THEN char(31) || agreement ELSE '' END
           END
    FROM (
        SELECT doc_id, field, count(*) AS n, count(DISTINCT normalized) AS keys,
               group_concat(json_quote(value), ', ') AS vals,
               coalesce(group_concat(ev, ', '), '') AS ev,
               -- as export_records: a value's grounding and canonical form come with evidence
               group_concat(CASE WHEN ev IS NOT NULL AND grounding != ''
                                 THEN json_quote(grounding)
                                 WHEN source = 'review' THEN '"review"' ELSE 'null' END, ', ')
                   AS grounds,
               group_concat(json_quote(CASE WHEN ev IS NOT NULL AND canonical != ''
                                            THEN canonical ELSE value END), ', ') AS canon,
               count(agree) AS agreed,
               group_concat(CASE WHEN agree IS NULL THEN 'null'
                                 ELSE '{"agree": ' || agree || ', "runs_total": ' || runs_total
                                      || ', "runs": ' || runs || '}' END, ', ') AS agreement
        FROM (
            SELECT cv.doc_id, cv.field, cv.source, cv.value, cv.normalized, cv.grounding,
                   cv.canonical, ca.agree, ca.runs_total, ca.runs,
                   (SELECT group_concat('{"quote": ' || json_quote(e.quote) || ', "start": '
                                        || e.start || ', "end": ' || e."end" || ', "page": '
                                        || coalesce(e.page, 'null') || '}', ', ')
                    FROM (SELECT quote, start, "end", page FROM evidence
                          WHERE value_id = cv.value_id ORDER BY start) e) AS ev
            FROM current_values cv LEFT JOIN consensus_values ca ON ca.value_id = cv.value_id
            WHERE cv.doc_id = new.doc_id AND cv.field = new.field
            ORDER BY cv.source, cv.ord)     -- display order, which group_concat keeps
        GROUP BY doc_id, field);            -- no row when the field has no current value
END;

-- Existing data: every field with current values.
INSERT INTO current_json_refresh SELECT DISTINCT doc_id, field FROM current_values;
CREATE INDEX current_json_fold ON current_json(doc_id, field) WHERE json IS NULL;

-- 012's nine triggers, each recomputing one document x field of current_values, now insert
-- it into current_field_refresh, which holds their shared body once and refreshes the field's
-- current_json row when done. Triggers on
-- current_values' own rows would refresh a field of k values ~k^2 times, since 012 replaces
-- all its rows. Cost: the synthetic write path (bench_query.py, 464 papers) takes 37 % more
-- CPU, 3.6-3.8 -> 5.0-5.1 s (~3 ms per paper and run; 45 % with per-row triggers).
CREATE VIEW current_field_refresh (doc_id, field) AS SELECT NULL, NULL WHERE 0;

CREATE TRIGGER current_field_refresh_one INSTEAD OF INSERT ON current_field_refresh BEGIN
    DELETE FROM current_values WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_values SELECT * FROM current_values_live
    WHERE doc_id = new.doc_id AND field = new.field;
    INSERT INTO current_json_refresh VALUES (new.doc_id, new.field);
END;

DROP TRIGGER current_values_map_insert;
CREATE TRIGGER current_values_map_insert AFTER INSERT ON current_map BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
END;

DROP TRIGGER current_values_map_update;
CREATE TRIGGER current_values_map_update AFTER UPDATE ON current_map BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
    INSERT INTO current_field_refresh SELECT old.doc_id, old.field
    WHERE old.doc_id != new.doc_id OR old.field != new.field;
END;

DROP TRIGGER current_values_map_delete;
CREATE TRIGGER current_values_map_delete AFTER DELETE ON current_map BEGIN
    INSERT INTO current_field_refresh VALUES (old.doc_id, old.field);
END;

DROP TRIGGER current_values_value_insert;
CREATE TRIGGER current_values_value_insert AFTER INSERT ON field_values
WHEN new.accepted = 1 AND EXISTS (SELECT 1 FROM current_map WHERE doc_id = new.doc_id
                                  AND field = new.field AND extraction_id = new.extraction_id)
BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
END;

DROP TRIGGER current_values_value_delete;
CREATE TRIGGER current_values_value_delete AFTER DELETE ON field_values
WHEN old.accepted = 1 AND EXISTS (SELECT 1 FROM current_map WHERE doc_id = old.doc_id
                                  AND field = old.field AND extraction_id = old.extraction_id)
BEGIN
    INSERT INTO current_field_refresh VALUES (old.doc_id, old.field);
END;

DROP TRIGGER current_values_value_update;
CREATE TRIGGER current_values_value_update
AFTER UPDATE OF extraction_id, doc_id, field, value, normalized, accepted, grounding, canonical
ON field_values
WHEN EXISTS (SELECT 1 FROM current_map WHERE doc_id = old.doc_id AND field = old.field
                                         AND extraction_id = old.extraction_id)
  OR EXISTS (SELECT 1 FROM current_map WHERE doc_id = new.doc_id AND field = new.field
                                         AND extraction_id = new.extraction_id)
BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
    INSERT INTO current_field_refresh SELECT old.doc_id, old.field
    WHERE old.doc_id != new.doc_id OR old.field != new.field;
END;

DROP TRIGGER current_values_review_insert;
CREATE TRIGGER current_values_review_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
END;

DROP TRIGGER current_values_review_delete;
CREATE TRIGGER current_values_review_delete AFTER DELETE ON reviews BEGIN
    INSERT INTO current_field_refresh VALUES (old.doc_id, old.field);
END;

DROP TRIGGER current_values_review_update;
CREATE TRIGGER current_values_review_update AFTER UPDATE ON reviews BEGIN
    INSERT INTO current_field_refresh VALUES (new.doc_id, new.field);
    INSERT INTO current_field_refresh SELECT old.doc_id, old.field
    WHERE old.doc_id != new.doc_id OR old.field != new.field;
END;

-- Evidence and agreement are written after their value (store._write_group_result,
-- consensus._write_agreement): the field of their value, if that value is current. (A
-- cascade from a deleted value finds no value here; 012's triggers refresh that field.)
CREATE TRIGGER current_json_evidence_insert AFTER INSERT ON evidence BEGIN
    INSERT INTO current_json_refresh
    SELECT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id = new.value_id;
END;

CREATE TRIGGER current_json_evidence_delete AFTER DELETE ON evidence BEGIN
    INSERT INTO current_json_refresh
    SELECT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id = old.value_id;
END;

CREATE TRIGGER current_json_evidence_update
AFTER UPDATE OF value_id, quote, start, "end", page ON evidence BEGIN
    INSERT INTO current_json_refresh
    SELECT DISTINCT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id IN (old.value_id, new.value_id);
END;

CREATE TRIGGER current_json_agreement_insert AFTER INSERT ON consensus_values BEGIN
    INSERT INTO current_json_refresh
    SELECT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id = new.value_id;
END;

CREATE TRIGGER current_json_agreement_delete AFTER DELETE ON consensus_values BEGIN
    INSERT INTO current_json_refresh
    SELECT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id = old.value_id;
END;

CREATE TRIGGER current_json_agreement_update AFTER UPDATE ON consensus_values BEGIN
    INSERT INTO current_json_refresh
    SELECT DISTINCT fv.doc_id, fv.field FROM field_values fv JOIN current_values cv
        ON cv.doc_id = fv.doc_id AND cv.field = fv.field AND cv.source = 'extracted'
       AND cv.ord = fv.id
    WHERE fv.id IN (old.value_id, new.value_id);
END;
