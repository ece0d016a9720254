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

from extractor.canonical import fold, spec_canonical

DEFAULT_DB = "methex.db"


def default_db_path() -> str:
    from extractor.settings import load_settings
    return load_settings().db or DEFAULT_DB      # $METHEX_DB, db = "..." in methex.toml


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
    try:
        _check_usable(Path(path))
    except PermissionError as e:    # a directory on the way that this user may not enter
        raise DatabaseOpenError(f"cannot use {path} as the methex database: "
                                f"{e.strerror}: {e.filename}") from None
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        migrate(conn)
    except sqlite3.DatabaseError as e:
        raise DatabaseOpenError(f"cannot use {path} as the methex database: {_why(e)}") from None
    return sqlite_utils.Database(conn)


class DatabaseOpenError(Exception):
    """The --db path cannot hold a methex database; the message says why in one line."""


def _check_usable(p: Path) -> None:
    """Refuse paths SQLite would fail on with a vague "unable to open database file".
    A missing directory is not created: a typo in --db should not leave new folders behind."""
    if p.is_dir():
        raise DatabaseOpenError(f"--db {p} is a directory; give a file name inside it, "
                                f"e.g. {p / DEFAULT_DB}")
    parent = p.parent
    if not parent.is_dir():
        raise DatabaseOpenError(f"the directory of --db {p} does not exist: create it first "
                                f"(mkdir -p {parent}) or choose another path")
    # SQLite also writes <db>-wal and <db>-shm beside the file, so the directory must be
    # writable even when the database file is.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseOpenError(f"cannot use {p} as the methex database: the directory "
                                f"{parent} is not writable")
    if p.exists() and not os.access(p, os.R_OK | os.W_OK):
        raise DatabaseOpenError(f"cannot use {p} as the methex database: the file is not "
                                "readable and writable")


def _why(e: sqlite3.DatabaseError) -> str:
    msg = str(e)
    if "not a database" in msg:
        return "the file exists but is not an SQLite database (wrong file?)"
    if "unable to open" in msg or "readonly" in msg or "disk I/O" in msg:
        return (f"{msg} (the file or its directory cannot be written here; choose a path in "
                "a writable directory)")
    return msg


def document_sha(db: sqlite_utils.Database, doc_id: str) -> str | None:
    row = db.execute("SELECT sha256 FROM documents WHERE id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def _carried_reviews(db: sqlite_utils.Database, doc) -> tuple[list[dict], int]:
    """The old version's reviews that still hold in the new text: accept/reject decisions
    (about values, not offsets) always; a set value when its quote is found again (exactly or
    after folding case and white space), with its new offsets and page. Returns (rows, dropped)."""
    import bisect
    from extractor.verify import locate_quote

    cur = db.conn.execute("SELECT * FROM reviews WHERE doc_id = ? ORDER BY id", [doc.doc_id])
    cols = [c[0] for c in cur.description]
    keep, dropped = [], 0
    for row in (dict(zip(cols, r)) for r in cur.fetchall()):
        if row["action"] == "set":
            m = locate_quote(doc.text, row["quote"], fuzzy=False)
            if m is None:
                dropped += 1
                continue
            row.update(quote=doc.text[m.start:m.end], start=m.start, end=m.end, match=m.match,
                       page=bisect.bisect_right(doc.page_starts, m.start)
                       if doc.page_starts else None)
        keep.append(row)
    return keep, dropped


def replace_document(db: sqlite_utils.Database, doc) -> int:
    """Store a ParsedDocument and its chunks, replacing any older version, in one transaction.

    Deleting the old row cascades to its chunks and extraction results (they described
    the old content), and the FTS index follows through triggers. Human reviews survive when
    they still hold in the new text (_carried_reviews). Returns the number of reviews dropped.
    """
    import json
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with db.conn:  # one transaction: a kill -9 leaves the old version or the new, never half
        db.conn.execute("BEGIN")
        reviews, dropped = _carried_reviews(db, doc)
        db.conn.execute("DELETE FROM documents WHERE id = ?", [doc.doc_id])
        db.conn.execute(
            "INSERT INTO documents (id, path, sha256, doi, title, authors, pages, chars, status,"
            " reason, text, page_starts, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [doc.doc_id, doc.path, doc.sha256, doc.doi, doc.title, doc.authors, doc.pages,
             len(doc.text), doc.status, doc.reason, doc.text,
             json.dumps(doc.page_starts) if doc.page_starts else None, now])
        db.conn.executemany(
            'INSERT INTO chunks (doc_id, ord, page, start, "end", text, is_reference,'
            " is_boilerplate, section) VALUES (?,?,?,?,?,?,?,?,?)",
            [(doc.doc_id, c.ord, c.page, c.start, c.end, c.text, int(c.is_reference),
              int(c.is_boilerplate), c.section) for c in doc.chunks])
        for r in reviews:
            cols = list(r)
            db.conn.execute(f"INSERT INTO reviews ({', '.join(_quoted(c) for c in cols)})"
                            f" VALUES ({', '.join('?' * len(cols))})", [r[c] for c in cols])
    return dropped


def _quoted(col: str) -> str:
    return f'"{col}"'


# --- extraction ---------------------------------------------------------------------------

def _now() -> str:
    from datetime import datetime, timezone
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def start_run(db: sqlite_utils.Database, backend: str, model: str, schema_name: str,
              schema_version: str, prompt_hash: str, settings: dict,
              schema_json: str | None = None) -> int:
    """A new run; with schema_json, the schema is stored with it (once per version)."""
    import json
    with db.conn:
        if schema_json:
            db.conn.execute("INSERT OR IGNORE INTO schemas (version, name, spec_json, created_at)"
                            " VALUES (?,?,?,?)", [schema_version, schema_name, schema_json,
                                                   _now()])
        cur = db.conn.execute(
            "INSERT INTO runs (backend, model, schema_name, schema_version, prompt_hash, settings,"
            " started_at) VALUES (?,?,?,?,?,?,?)",
            [backend, model, schema_name, schema_version, prompt_hash,
             json.dumps(settings, sort_keys=True), _now()])
    return cur.lastrowid


def stored_schema_json(db: sqlite_utils.Database, name: str | None = None) -> str | None:
    """The stored schema of the latest run (of schema `name`, if given), or None."""
    row = db.execute(
        "SELECT s.spec_json FROM runs r JOIN schemas s ON s.version = r.schema_version"
        + (" WHERE r.schema_name = ?" if name else "") + " ORDER BY r.id DESC LIMIT 1",
        [name] if name else []).fetchone()
    if row is None and name:        # a stored schema no run uses any more
        row = db.execute("SELECT spec_json FROM schemas WHERE name = ? ORDER BY created_at"
                         " DESC LIMIT 1", [name]).fetchone()
    return row[0] if row else None


def finish_run(db: sqlite_utils.Database, run_id: int, seconds: float, done: int,
               failed: int) -> None:
    with db.conn:
        db.conn.execute("UPDATE runs SET finished_at = ?, seconds = ?, docs_done = ?,"
                        " docs_failed = ? WHERE id = ?", [_now(), seconds, done, failed, run_id])


def iter_documents(db: sqlite_utils.Database, doc_ids: list[str] | None = None):
    """Documents one at a time (full text included), in id order."""
    if doc_ids:
        ids = list(dict.fromkeys(doc_ids))
        missing = [i for i in ids
                   if not db.execute("SELECT 1 FROM documents WHERE id = ?", [i]).fetchone()]
        if missing:
            raise KeyError(f"not in the database: {', '.join(missing)}")
    else:
        ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    cols = ["id", "sha256", "status", "reason", "text", "page_starts"]
    for i in ids:
        row = db.execute(f"SELECT {', '.join(cols)} FROM documents WHERE id = ?", [i]).fetchone()
        if row:
            yield dict(zip(cols, row))


def group_status(db: sqlite_utils.Database, doc_id: str, grp: str, cache_key: str,
                 doc_sha256: str) -> str | None:
    row = db.execute("SELECT status FROM group_results WHERE doc_id = ? AND grp = ? AND"
                     " cache_key = ? AND doc_sha256 = ?",
                     [doc_id, grp, cache_key, doc_sha256]).fetchone()
    return row[0] if row else None


def normalize_value(v: str) -> str:
    """The key that groups spellings of a value ("Pytorch" ~ "PyTorch", "RTX2080" ~ "RTX
    2080") in field_values.normalized and reviews.normalized: extractor.canonical.fold."""
    return fold(v)


def user_alias(db: sqlite_utils.Database, field: str, key: str) -> tuple[str, str] | None:
    row = db.execute("SELECT canonical, canonical_key FROM value_aliases WHERE field = ? AND"
                     " alias_key = ?", [field, key]).fetchone()
    return (row[0], row[1]) if row else None


def canonical_of(db: sqlite_utils.Database, field: str, value: str, spec=None,
                 spec_canon: str | None = None) -> tuple[str, str]:
    """(canonical display form, key) of a value: a user's alias first (of the written form, then
    of the schema's canonical form), else the schema's canonical form (extractor.canonical)."""
    canon = spec_canon or spec_canonical(spec, value)
    for k in dict.fromkeys((fold(value), fold(canon))):
        hit = user_alias(db, field, k)
        if hit:
            return hit
    return canon, fold(canon)


def rebuild_canonical(db: sqlite_utils.Database, specs: dict) -> int:
    """Recompute every accepted value's canonical form and key (and reviews' keys) under the
    given schema fields {key: FieldSpec} and the users' aliases, in one transaction: for rows
    stored before canonical forms existed, or after the schema's vocabulary changed."""
    rows = db.execute("SELECT id, field, value FROM field_values WHERE accepted = 1").fetchall()
    reviews = db.execute("SELECT id, field, value FROM reviews").fetchall()
    changed = 0
    with db.conn:
        db.conn.execute("BEGIN")
        for i, field, value in rows:
            canon, key = canonical_of(db, field, value, specs.get(field))
            changed += db.conn.execute(
                "UPDATE field_values SET canonical = ?, normalized = ? WHERE id = ? AND"
                " (canonical IS NOT ? OR normalized != ?)", [canon, key, i, canon, key]).rowcount
        for i, field, value in reviews:
            db.conn.execute("UPDATE reviews SET normalized = ? WHERE id = ?",
                            [canonical_of(db, field, value, specs.get(field))[1], i])
    return changed


def set_alias(db: sqlite_utils.Database, field: str, spelling: str, canonical: str,
              source: str, spec=None) -> int:
    """Record that `spelling` is `canonical` in `field` (spelling == canonical: keep it apart)
    and move the values and reviews already stored under the spelling's key. Returns the number
    of values moved. One transaction."""
    alias_key = fold(spelling)
    if alias_key == fold(canonical):
        target_key = alias_key
    else:   # the target keeps the key its own spelling gets (schema canonical form, aliases)
        canonical, target_key = canonical_of(db, field, canonical, spec)
    with db.conn:
        db.conn.execute("BEGIN")
        # aliases that pointed at the spelling now point at its new canonical (no chains)
        db.conn.execute("UPDATE value_aliases SET canonical = ?, canonical_key = ? WHERE"
                        " field = ? AND canonical_key = ? AND alias_key != canonical_key",
                        [canonical, target_key, field, alias_key])
        db.conn.execute("INSERT OR REPLACE INTO value_aliases VALUES (?,?,?,?,?,?)",
                        [field, alias_key, canonical, target_key, source, _now()])
        if alias_key == target_key:     # a split: values written this way come back apart
            cur = db.conn.execute(
                "UPDATE field_values SET normalized = ?, canonical = ? WHERE field = ? AND"
                " accepted = 1 AND (normalized = ? OR canonical = ?) AND value = ?",
                [alias_key, canonical, field, alias_key, canonical, spelling])
            moved = cur.rowcount
            rows = db.conn.execute("SELECT id, value FROM field_values WHERE field = ? AND"
                                   " accepted = 1 AND normalized != ?", [field, alias_key])
            ids = [i for i, v in rows.fetchall() if fold(v) == alias_key]
            for i in ids:
                db.conn.execute("UPDATE field_values SET normalized = ?, canonical = ? WHERE"
                                " id = ?", [alias_key, canonical, i])
            db.conn.execute("UPDATE reviews SET normalized = ? WHERE field = ? AND value = ?",
                            [alias_key, field, spelling])
            return moved + len(ids)
        cur = db.conn.execute("UPDATE field_values SET normalized = ?, canonical = ? WHERE"
                              " field = ? AND normalized = ?",
                              [target_key, canonical, field, alias_key])
        db.conn.execute("UPDATE reviews SET normalized = ? WHERE field = ? AND normalized = ?",
                        [target_key, field, alias_key])
        return cur.rowcount


def write_group_result(db: sqlite_utils.Database, run_id: int, rec) -> int:
    """Write one document x group (a GroupRecord) and everything under it in one transaction."""
    now = _now()
    c = db.conn
    with c:
        c.execute("BEGIN")
        # Requests of a replaced (e.g. failed, now retried) unit were still paid for: keep
        # them in llm_calls, detached from the result they no longer belong to.
        c.execute("UPDATE llm_calls SET group_result_id = NULL WHERE group_result_id IN"
                  " (SELECT id FROM group_results WHERE doc_id = ? AND grp = ? AND"
                  " cache_key = ?)", [rec.doc_id, rec.group, rec.cache_key])
        c.execute("DELETE FROM group_results WHERE doc_id = ? AND grp = ? AND cache_key = ?",
                  [rec.doc_id, rec.group, rec.cache_key])
        gid = c.execute(
            "INSERT INTO group_results (run_id, doc_id, doc_sha256, grp, cache_key, status, error,"
            " seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [run_id, rec.doc_id, rec.doc_sha256, rec.group, rec.cache_key, rec.status,
             rec.error, rec.seconds, now]).lastrowid
        c.executemany(
            "INSERT INTO retrievals (group_result_id, chunk_id, rank, score) VALUES (?,?,?,?)",
            [(gid, p.chunk_id, i + 1, p.score) for i, p in enumerate(rec.passages)])
        c.executemany(
            "INSERT INTO llm_calls (group_result_id, run_id, doc_id, grp, attempt, prompt_tokens,"
            " completion_tokens, latency_ms, error, created_at, field, messages, output)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(gid, run_id, rec.doc_id, rec.group, k.attempt, k.prompt_tokens,
              k.completion_tokens, k.latency_ms, k.error, now, k.field,
              k.messages, k.output) for k in rec.calls])
        if rec.status != "done":
            return gid
        canon: dict[tuple[str, str], tuple[str, str]] = {}
        for v in rec.verdicts:
            if v.accepted:
                canon[(v.candidate.field, v.candidate.value)] = canonical_of(
                    db, v.candidate.field, v.candidate.value, spec_canon=v.canonical)
        for key in rec.field_keys:
            verdicts = [v for v in rec.verdicts if v.candidate.field == key]
            reported = any(v.accepted for v in verdicts)
            eid = c.execute(
                "INSERT INTO extractions (group_result_id, run_id, doc_id, field, status, reason)"
                " VALUES (?,?,?,?,?,?)",
                [gid, run_id, rec.doc_id, key, "reported" if reported else "unknown",
                 None if reported else rec.unknown_reason]).lastrowid
            for v in verdicts:
                vid = c.execute(
                    "INSERT INTO field_values (extraction_id, doc_id, field, value, normalized,"
                    " accepted, reason, quote, grounding, canonical)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [eid, rec.doc_id, key, v.candidate.value.strip(),
                     canon[(key, v.candidate.value)][1] if v.accepted
                     else normalize_value(v.candidate.value), int(v.accepted), v.reason,
                     v.candidate.quote, v.grounding if v.accepted else None,
                     canon[(key, v.candidate.value)][0] if v.accepted else None]).lastrowid
                for m, page in (v.matches if v.accepted else []):
                    c.execute(
                        'INSERT INTO evidence (value_id, doc_id, quote, start, "end", page,'
                        " chunk_id, match) VALUES (?, ?, substr((SELECT text FROM documents"
                        " WHERE id = ?), ? + 1, ?), ?, ?, ?, ?, ?)",
                        [vid, rec.doc_id, rec.doc_id, m.start, m.end - m.start, m.start, m.end,
                         page, m.chunk_id, m.match])
    return gid


def count_documents(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM documents").fetchone()[0]
