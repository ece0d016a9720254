"""current_json (db/017): each current field's export lists, JSON-encoded at write time.

The JSONL export joins these stored strings, so they must be what Python's encoder writes:
SQLite's json_quote against json's encode_basestring for every code point; the table against a
full refresh after every kind of write (tests/test_current_values.py calls check_current_json
after each); the export lines against export_records on a migrated database, with values to
fold, with reviews and on a consensus run (agreement), and with the stored lists unused.
"""
from __future__ import annotations

import sqlite3
import sys
from json.encoder import encode_basestring
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_current_values import _plans, _synthesise  # noqa: E402

from extractor import export  # noqa: E402
from extractor.export import ENCODE_RECORD, export_records, jsonl_lines  # noqa: E402
from extractor.review import add_review  # noqa: E402
from extractor.schemas.catalog import load_schema  # noqa: E402
from extractor.store import open_db  # noqa: E402


def check_current_json(db) -> int:
    """current_json equals a refresh of every field from scratch; returns its NULL rows
    (fields left to Python because their values may fold)."""
    table = db.execute("SELECT * FROM current_json ORDER BY 1, 2").fetchall()
    db.conn.execute("SAVEPOINT fresh")
    try:
        db.conn.execute("DELETE FROM current_json")
        db.conn.execute("INSERT INTO current_json_refresh"
                        " SELECT DISTINCT doc_id, field FROM current_values")
        fresh = db.execute("SELECT * FROM current_json ORDER BY 1, 2").fetchall()
    finally:
        db.conn.execute("ROLLBACK TO fresh")
        db.conn.execute("RELEASE fresh")
    assert table == fresh
    return sum(1 for r in table if r[2] is None)


def _lines(db, schema=None) -> list[str]:
    return list(jsonl_lines(db, schema))


def _records(db, schema=None) -> list[str]:
    return [ENCODE_RECORD(r) for r in export_records(db, schema)]


def test_json_quote_escapes_as_python():
    """Every code point but surrogates (which SQLite text cannot hold), and the probe export
    checks at run time."""
    conn = sqlite3.connect(":memory:")
    points = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for i in range(0, len(points), 0x8000):
        s = "".join(map(chr, points[i:i + 0x8000]))
        assert conn.execute("SELECT json_quote(?)", [s]).fetchone()[0] == encode_basestring(s)
    assert conn.execute("SELECT json_quote(?)", [export._PROBE]).fetchone()[0] == \
        encode_basestring(export._PROBE)


@pytest.fixture
def gen(tmp_path):
    path = tmp_path / "gen.db"
    _synthesise(path, 45)
    d = open_db(path)
    yield d
    d.conn.close()


def test_stored_lines_equal_records(gen):
    schema = load_schema()
    # the synthetic papers have "PyTorch" and "Pytorch", "Adam" and "ADAM": values that fold
    assert check_current_json(gen) > 0
    with gen.conn:      # grounding kinds and canonical forms, so those lists are not trivial
        gen.conn.execute("UPDATE field_values SET grounding = CASE id % 3 WHEN 0 THEN"
                         " 'verbatim' WHEN 1 THEN 'words' END, canonical = CASE id % 4"
                         " WHEN 0 THEN upper(value) WHEN 1 THEN '' END WHERE accepted = 1")
    check_current_json(gen)
    stored = [r[0].split("\x1f") for r in gen.execute("SELECT json FROM current_json"
                                                      " WHERE json IS NOT NULL")]
    assert any(p[3] for p in stored) and any(not p[3] for p in stored)   # canonical: own / =
    assert any('"verbatim"' in p[2] for p in stored)
    assert _lines(gen, schema) == _records(gen, schema)
    # a value set by a reviewer: that paper's quotes come from reviews (export_records' path)
    doc = gen.execute("SELECT doc_id FROM current_values WHERE field = 'hardware'"
                      " ORDER BY doc_id LIMIT 1").fetchone()[0]
    add_review(gen, doc, "hardware", "set", "TPU v3", reviewer="t", schema=schema,
               quote=gen.execute("SELECT substr(text, 1, 30) FROM documents WHERE id = ?",
                                 [doc]).fetchone()[0])
    check_current_json(gen)
    assert _lines(gen, schema) == _records(gen, schema)


def test_stored_lines_read_current_json_in_order(gen):
    """One pass over current_json and one over the document ids, whatever the number of
    papers; the rows of fields to fold come by the partial index."""
    plans = _plans(gen, lambda: _lines(gen))
    stored = [lines for s, lines in plans if "FROM current_json ORDER BY" in s]
    assert stored == [["SCAN current_json"]]
    fold = [lines for s, lines in plans if s.startswith("SELECT cv.doc_id")]
    assert len(fold) == 1 and "SCAN j USING INDEX current_json_fold" in fold[0]
    assert not any("current_values" in s and "json IS NULL" not in s for s, _ in plans)
    assert not any("FOR ORDER BY" in x and "RIGHT PART" not in x
                   for _, lines in plans for x in lines)
    assert len(plans) <= 7     # probes, reviews, folded+consensus, folded rows, stored, ids


def test_rows_path_gives_the_same_lines(gen, monkeypatch):
    """Where SQLite's json_quote would differ from Python's encoder, export builds the lines
    from current_values instead: the same bytes."""
    want = _lines(gen)
    monkeypatch.setattr(export, "_sqlite_quotes_as_python", lambda db: False)
    plans = _plans(gen, lambda: _lines(gen))
    assert not any("FROM current_json" in s for s, _ in plans)
    assert _lines(gen) == want == _records(gen)


def test_migration_fills_existing_databases(tmp_path):
    """A database written before 017 (through 012's triggers as they were) gets current_json
    on open, and the same lines."""
    import importlib.util
    import sqlite_utils
    from extractor.store_connection import migrate
    from test_current_values import BENCH
    spec = importlib.util.spec_from_file_location("bench_query_pre017", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def open_pre_017(path):
        conn = sqlite3.connect(path, isolation_level=None)
        migrate(conn, before="017")
        return sqlite_utils.Database(conn)
    bench.open_db = open_pre_017
    path = tmp_path / "old.db"
    bench.synthesise(path, 30)
    conn = sqlite3.connect(path)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'current_json'"
                            ).fetchall()
    conn.close()
    ro = open_db(path, read_only=True)      # migrations are not applied: the row path
    try:
        old_lines = _lines(ro)
        assert old_lines == _records(ro)
    finally:
        ro.conn.close()
    db = open_db(path)
    try:
        assert db.execute("SELECT name FROM migrations WHERE name LIKE '017%'").fetchone()
        assert db.execute("SELECT count(*) FROM current_json").fetchone()[0] > 300
        check_current_json(db)
        assert _lines(db) == _records(db) == old_lines
        # and it is kept from here on
        doc = db.execute("SELECT doc_id FROM current_values WHERE field = 'optimizer'"
                         " ORDER BY doc_id LIMIT 1").fetchone()[0]
        value = db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                           " field = 'optimizer'", [doc]).fetchone()[0]
        add_review(db, doc, "optimizer", "reject", value, reviewer="t")
        check_current_json(db)
        assert _lines(db) == _records(db)
    finally:
        db.conn.close()


def test_odd_characters_through_the_triggers(gen):
    """Quotes with every kind of character a PDF may leave, through the write triggers."""
    doc = gen.execute("SELECT doc_id FROM current_values WHERE source = 'extracted'"
                      " ORDER BY doc_id LIMIT 1").fetchone()[0]
    odd = 'tab\tnl\nquote"back\\slash\x00nul\x1fus\x7fdel\u2028ls é 😀'
    with gen.conn:
        vid = gen.execute("SELECT value_id FROM current_values WHERE doc_id = ? AND"
                          " source = 'extracted' LIMIT 1", [doc]).fetchone()[0]
        gen.conn.execute("UPDATE evidence SET quote = ? WHERE value_id = ?", [odd, vid])
        gen.conn.execute("UPDATE field_values SET value = ? WHERE id = ?", ["v" + odd, vid])
    check_current_json(gen)
    line = next(x for x in _lines(gen) if doc in x)
    assert line == next(x for x in _records(gen) if doc in x)
    assert '\\u001f' in line and "\x1f" not in line


def test_agreement_everywhere_including_folded_fields(gen, monkeypatch):
    """Every current value with agreement (as a consensus run's): stored lists, fields to fold
    and the row path (--grounding) all write it as export_records does, and no paper takes
    the per-paper path."""
    with gen.conn:
        gen.conn.execute(
            "INSERT INTO consensus_values (value_id, agree, runs_total, score, runs,"
            " source_values) SELECT value_id, 1 + value_id % 3, 3, 0.5, '[1, 2]', '[]'"
            " FROM current_values WHERE value_id IS NOT NULL")
    assert check_current_json(gen) > 0
    per_paper = []
    real = export.export_records
    monkeypatch.setattr(export, "export_records",
                        lambda *a, **k: per_paper.append(a) or real(*a, **k))
    for grounding in (None, {"verbatim"}, set()):
        want = [ENCODE_RECORD(r) for r in real(gen, grounding=grounding)]
        assert list(jsonl_lines(gen, grounding=grounding)) == want
        if grounding is None:
            assert sum('"agreement": [{"agree": ' in x for x in want) > 40
    assert per_paper == []
