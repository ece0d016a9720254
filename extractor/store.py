"""The only module that writes to the database: documents, runs, one transaction per unit,
values and their canonical forms. Opening and migrating the database is store_connection's;
its names are re-exported here so callers keep one import.

Storage goes through sqlite-utils.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from extractor.canonical import fold, spec_canonical
from extractor.store_connection import (  # noqa: F401  (re-exported)
    BUSY_TIMEOUT_MS, DEFAULT_DB, DatabaseOpenError, default_db_path, is_busy, migrate,
    migration_names, open_db, retry_busy, write_transaction)


def document_sha(db: sqlite_utils.Database, doc_id: str) -> str | None:
    row = db.execute("SELECT sha256 FROM documents WHERE id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def _carried_reviews(db: sqlite_utils.Database, doc) -> list[dict]:
    """The old version's reviews that still hold in the new text: accept/reject decisions
    (about values, not offsets) always; a set value when its quote is found again (exactly or
    after folding case and white space), with its new offsets and page."""
    from extractor.verify import locate_quote, page_of

    cur = db.conn.execute("SELECT * FROM reviews WHERE doc_id = ? ORDER BY id", [doc.doc_id])
    cols = [c[0] for c in cur.description]
    keep = []
    for row in (dict(zip(cols, r)) for r in cur.fetchall()):
        if row["action"] == "set":
            m = locate_quote(doc.text, row["quote"], fuzzy=False)
            if m is None:
                continue
            row.update(quote=doc.text[m.start:m.end], start=m.start, end=m.end, match=m.match,
                       page=page_of(m.start, doc.page_starts))
        keep.append(row)
    return keep


def replace_document(db: sqlite_utils.Database, doc) -> bool:
    """Store a ParsedDocument and its chunks, replacing any older version, in one transaction.

    Deleting the old row cascades to its chunks and extraction results (they described
    the old content), and the FTS index follows through triggers; human reviews survive when
    they still hold in the new text (_carried_reviews). Returns False (nothing written) when
    the same content is already stored: another process ingested the same file meanwhile, and
    replacing it would throw away the results it may already have extracted.
    """
    return retry_busy(lambda: _replace_document(db, doc))


def _replace_document(db: sqlite_utils.Database, doc) -> bool:
    import json

    # one transaction: a kill -9 leaves the old version or the new, never half
    with write_transaction(db) as c:
        if document_sha(db, doc.doc_id) == doc.sha256:
            return False
        reviews = _carried_reviews(db, doc)
        c.execute("DELETE FROM documents WHERE id = ?", [doc.doc_id])
        c.execute(
            "INSERT INTO documents (id, path, sha256, doi, title, authors, pages, chars, status,"
            " reason, text, page_starts, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [doc.doc_id, doc.path, doc.sha256, doc.doi, doc.title, doc.authors, doc.pages,
             len(doc.text), doc.status, doc.reason, doc.text,
             json.dumps(doc.page_starts) if doc.page_starts else None, _now()])
        c.executemany(
            'INSERT INTO chunks (doc_id, ord, page, start, "end", text, is_reference,'
            " is_boilerplate, section) VALUES (?,?,?,?,?,?,?,?,?)",
            [(doc.doc_id, ch.ord, ch.page, ch.start, ch.end, ch.text, int(ch.is_reference),
              int(ch.is_boilerplate), ch.section) for ch in doc.chunks])
        for r in reviews:
            cols = list(r)
            c.execute(f"INSERT INTO reviews ({', '.join(_quoted(k) for k in cols)})"
                      f" VALUES ({', '.join('?' * len(cols))})", [r[k] for k in cols])
    return True


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

    def insert():
        with write_transaction(db) as c:
            if schema_json:
                c.execute("INSERT OR IGNORE INTO schemas (version, name, spec_json, created_at)"
                          " VALUES (?,?,?,?)", [schema_version, schema_name, schema_json, _now()])
            return c.execute(
                "INSERT INTO runs (backend, model, schema_name, schema_version, prompt_hash, settings,"
            " started_at) VALUES (?,?,?,?,?,?,?)",
                [backend, model, schema_name, schema_version, prompt_hash,
                 json.dumps(settings, sort_keys=True), _now()]).lastrowid
    return retry_busy(insert)


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
    def update():
        with write_transaction(db) as c:
            c.execute("UPDATE runs SET finished_at = ?, seconds = ?, docs_done = ?,"
                      " docs_failed = ? WHERE id = ?", [_now(), seconds, done, failed, run_id])
    retry_busy(update)


def document_ids(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]


def iter_documents(db: sqlite_utils.Database, doc_ids: list[str] | None = None):
    """Documents one at a time (full text included), in id order."""
    if doc_ids:
        ids = list(dict.fromkeys(doc_ids))
        missing = [i for i in ids
                   if not db.execute("SELECT 1 FROM documents WHERE id = ?", [i]).fetchone()]
        if missing:
            raise KeyError(f"not in the database: {', '.join(missing)}")
    else:
        ids = document_ids(db)
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


def write_group_result(db: sqlite_utils.Database, run_id: int, rec,
                       also: Callable[[sqlite3.Connection, int], None] | None = None
                       ) -> int | None:
    """Write one document x group (a GroupRecord) and everything under it in one transaction.

    also(conn, group_result_id), if given, writes more rows about a done unit inside the same
    transaction (a consensus run's agreement, extractor/consensus.py).

    Returns the new group_results id, or None when another writer meanwhile stored this unit
    as done (two runs over overlapping files) or replaced the document: the stored result
    stays, so each unit is stored once, and this record's requests are kept in llm_calls,
    detached, because they were paid for.
    """
    return retry_busy(lambda: _write_group_result(db, run_id, rec, also))


def _log_calls(c: sqlite3.Connection, gid: int | None, run_id: int, rec, now: str) -> None:
    c.executemany(
        "INSERT INTO llm_calls (group_result_id, run_id, doc_id, grp, attempt, prompt_tokens,"
        " completion_tokens, latency_ms, error, created_at, field, messages, output)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(gid, run_id, rec.doc_id, rec.group, k.attempt, k.prompt_tokens,
          k.completion_tokens, k.latency_ms, k.error, now, k.field,
          k.messages, k.output) for k in rec.calls])


def _write_group_result(db: sqlite_utils.Database, run_id: int, rec,
                        also=None) -> int | None:
    now = _now()
    with write_transaction(db) as c:
        # Checked under the write lock, as another process may have written since we read:
        # the unit is already done, or the document was replaced (the evidence offsets
        # would point into other text) or deleted.
        stored = c.execute("SELECT status FROM group_results WHERE doc_id = ? AND grp = ? AND"
                           " cache_key = ? AND doc_sha256 = ?",
                           [rec.doc_id, rec.group, rec.cache_key, rec.doc_sha256]).fetchone()
        if (stored and stored[0] == "done") or document_sha(db, rec.doc_id) != rec.doc_sha256:
            _log_calls(c, None, run_id, rec, now)
            return None
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
        _log_calls(c, gid, run_id, rec, now)
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
        if also is not None:
            also(c, gid)
    return gid


def count_documents(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM documents").fetchone()[0]
