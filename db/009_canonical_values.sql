-- Canonical values (extractor/canonical.py): each value keeps its written form in `value` and
-- gets its canonical form in `canonical`; `normalized` is the key of the canonical form, so
-- facets, filters and reviews group spellings of one thing. Rows written before this migration
-- keep canonical NULL (their written form) until `methex values rebuild`.
ALTER TABLE field_values ADD COLUMN canonical TEXT;

-- A user's decisions about spellings, per field: values whose key is alias_key are the value
-- `canonical` (key canonical_key). A row whose alias_key equals its canonical_key keeps that
-- spelling apart from anything the schema's vocabulary would merge it into (a split).
CREATE TABLE value_aliases (
    field         TEXT NOT NULL,
    alias_key     TEXT NOT NULL,
    canonical     TEXT NOT NULL,
    canonical_key TEXT NOT NULL,
    source        TEXT NOT NULL,      -- 'merge' | 'split' | 'review'
    created_at    TEXT NOT NULL,
    PRIMARY KEY (field, alias_key)
) WITHOUT ROWID;
