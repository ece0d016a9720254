"""Chunk text stored once (db/013): `chunks` is a view cutting each chunk out of its document,
the FTS index (content='chunks') stays consistent through ingestion, re-ingestion and deletes,
and the migration carries every stored chunk text."""
from __future__ import annotations

import sqlite3

import pytest

from extractor.ingest.pipeline import ingest_paths
from extractor.retrieve import rank_chunks
from extractor.store import open_db

PROSE = ("We trained a convolutional network in PyTorch on {n} camera trap images. The optimizer "
         "was Adam with a learning rate of 0.001, and training stopped early after ten epochs "
         "without improvement. Images were resized to 224 pixels and flipped at random. ")


def _write(path, n):
    path.write_text("\n\n".join(PROSE.format(n=100 + i) * 3 for i in range(n)),
                    encoding="utf-8")


def _integrity(db):
    """FTS5 compares its index with the content it reads through the view; raises if stale."""
    db.conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "t.db")
    yield d
    d.conn.close()


def test_chunks_are_spans_of_the_document_and_fts_follows_every_write(db, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    _write(a, 3)
    _write(b, 2)
    ingest_paths(db, [a, b])
    cols = [r[1] for r in db.execute("PRAGMA table_info(chunk_rows)")]
    assert "text" not in cols                      # stored once: in documents.text
    rows = db.execute('SELECT c.text, substr(d.text, c.start + 1, c."end" - c.start),'
                      " r.own_text FROM chunks c JOIN documents d ON d.id = c.doc_id"
                      " JOIN chunk_rows r ON r.id = c.id").fetchall()
    assert len(rows) > 2 and all(t == s and own is None for t, s, own in rows)
    _integrity(db)
    assert rank_chunks(db, "a", ["optimizer"], 3)
    # re-ingesting a changed file replaces its chunks and their index entries
    a.write_text(a.read_text(encoding="utf-8").replace("Adam", "RMSprop"), encoding="utf-8")
    ingest_paths(db, [a])
    _integrity(db)
    assert [p.text.count("RMSprop") > 0 for p in rank_chunks(db, "a", ["RMSprop"], 3)]
    assert not rank_chunks(db, "a", ["Adam"], 3)
    assert rank_chunks(db, "b", ["Adam"], 3)
    # deleting a document or a chunk leaves no index entry behind
    with db.conn:
        db.conn.execute("DELETE FROM documents WHERE id = 'b'")
    _integrity(db)
    assert not db.execute("SELECT 1 FROM chunk_rows WHERE doc_id = 'b'").fetchall()
    first = db.execute("SELECT min(id) FROM chunks WHERE doc_id = 'a'").fetchone()[0]
    with db.conn:
        db.conn.execute("UPDATE chunks SET is_reference = 1 WHERE id = ?", [first])
        db.conn.execute("DELETE FROM chunks WHERE id = ?", [first + 1])
    _integrity(db)
    assert db.execute("SELECT is_reference FROM chunks WHERE id = ?", [first]).fetchone() == (1,)


def test_migration_keeps_every_chunk_text(tmp_path):
    """A database with chunks as a table (before 013) keeps each chunk's text, also one that is
    not its span, and its FTS index stays valid."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from extractor.store_connection import migrate
    migrate(conn, before="013")
    text = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."
    conn.execute("INSERT INTO documents (id, path, sha256, chars, status, text, ingested_at)"
                 " VALUES ('d', 'd.txt', 'x', ?, 'ok', ?, 'now')", [len(text), text])
    conn.executemany('INSERT INTO chunks (doc_id, ord, start, "end", text) VALUES (?,?,?,?,?)',
                     [("d", 0, 0, 17, text[0:17]), ("d", 1, 18, 36, text[18:36]),
                      ("d", 2, 37, 53, "not the span text")])
    conn.commit()
    before = conn.execute('SELECT id, doc_id, ord, start, "end", text FROM chunks'
                          " ORDER BY id").fetchall()
    conn.close()
    db = open_db(path)
    assert db.execute('SELECT id, doc_id, ord, start, "end", text FROM chunks'
                      " ORDER BY id").fetchall() == before
    assert db.execute("SELECT own_text FROM chunk_rows ORDER BY id").fetchall() == \
        [(None,), (None,), ("not the span text",)]
    _integrity(db)
    assert [r[0] for r in db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH"
                                     " 'span'")] == [before[2][0]]
