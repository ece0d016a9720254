"""Orchestration tests with a scripted fake backend (no LLM): verify, store, resume, failures."""
from __future__ import annotations

import hashlib

import pytest

from extractor.backends.base import Backend, BackendError, CallStats, Candidate, GroupOutput
from extractor.extract import Settings, run_extraction
from extractor.ingest.types import Chunk, ParsedDocument
from extractor.schemas.catalog import load_schema
from extractor.store import open_db, replace_document

TEXT_A = ("We trained a convolutional network in PyTorch on two NVIDIA GeForce RTX 3090 cards. "
          "The learning rate was 0.001 and training ran for 50 epochs.")
TEXT_B = "Images were resized to 224 pixels. The classifier was written with TensorFlow."


def make_doc(doc_id: str, text: str, status: str = "ok") -> ParsedDocument:
    # one chunk per sentence-ish half, on two pages, so pages and chunk ids are exercised
    cut = text.index(". ") + 2
    chunks = [Chunk(0, 0, cut - 1, text[:cut - 1], 1), Chunk(1, cut, len(text), text[cut:], 2)]
    return ParsedDocument(doc_id=doc_id, path=f"{doc_id}.txt",
                          sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
                          status=status, reason="mostly (cid:NN) codes" if status != "ok" else None,
                          pages=2, page_starts=[0, cut], chunks=chunks if status == "ok" else [])


class ScriptedBackend(Backend):
    """Returns scripted candidates per (doc, group); raises for docs listed in `fail`."""
    name = "fake"
    model = "scripted-1"

    def __init__(self, script: dict, fail: set[str] = frozenset()):
        super().__init__()
        self.script, self.fail, self.calls = script, set(fail), []

    def extract(self, task):
        self.calls.append((task.doc_id, task.group.name))
        if task.doc_id in self.fail:
            raise BackendError("server said 500", [CallStats(attempt=1, error="HTTP 500")])
        cands = [Candidate(*c) for c in self.script.get((task.doc_id, task.group.name), [])]
        return GroupOutput(cands, [CallStats(attempt=1, prompt_tokens=100,
                                             completion_tokens=20, latency_ms=5.0)])


SCRIPT = {
    ("a", "software"): [
        ("frameworks", "PyTorch", "We trained a convolutional network in PyTorch"),
        ("frameworks", "Keras", "implemented in Keras"),                   # invented quote
        ("hardware", "NVIDIA GeForce RTX 3090", "two NVIDIA GeForce  RTX 3090 cards"),  # spaces
    ],
    ("a", "training"): [
        ("hyperparameters", "learning rate = 0.001", "The learning rate was 0.001"),
        ("optimizer", "Adam", "The learning rate was 0.001"),              # not grounded
    ],
    ("b", "software"): [("frameworks", "TensorFlow", "written with TensorFlow")],
}


@pytest.fixture()
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    replace_document(db, make_doc("a", TEXT_A))
    replace_document(db, make_doc("b", TEXT_B))
    return db


def field(db, doc, key):
    row = db.execute("SELECT id, status, reason FROM current_extractions WHERE doc_id = ? AND "
                     "field = ?", [doc, key]).fetchone()
    vals = db.execute("SELECT value, accepted, reason FROM field_values WHERE extraction_id = ?",
                      [row[0]]).fetchall()
    return row[1], row[2], vals


def test_verification_keeps_grounded_drops_invented(db):
    schema = load_schema()
    report = run_extraction(db, ScriptedBackend(SCRIPT), schema, Settings(top_k=None))
    assert report.failed == 0 and report.done == 2 * len(schema.groups)
    status, _, vals = field(db, "a", "frameworks")
    assert status == "reported"
    assert ("PyTorch", 1, None) in vals
    assert ("Keras", 0, "quote not found in the passages read") in vals
    status, reason, vals = field(db, "a", "optimizer")
    assert status == "unknown" and "1 candidate value(s) rejected" in reason
    assert vals == [("Adam", 0, "value not grounded in its quote")]
    status, reason, vals = field(db, "a", "datasets")
    assert status == "unknown" and vals == [] and "no verified statement" in reason


def test_every_evidence_quote_is_document_text_with_page(db):
    run_extraction(db, ScriptedBackend(SCRIPT), load_schema(), Settings(top_k=None))
    rows = db.execute('SELECT e.quote, e.start, e."end", e.page, e.match, d.text, e.chunk_id '
                      "FROM evidence e JOIN documents d ON d.id = e.doc_id").fetchall()
    assert len(rows) == 4
    for quote, start, end, page, match, text, chunk_id in rows:
        assert text[start:end] == quote
        assert chunk_id is not None
    by_quote = {r[0]: r for r in rows}
    hw = by_quote["two NVIDIA GeForce RTX 3090 cards"]
    assert hw[4] == "normalized" and hw[3] == 1
    lr = by_quote["The learning rate was 0.001"]
    assert lr[4] == "exact" and lr[3] == 2


def test_rerun_is_idempotent_and_skips_done_units(db):
    schema = load_schema()
    run_extraction(db, ScriptedBackend(SCRIPT), schema, Settings(top_k=None))
    counts = {t: db[t].count for t in ("group_results", "extractions", "field_values",
                                       "evidence", "retrievals", "llm_calls")}
    again = ScriptedBackend(SCRIPT)
    report = run_extraction(db, again, schema, Settings(top_k=None))
    assert again.calls == [] and report.done == 0 and report.skipped == 2 * len(schema.groups)
    assert counts == {t: db[t].count for t in counts}


def test_failing_document_does_not_stop_batch_and_retry_failed(db):
    schema = load_schema()
    report = run_extraction(db, ScriptedBackend(SCRIPT, fail={"a"}), schema,
                            Settings(top_k=None))
    n = len(schema.groups)
    assert report.failed == n and report.done == n
    assert field(db, "b", "frameworks")[0] == "reported"
    assert db.execute("SELECT count(*) FROM group_results WHERE doc_id='a' AND status='failed' "
                      "AND error='server said 500'").fetchone()[0] == n
    assert db.execute("SELECT count(*) FROM llm_calls WHERE doc_id='a' AND error='HTTP 500'"
                      ).fetchone()[0] == n
    # a plain rerun leaves failures alone; --retry-failed redoes exactly them
    fixed = ScriptedBackend(SCRIPT)
    assert run_extraction(db, fixed, schema, Settings(top_k=None)).done == 0
    report = run_extraction(db, fixed, schema, Settings(top_k=None, retry_failed=True))
    assert report.done == n and {d for d, _ in fixed.calls} == {"a"}
    assert field(db, "a", "frameworks")[0] == "reported"
    assert db.execute("SELECT count(*) FROM group_results WHERE status='failed'"
                      ).fetchone()[0] == 0


def test_unreadable_document_is_unknown_with_reason_and_no_backend_call(tmp_path):
    db = open_db(tmp_path / "t.db")
    replace_document(db, make_doc("c", TEXT_B, status="unreadable"))
    be = ScriptedBackend(SCRIPT)
    run_extraction(db, be, load_schema(), Settings(top_k=None))
    assert be.calls == []
    rows = db.execute("SELECT status, reason FROM extractions WHERE doc_id='c'").fetchall()
    assert len(rows) == 28
    assert all(s == "unknown" and r.startswith("document unreadable:") for s, r in rows)


def test_changed_document_is_extracted_again(db):
    schema = load_schema()
    run_extraction(db, ScriptedBackend(SCRIPT), schema, Settings(top_k=None))
    replace_document(db, make_doc("b", TEXT_B + " Training used Keras too."))
    be = ScriptedBackend(SCRIPT)
    report = run_extraction(db, be, schema, Settings(top_k=None))
    assert {d for d, _ in be.calls} == {"b"} and report.done == len(schema.groups)
    assert db.execute("SELECT count(*) FROM group_results WHERE doc_id='b'"
                      ).fetchone()[0] == len(schema.groups)


def test_fields_option_restricts_groups_and_fields(db):
    be = ScriptedBackend(SCRIPT)
    run_extraction(db, be, load_schema(), Settings(top_k=None, fields=["frameworks"]))
    assert {g for _, g in be.calls} == {"software"}
    assert {r[0] for r in db.execute("SELECT field FROM extractions")} == {"frameworks"}
    with pytest.raises(KeyError):
        run_extraction(db, be, load_schema(), Settings(fields=["no_such_field"]))


def test_retrieval_is_recorded_and_excludes_reference_chunks(tmp_path):
    db = open_db(tmp_path / "t.db")
    doc = make_doc("r", TEXT_A)
    doc.chunks[1].is_reference = True
    replace_document(db, doc)
    run_extraction(db, ScriptedBackend({}), load_schema(), Settings(top_k=None))
    read = {r[0] for r in db.execute("SELECT c.ord FROM retrievals r JOIN chunks c ON "
                                     "c.id = r.chunk_id")}
    assert read == {0}


def _snapshot(db):
    return sorted(db.execute(
        "SELECT e.doc_id, e.field, e.status, e.reason, v.value, v.accepted, v.reason, ev.quote,"
        ' ev.start, ev."end", ev.page, ev.match FROM extractions e LEFT JOIN field_values v ON '
        "v.extraction_id = e.id LEFT JOIN evidence ev ON ev.value_id = v.id").fetchall(),
        key=repr)


def test_concurrency_gives_the_same_rows(tmp_path):
    import threading
    import time

    class SlowBackend(ScriptedBackend):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.active = self.peak = 0
            self.lock = threading.Lock()

        def extract(self, task):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.02)
            try:
                return super().extract(task)
            finally:
                with self.lock:
                    self.active -= 1

    snaps = []
    for n in (1, 4):
        db = open_db(tmp_path / f"c{n}.db")
        replace_document(db, make_doc("a", TEXT_A))
        replace_document(db, make_doc("b", TEXT_B))
        be = SlowBackend(SCRIPT, fail={"b"})
        report = run_extraction(db, be, load_schema(), Settings(top_k=None, concurrency=n))
        assert report.done == report.failed == 6
        assert be.peak == n
        snaps.append(_snapshot(db))
    assert snaps[0] == snaps[1] and len(snaps[0]) > 20
