"""`methex check --vacuum`: the space db/013 freed (each chunk's stored text) and the space of
deleted rows goes back to the disk, and nothing a reader sees changes."""
from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from extractor.cli import cli
from extractor.export import jsonl_lines
from extractor.maintenance import check, vacuum
from extractor.store import open_db
from extractor.store_connection import migrate

SENTENCE = "The network was trained with Adam on four GPUs for {n} epochs. "


def _pre_013(path, docs: int = 60, chunks: int = 40) -> None:
    """A database as methex wrote it before 013: chunks as a table holding their text."""
    conn = sqlite3.connect(path)
    migrate(conn, before="013")
    for d in range(docs):
        parts = [SENTENCE.format(n=d * 1000 + i) for i in range(chunks)]
        text = "".join(parts)
        conn.execute("INSERT INTO documents (id, path, sha256, chars, status, text, ingested_at)"
                     " VALUES (?, ?, 'x', ?, 'ok', ?, 'now')", [f"d{d}", f"d{d}.txt", len(text),
                                                               text])
        start = 0
        for i, part in enumerate(parts):
            conn.execute('INSERT INTO chunks (doc_id, ord, start, "end", text)'
                         " VALUES (?,?,?,?,?)", [f"d{d}", i, start, start + len(part), part])
            start += len(part)
    conn.commit()
    conn.close()


def _chunks(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute('SELECT id, doc_id, start, "end", text FROM chunks'
                            " ORDER BY id").fetchall()
    finally:
        conn.close()


def test_vacuum_gives_back_what_013_freed(tmp_path):
    path = tmp_path / "old.db"
    _pre_013(path)
    before_rows = _chunks(path)
    stored_text = sum(len(r[4]) for r in before_rows)
    db = open_db(path)          # applies 013: the chunk text is dropped, its pages stay free
    lines = list(jsonl_lines(db))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    unused = check(path).unused_bytes
    assert unused > stored_text * 0.8
    size, after = vacuum(path)
    assert size - after > stored_text * 0.8
    assert unused - check(path).unused_bytes > stored_text * 0.8 and check(path).ok
    assert _chunks(path) == before_rows
    db = open_db(path)
    assert list(jsonl_lines(db)) == lines
    db.conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")


def test_check_reports_free_pages_and_vacuums_when_asked(tmp_path):
    path = tmp_path / "t.db"
    _pre_013(path)
    runner = CliRunner()
    # migrations pending: --vacuum applies them and then vacuums; check passes afterwards
    res = runner.invoke(cli, ["check", "--db", str(path), "--vacuum"])
    assert res.exit_code == 0, res.output
    assert "vacuumed:" in res.output and "migrations not applied" in res.output
    assert check(path).ok
    db = open_db(path)
    with db.conn:
        db.conn.execute("DELETE FROM documents WHERE id > 'd2'")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    res = runner.invoke(cli, ["check", "--db", str(path)])
    assert res.exit_code == 0 and "methex check --vacuum" in res.output
    size = path.stat().st_size
    res = runner.invoke(cli, ["check", "--db", str(path), "--vacuum"])
    assert res.exit_code == 0 and path.stat().st_size < size


def test_vacuum_refuses_a_damaged_database(tmp_path):
    path = tmp_path / "t.db"
    _pre_013(path, docs=3)
    db = open_db(path)
    with db.conn:       # a value without its field result: an invariant check fails
        db.conn.execute("PRAGMA foreign_keys = OFF")
    db.conn.execute("PRAGMA foreign_keys = OFF")
    db.conn.execute("INSERT INTO field_values (extraction_id, doc_id, field, value, normalized,"
                    " accepted, quote) VALUES (999, 'd0', 'optimizer', 'Adam', 'adam', 0, 'x')")
    db.conn.close()
    size = path.stat().st_size
    res = CliRunner().invoke(cli, ["check", "--db", str(path), "--vacuum"])
    assert res.exit_code != 0 and "not vacuumed" in res.output
    assert path.stat().st_size == size
