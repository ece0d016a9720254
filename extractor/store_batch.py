"""The store's batch tables (db/015): imported answers and unusable results lines.

Part of the store (only the store writes SQL); extractor/batch.py is its one user.
"""
from __future__ import annotations

import json

import sqlite_utils

from extractor.store import _now, retry_busy, write_transaction


def answer(db: sqlite_utils.Database, sha: str) -> dict | None:
    """The imported answer (chat completion body) to the request whose body has this sha."""
    row = db.execute("SELECT response FROM batch_answers WHERE body_sha = ?", [sha]).fetchone()
    return json.loads(row[0]) if row else None


def save_answers(db: sqlite_utils.Database, rows: list[tuple[str, str, dict]]) -> int:
    """Store (body sha, custom_id, completion body) rows; an answer already stored is kept.
    Returns how many were new."""
    def write() -> int:
        with write_transaction(db) as c:
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO batch_answers (body_sha, custom_id, response,"
                          " imported_at) VALUES (?,?,?,?)",
                          [(sha, cid, json.dumps(body, ensure_ascii=False), _now())
                           for sha, cid, body in rows])
            return c.total_changes - before
    return retry_busy(write)


def record_problems(db: sqlite_utils.Database, source: str,
                    rows: list[tuple[int, str | None, str]]) -> int:
    """Store (line, custom_id, reason) rows of a results file; the same problem of the same
    line is stored once, so importing a file twice adds nothing. Returns how many were new."""
    def write() -> int:
        with write_transaction(db) as c:
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO batch_problems (source, line, custom_id, reason,"
                          " imported_at) VALUES (?,?,?,?,?)",
                          [(source, line, cid, reason, _now()) for line, cid, reason in rows])
            return c.total_changes - before
    return retry_busy(write)


def problems(db: sqlite_utils.Database) -> list[dict]:
    return [dict(zip(("source", "line", "custom_id", "reason", "imported_at"), r)) for r in
            db.execute("SELECT source, line, custom_id, reason, imported_at FROM batch_problems"
                       " ORDER BY id")]
