-- Documents and their sentence-aware chunks (ingestion stage).
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,          -- file stem unless given
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,             -- of the file bytes: re-ingesting the same file is a no-op
    doi         TEXT,
    title       TEXT,
    pages       INTEGER,                   -- NULL for plain text
    chars       INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ok', 'unreadable')),
    reason      TEXT,                      -- why unreadable; notes such as a decoding fallback
    text        TEXT NOT NULL,             -- normalised text; every offset in the database points here
    page_starts TEXT,                      -- JSON list: offset in text where each page starts
    ingested_at TEXT NOT NULL
);

CREATE TABLE chunks (
    id           INTEGER PRIMARY KEY,
    doc_id       TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord          INTEGER NOT NULL,
    page         INTEGER,
    start        INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    text         TEXT NOT NULL,
    is_reference INTEGER NOT NULL DEFAULT 0,   -- reference-list entry: never evidence
    is_boilerplate INTEGER NOT NULL DEFAULT 0, -- affiliations, copyright lines: never evidence
    UNIQUE (doc_id, ord)
);

CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, content='chunks', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
