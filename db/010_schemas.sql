-- The schema each run used, kept with the data (issue 9): commands default to the schema of
-- the latest run, so a database filled with a user's own fields reads back with those fields
-- without repeating --schema. spec_json is the validated schema (schemas/spec.py), so it loads
-- again without the file it came from.
CREATE TABLE schemas (
    version    TEXT PRIMARY KEY,      -- content hash of spec_json (runs.schema_version)
    name       TEXT NOT NULL,
    spec_json  TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX schemas_name ON schemas(name);
