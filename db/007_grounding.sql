-- How each accepted value is grounded in its quote (extractor/grounding.py): verbatim, alias,
-- words, number or paraphrase. NULL for rejected values and for rows written before this column.
ALTER TABLE field_values ADD COLUMN grounding TEXT
    CHECK (grounding IS NULL OR grounding IN ('verbatim', 'alias', 'words', 'number',
                                              'paraphrase'));
CREATE INDEX field_values_grounding ON field_values(field, grounding);
