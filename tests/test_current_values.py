"""The current_values table (db/012) against the views it replaces (issue 16).

A generated database (benchmarks/bench_query.py's synthesiser: two runs, a rejected value per
paper, reviews) goes through every kind of write that moves "current" values: reviews (reject,
accept, set, correct), aliases (merge, split, respelling), canonical rebuild, new and failed
runs, reruns, re-ingestion. After each, the table must equal its rule (current_values_live)
and the view of db/005, and the read paths (facets, --where, show, export) must answer exactly
what the view-based code of 613ad37 (tests/legacy_queries.py) answers. Every statement those
read paths run is traced and its EXPLAIN QUERY PLAN must use an index.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import legacy_queries as legacy  # noqa: E402

from extractor import paper_filters, query  # noqa: E402
from extractor.audit import audit_paper  # noqa: E402
from extractor.export import (ENCODE_RECORD, export_records, field_record,  # noqa: E402
                              jsonl_lines, write_jsonl)
from extractor.review import add_review, correct_value  # noqa: E402
from extractor.schemas.catalog import load_schema  # noqa: E402
from extractor.store import open_db, rebuild_canonical, set_alias  # noqa: E402

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_query.py"
COLS = "doc_id, field, value, normalized, value_id, review_id, source, review"
CONDITIONS = ["frameworks=pytorch", "frameworks=PyTorch", "frameworks=tf", "hardware~gpu",
              "optimizer=adam", "optimizer~sgd", "datasets~option 3", "frameworks~torch"]


def _synthesise(path: Path, n: int) -> None:
    spec = importlib.util.spec_from_file_location("bench_query", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.synthesise(path, n)


@pytest.fixture(scope="module")
def schema():
    return load_schema()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "gen.db"
    _synthesise(path, 45)
    d = open_db(path)
    legacy.install(d)
    yield d
    d.conn.close()


def _same_table(db) -> int:
    table = db.execute("SELECT * FROM current_values ORDER BY 1, 2, 3, 4").fetchall()
    live = db.execute("SELECT * FROM current_values_live ORDER BY 1, 2, 3, 4").fetchall()
    assert table == live
    old = db.execute(f"SELECT {COLS} FROM legacy_current_values"
                     " ORDER BY doc_id, field, source, value_id, review_id").fetchall()
    new = db.execute(f"SELECT {COLS} FROM current_values"
                     " ORDER BY doc_id, field, source, value_id, review_id").fetchall()
    assert new == old
    from test_current_json import check_current_json    # db/017, kept by the same writes
    check_current_json(db)
    return len(table)


def _legacy_export(db, schema, grounding=None) -> str:
    states = legacy.docs_state(db, schema)
    return "".join(json.dumps({"doc_id": d, "fields": {k: field_record(states[d][k], grounding)
                                                       for k in schema.keys}},
                              ensure_ascii=False) + "\n" for d in sorted(states))


def _same_filters(db, schema, monkeypatch) -> None:
    """--where answers (whole lists, pages, ids) equal the view-based ones, with further
    conditions checked both by seeks and by reading their papers."""
    conds = [query.parse_condition(c, schema) for c in CONDITIONS]
    combos = [conds[:1] + conds[3:4], [conds[0], conds[4], conds[3]], [conds[6], conds[3]],
              [conds[2], conds[5]]]
    shows = ["frameworks", "hardware", "optimizer"]
    for ratio in (0, 10**6):        # read-and-intersect only / seek whenever possible
        monkeypatch.setattr(paper_filters, "_SEEK_RATIO", ratio)
        for combo in combos:
            want = legacy.find_papers(db, combo, shows, schema)
            assert query.find_papers(db, combo, shows, schema) == want
            assert query.matching_ids(db, combo, schema) == [m.doc_id for m in want]
            for offset, limit in ((0, 5), (3, 7), (len(want) - 2, 50), (len(want) + 1, 5)):
                page = query.papers_page(db, combo, shows, schema, limit, max(offset, 0))
                assert page.total == len(want)
                assert page.papers == want[max(offset, 0):max(offset, 0) + limit]


def _same_export(db, schema) -> None:
    """The JSONL lines equal the view-based export byte for byte, also with --grounding."""
    assert "".join(line + "\n" for line in jsonl_lines(db, schema)) == \
        _legacy_export(db, schema)
    for kinds in ({"verbatim"}, {"verbatim", "alias", "words"}, set()):
        got = "".join(line + "\n" for line in jsonl_lines(db, schema, kinds))
        assert got == _legacy_export(db, schema, kinds)
        assert got == "".join(ENCODE_RECORD(r) + "\n"
                              for r in export_records(db, schema, grounding=kinds))


def _same_answers(db, schema) -> None:
    for key in schema.keys:
        assert query.field_facets(db, key, schema) == legacy.field_facets(db, key, schema)
    some = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")][::3]
    for key in ("frameworks", "hardware", "optimizer", "purpose"):
        assert query.field_facets(db, key, schema, some) == \
            legacy.field_facets(db, key, schema, some)
    conds = [query.parse_condition(c, schema) for c in CONDITIONS]
    for c in conds:
        assert query.find_papers(db, [c], None, schema) == legacy.find_papers(db, [c], None,
                                                                             schema)
    shows = ["frameworks", "hardware", "optimizer"]
    assert query.find_papers(db, conds[:1] + conds[3:4], shows, schema) == \
        legacy.find_papers(db, conds[:1] + conds[3:4], shows, schema)
    assert query.find_papers(db, [], ["optimizer"], schema) == \
        legacy.find_papers(db, [], ["optimizer"], schema)
    assert query.docs_state(db, schema) == legacy.docs_state(db, schema)
    assert query.docs_state(db, schema, some[::-1] + ["no-such-doc"]) == \
        legacy.docs_state(db, schema, some[::-1] + ["no-such-doc"])

    class Out:
        text = ""

        def write(self, s):
            self.text += s
    out = Out()
    write_jsonl(export_records(db, schema), out)
    assert out.text == _legacy_export(db, schema)       # byte-identical JSONL


def _quote(db, doc, key, value):
    text = db.execute("SELECT text FROM documents WHERE id = ?", [doc]).fetchone()[0]
    m = re.search(rf"In this study the {key.replace('_', ' ')} was {re.escape(value)} for all"
                  r" experiments\.", text)
    return m.group(0) if m else None


def _docs_with(db, key, n=3):
    return [r[0] for r in db.execute(
        "SELECT DISTINCT doc_id FROM current_values WHERE field = ? ORDER BY doc_id LIMIT ?",
        [key, n])]


def test_table_and_answers_follow_every_write(db, schema, monkeypatch):
    assert _same_table(db) > 1000
    with db.conn:       # grounding kinds, so --grounding keeps some values and drops others
        db.conn.execute("UPDATE field_values SET grounding = CASE id % 3 WHEN 0 THEN"
                        " 'verbatim' WHEN 1 THEN 'words' END WHERE accepted = 1")
    _same_answers(db, schema)
    _same_filters(db, schema, monkeypatch)
    _same_export(db, schema)
    # reviews: reject, accept, set (a new value; one extraction also found), correct
    a, b, c = _docs_with(db, "frameworks")
    fw = [r[0] for r in db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                                   " field = 'frameworks'", [a])]
    add_review(db, a, "frameworks", "reject", fw[0], reviewer="t", schema=schema)
    add_review(db, b, "frameworks", "accept",
               db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                          " field = 'frameworks'", [b]).fetchone()[0], reviewer="t",
               schema=schema)
    hw = db.execute("SELECT value FROM current_values WHERE doc_id = ? AND field = 'hardware'",
                    [c]).fetchone()
    if hw:
        add_review(db, c, "hardware", "set", hw[0], quote=_quote(db, c, "hardware", hw[0]),
                   reviewer="t", schema=schema)
    add_review(db, c, "optimizer", "set", "Adam", reviewer="t", schema=schema,
               quote=db.execute("SELECT substr(text, 1, 40) FROM documents WHERE id = ?",
                                [c]).fetchone()[0])
    _same_table(db)
    _same_answers(db, schema)
    # a reject after a set, then the set again: the latest decision wins
    add_review(db, c, "optimizer", "reject", "Adam", reviewer="t", schema=schema)
    _same_table(db)
    # aliases: merge two spellings, split one back, a correction that respells
    set_alias(db, "frameworks", "Keras", "TensorFlow", "merge", schema.field("frameworks"))
    _same_table(db)
    set_alias(db, "optimizer", "ADAM", "ADAM", "split", schema.field("optimizer"))
    _same_table(db)
    d = _docs_with(db, "hardware", 8)[-1]
    old = db.execute("SELECT value FROM current_values WHERE doc_id = ? AND field = 'hardware'"
                     " AND source = 'extracted'", [d]).fetchone()[0]
    correct_value(db, d, "hardware", old, old.upper(), quote=_quote(db, d, "hardware", old),
                  reviewer="t", schema=schema)
    _same_table(db)
    _same_answers(db, schema)
    # the schema's vocabulary applied to every stored value
    rebuild_canonical(db, {f.key: f for f in schema.fields})
    _same_table(db)
    _same_answers(db, schema)
    _same_filters(db, schema, monkeypatch)
    _same_export(db, schema)      # reviews that set values, folded spellings, canonical forms


def test_table_follows_runs_reruns_and_reingestion(db, schema):
    from fixture_db import add_group_result, add_run
    docs = _docs_with(db, "frameworks", 4)
    quote = _quote(db, docs[0], "frameworks",
                   db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                              " field = 'frameworks'", [docs[0]]).fetchone()[0])
    rid = add_run(db, "llama", "qwen2.5-3b")
    new = add_group_result(db, rid, docs[0], "software",
                           {"frameworks": [("JAX", quote, "exact")]})
    _same_table(db)
    add_group_result(db, rid, docs[1], "software", {}, failed="timeout")
    _same_table(db)
    with db.conn:       # rerun of a unit: its old result is deleted first
        db.conn.execute("DELETE FROM group_results WHERE id = ?", [new])
    _same_table(db)
    with db.conn:       # status changed in place
        db.conn.execute("UPDATE group_results SET status = 'failed' WHERE doc_id = ?",
                        [docs[2]])
    _same_table(db)
    add_review(db, docs[3], "frameworks", "reject",
               db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                          " field = 'frameworks'", [docs[3]]).fetchone()[0], reviewer="t",
               schema=schema)
    with db.conn:       # re-ingestion deletes the document and everything under it
        db.conn.execute("DELETE FROM documents WHERE id IN (?, ?)", [docs[3], docs[0]])
    assert not db.execute("SELECT 1 FROM current_values WHERE doc_id IN (?, ?)",
                          [docs[3], docs[0]]).fetchall()
    _same_table(db)
    _same_answers(db, schema)


def test_migration_carries_existing_data(tmp_path, schema):
    """A database written before 012 gets the same rows as the view it had."""
    path = tmp_path / "old.db"
    d = open_db(path)
    d.conn.close()
    import sqlite3
    conn = sqlite3.connect(path)
    # back to the state before 012: the view of 005 and no table or triggers
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                " AND name LIKE 'current_values%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.executescript(
        "DROP TABLE current_values; DROP VIEW current_values_live; DROP INDEX reviews_field;"
        "DROP INDEX documents_meta;"
        "CREATE INDEX field_values_doc_field ON field_values(doc_id, field);"
        "DROP INDEX evidence_value; CREATE INDEX evidence_value ON evidence(value_id);"
        "DELETE FROM migrations WHERE name LIKE '012%';"
        + legacy.LEGACY_VIEW.replace("TEMP VIEW IF NOT EXISTS legacy_current_values",
                                     "VIEW current_values") + ";")
    conn.close()
    _synthesise(path, 12)           # writes through the old schema, then migrates on open
    db = open_db(path)
    legacy.install(db)
    assert db.execute("SELECT name FROM migrations WHERE name LIKE '012%'").fetchone()
    assert _same_table(db) > 200
    _same_answers(db, schema)


# --- every read path uses an index --------------------------------------------------------

BIG = {"current_values", "cv", "field_values", "fv", "extractions", "ce", "e", "evidence",
       "current_map", "cm", "reviews", "r", "group_results", "g", "chunks", "c"}


def _plans(db, fn) -> list[tuple[str, list[str]]]:
    """(statement, plan lines) of every SELECT that fn runs."""
    sqls: list[str] = []
    db.conn.set_trace_callback(sqls.append)
    try:
        fn()
    finally:
        db.conn.set_trace_callback(None)
    out = []
    for sql in dict.fromkeys(s for s in sqls if s.lstrip().upper().startswith("SELECT")):
        out.append((sql, [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql)]))
    return out


def _full_scans(plans, allowed=()) -> list[str]:
    bad = []
    for sql, lines in plans:
        for line in lines:
            m = re.match(r"SCAN (\w+)", line)
            if m and m.group(1) in BIG and "INDEX" not in line and sql not in allowed:
                bad.append(f"{line}  <-  {sql[:150]}")
    return bad


@pytest.mark.parametrize("path", ["facets", "facets where", "where", "where 2 + show",
                                  "where page", "where seeks", "show", "audit"])
def test_read_paths_use_indexes(db, schema, path, monkeypatch):
    docs = _docs_with(db, "frameworks", 30)
    doc = docs[1]
    add_review(db, doc, "optimizer", "set", "Adam", reviewer="t", schema=schema,
               quote=db.execute("SELECT substr(text, 1, 40) FROM documents WHERE id = ?",
                                [doc]).fetchone()[0])
    for d in docs:      # enough reviews that the planner's statistics see a real table
        for (v,) in db.execute("SELECT value FROM current_values WHERE doc_id = ? AND"
                               " field = 'frameworks'", [d]).fetchall():
            add_review(db, d, "frameworks", "accept", v, reviewer="t", schema=schema)
    db.execute("ANALYZE")
    c1, c2 = (query.parse_condition(c, schema) for c in ("frameworks=pytorch", "hardware~gpu"))
    run = {
        "facets": lambda: query.field_facets(db, "frameworks", schema),
        "facets where": lambda: query.field_facets(
            db, "hardware", schema, query.matching_ids(db, [c1], schema)),
        "where": lambda: query.find_papers(db, [c1], None, schema),
        "where 2 + show": lambda: query.find_papers(db, [c1, c2],
                                                    ["frameworks", "hardware", "optimizer"],
                                                    schema),
        "where page": lambda: query.papers_page(db, [c1, c2], ["frameworks", "optimizer"],
                                                schema, limit=5, offset=2),
        "where seeks": lambda: (monkeypatch.setattr(paper_filters, "_SEEK_RATIO", 10**6),
                                query.papers_page(db, [c1, c2], None, schema, limit=5)),
        "show": lambda: query.paper_state(db, doc, schema),
        "audit": lambda: audit_paper(db, doc, None, schema),
    }[path]
    plans = _plans(db, run)
    assert plans and any("current_values" in s or "cv" in s for s, _ in plans)
    assert _full_scans(plans) == []
    assert any("current_values" in " ".join(lines) or " cv " in " ".join(lines)
               for _, lines in plans)


def test_export_is_one_ordered_pass(db, schema):
    """Export reads current_values once in primary-key (document) order, evidence by index,
    and sorts nothing but evidence offsets within a value."""
    plans = _plans(db, lambda: list(export_records(db, schema)))
    values = [(s, lines) for s, lines in plans if "FROM current_values cv" in s]
    assert len(values) == 1
    lines = values[0][1]
    assert any(re.match(r"SCAN cv\b", x) for x in lines)
    assert any("SEARCH e USING INDEX evidence_value" in x for x in lines)
    assert not any(x == "USE TEMP B-TREE FOR ORDER BY" for x in lines)   # no full sort
    reviews = {s for s, _ in plans if "FROM reviews" in s}
    assert _full_scans(plans, allowed={values[0][0], *reviews}) == []
    # one statement per table, whatever the number of papers
    assert len(plans) <= 3


def test_jsonl_export_is_one_ordered_pass(db, schema):
    """With a grounding filter, the JSONL lines read current_values once in primary-key order,
    evidence by index, and the document ids by index; no sort, no statement per paper.
    (Without one they read current_json: tests/test_current_json.py.)"""
    plans = _plans(db, lambda: list(jsonl_lines(db, schema, {"verbatim"})))
    values = [(s, lines) for s, lines in plans if "FROM current_values cv" in s]
    assert len(values) == 1
    lines = values[0][1]
    assert any(re.match(r"SCAN cv\b", x) for x in lines)
    assert any("SEARCH e USING INDEX evidence_value" in x for x in lines)
    assert not any("TEMP B-TREE" in x for x in lines)
    # the papers that take the per-paper path: reviewed ones, and those with consensus values
    # (a scan of consensus_values, which holds consensus runs' values only)
    reviews = {s for s, _ in plans if "FROM reviews" in s or "FROM consensus_values" in s}
    assert _full_scans(plans, allowed={values[0][0], *reviews}) == []
    assert len(plans) <= 4
