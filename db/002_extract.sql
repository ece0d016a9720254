-- Extraction stage: runs, per document x group results, field results, values with evidence,
-- what retrieval fed the backend, and every LLM call.
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    backend        TEXT NOT NULL,
    model          TEXT NOT NULL,
    schema_name    TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    prompt_hash    TEXT NOT NULL,
    settings       TEXT NOT NULL,     -- JSON; never holds API keys
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    seconds        REAL,
    docs_done      INTEGER DEFAULT 0,
    docs_failed    INTEGER DEFAULT 0
);

-- One row per document x group: the unit written in one transaction and skipped on rerun.
CREATE TABLE group_results (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    doc_id      TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    doc_sha256  TEXT NOT NULL,
    grp         TEXT NOT NULL,
    cache_key   TEXT NOT NULL,        -- backend, model, schema version, prompt hash
    status      TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error       TEXT,
    seconds     REAL,
    created_at  TEXT NOT NULL,
    UNIQUE (doc_id, grp, cache_key)
);

CREATE TABLE extractions (
    id              INTEGER PRIMARY KEY,
    group_result_id INTEGER NOT NULL REFERENCES group_results(id) ON DELETE CASCADE,
    run_id          INTEGER NOT NULL REFERENCES runs(id),
    doc_id          TEXT NOT NULL,
    field           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('reported', 'unknown')),
    reason          TEXT,
    UNIQUE (group_result_id, field)
);
CREATE INDEX extractions_doc_field ON extractions(doc_id, field);
CREATE INDEX extractions_field_status ON extractions(field, status);

-- Accepted and rejected values; only accepted ones carry evidence.
CREATE TABLE field_values (
    id            INTEGER PRIMARY KEY,
    extraction_id INTEGER NOT NULL REFERENCES extractions(id) ON DELETE CASCADE,
    doc_id        TEXT NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT NOT NULL,
    normalized    TEXT NOT NULL,      -- case/space-folded key used for facets and filters
    accepted      INTEGER NOT NULL,
    reason        TEXT,               -- why rejected
    quote         TEXT                -- the quote the backend gave (also for rejected values)
);
CREATE INDEX field_values_field_norm ON field_values(field, normalized);
CREATE INDEX field_values_extraction ON field_values(extraction_id);

CREATE TABLE evidence (
    id        INTEGER PRIMARY KEY,
    value_id  INTEGER NOT NULL REFERENCES field_values(id) ON DELETE CASCADE,
    doc_id    TEXT NOT NULL,
    quote     TEXT NOT NULL,          -- exactly documents.text[start:end]
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    page      INTEGER,
    chunk_id  INTEGER,
    match     TEXT NOT NULL CHECK (match IN ('exact', 'normalized', 'fuzzy'))
);
CREATE INDEX evidence_value ON evidence(value_id);

CREATE TABLE retrievals (
    id              INTEGER PRIMARY KEY,
    group_result_id INTEGER NOT NULL REFERENCES group_results(id) ON DELETE CASCADE,
    chunk_id        INTEGER NOT NULL,
    rank            INTEGER NOT NULL,
    score           REAL NOT NULL
);
CREATE INDEX retrievals_group ON retrievals(group_result_id);

CREATE TABLE llm_calls (
    id                INTEGER PRIMARY KEY,
    group_result_id   INTEGER REFERENCES group_results(id) ON DELETE CASCADE,
    run_id            INTEGER NOT NULL,
    doc_id            TEXT NOT NULL,
    grp               TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        REAL,
    error             TEXT,
    created_at        TEXT NOT NULL
);
