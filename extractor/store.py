"""The only module that writes to the database: connection, migrations, one transaction per unit.

Storage goes through sqlite-utils; schema changes are numbered SQL files in db/ (package
extractor.db), applied once each and recorded in the `migrations` table.
"""
from __future__ import annotations

import os
import sqlite3
from importlib import resources
from pathlib import Path

import sqlite_utils

DEFAULT_DB = "methex.db"


def default_db_path() -> str:
    return os.environ.get("METHEX_DB") or DEFAULT_DB


def _migrations() -> list[tuple[str, str]]:
    files = sorted(p for p in resources.files("extractor.db").iterdir()
                   if p.name.endswith(".sql") and p.name[:3].isdigit())
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations, each in its own transaction. Returns the names applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {r[0] for r in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in _migrations():
        if name in done:
            continue
        # executescript commits implicitly; wrap it so a failing migration leaves nothing behind.
        conn.executescript(f"BEGIN;\n{sql}\nINSERT INTO migrations VALUES "
                           f"('{name}', datetime('now'));\nCOMMIT;")
        applied.append(name)
    return applied


def open_db(path: str | Path | None = None, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the methex database.

    read_only opens through a `mode=ro` URI so any write statement fails inside SQLite itself.
    """
    path = str(path or default_db_path())
    if read_only:
        if not Path(path).exists():
            raise FileNotFoundError(f"database not found: {path} (run `methex ingest` first)")
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True,
                               check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return sqlite_utils.Database(conn)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    migrate(conn)
    return sqlite_utils.Database(conn)


def document_sha(db: sqlite_utils.Database, doc_id: str) -> str | None:
    row = db.execute("SELECT sha256 FROM documents WHERE id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def replace_document(db: sqlite_utils.Database, doc) -> None:
    """Store a ParsedDocument and its chunks, replacing any older version, in one transaction.

    Deleting the old row cascades to its chunks and extraction results (they described
    the old content), and the FTS index follows through triggers.
    """
    import json
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with db.conn:  # one transaction: a kill -9 leaves the old version or the new, never half
        db.conn.execute("BEGIN")
        db.conn.execute("DELETE FROM documents WHERE id = ?", [doc.doc_id])
        db.conn.execute(
            "INSERT INTO documents (id, path, sha256, doi, title, pages, chars, status, reason,"
            " text, page_starts, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [doc.doc_id, doc.path, doc.sha256, doc.doi, doc.title, doc.pages, len(doc.text),
             doc.status, doc.reason, doc.text,
             json.dumps(doc.page_starts) if doc.page_starts else None, now])
        db.conn.executemany(
            'INSERT INTO chunks (doc_id, ord, page, start, "end", text, is_reference,'
            " is_boilerplate) VALUES (?,?,?,?,?,?,?,?)",
            [(doc.doc_id, c.ord, c.page, c.start, c.end, c.text, int(c.is_reference),
              int(c.is_boilerplate)) for c in doc.chunks])
