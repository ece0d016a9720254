"""Consensus agreement read back: `query --where agreement>=K`, `audit`, `export` (the
consensus of tests/test_consensus.py's scripted runs, hand-computed there)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.consensus import build_consensus
from extractor import export
from extractor.export import ENCODE_RECORD, export_records, jsonl_lines
from extractor.query import QueryError, find_papers, parse_condition
from test_consensus import db  # noqa: F401 (fixture)


@pytest.fixture
def consensus(db):  # noqa: F811
    # paper_a: frameworks PyTorch 2 of 3, hardware RTX 3090 3 of 3, hyperparameters
    # "learning rate = 0.0001" 2 of 2, optimizer Adam 2 of 2; paper_b: nothing agreed by 2
    assert build_consensus(db, [1, 2, 3], min_agree=2).run_id == 4
    return db


def docs(db, *wheres):
    return [p.doc_id for p in find_papers(db, [parse_condition(w) for w in wheres])]


def test_where_agreement(consensus):
    assert docs(consensus, "agreement>=2") == ["paper_a"]
    assert docs(consensus, "agreement>=3") == ["paper_a"]
    assert docs(consensus, "agreement>3") == []
    assert docs(consensus, "hardware.agreement>=3") == ["paper_a"]
    assert docs(consensus, "frameworks.agreement>=3") == []
    assert docs(consensus, "frameworks.agreement=2") == ["paper_a"]
    assert docs(consensus, "agreement>=2", "frameworks=PyTorch") == ["paper_a"]
    assert str(parse_condition("hardware.agreement>=3")) == "hardware.agreement>=3"
    with pytest.raises(QueryError):
        parse_condition("nosuchfield.agreement>=2")


def test_cli_query_audit_export_carry_agreement(consensus, tmp_path):
    path = str(tmp_path / "c.db")
    run = CliRunner().invoke
    r = run(cli, ["query", "--where", "hardware.agreement>=3", "--show", "hardware", "--db",
                  path, "--json"])
    assert r.exit_code == 0, r.output
    assert [m["doc_id"] for m in json.loads(r.output)] == ["paper_a"]
    r = run(cli, ["audit", "paper_a", "hardware", "--db", path])
    assert "agreed by 3 of 3 runs (runs 1, 2, 3)" in r.output
    assert "consensus: reported · 3 of 3 runs report a value, at most 3 agree" in r.output
    r = run(cli, ["audit", "paper_b", "frameworks", "--db", path])
    assert "consensus: conflicting · 2 of 2 runs report a value, at most 1 agree" in r.output
    rec = next(r for r in export_records(consensus) if r["doc_id"] == "paper_a")
    assert rec["fields"]["frameworks"]["agreement"] == [
        {"agree": 2, "runs_total": 3, "runs": [1, 2]}]
    assert rec["fields"]["hardware"]["agreement"] == [
        {"agree": 3, "runs_total": 3, "runs": [1, 2, 3]}]
    assert "agreement" not in rec["fields"]["regularization"]


def test_export_of_other_runs_has_no_agreement_key(db):  # noqa: F811
    assert all("agreement" not in f for r in export_records(db) for f in r["fields"].values())


def test_jsonl_lines_of_a_consensus_run_are_its_records(consensus):
    """The streamed JSONL carries agreement exactly as export_records does, with and without a
    grounding filter."""
    for grounding in (None, {"verbatim"}, {"words", "alias"}):
        lines = list(jsonl_lines(consensus, grounding=grounding))
        assert lines == [ENCODE_RECORD(r) for r in export_records(consensus, grounding=grounding)]
    assert any('"agreement"' in line for line in jsonl_lines(consensus))


def test_jsonl_lines_of_a_consensus_run_read_stored_agreement(consensus, monkeypatch):
    """Without a grounding filter, agreement comes from current_json (db/017): no paper of a
    consensus run takes the per-paper path any more."""
    want = [ENCODE_RECORD(r) for r in export_records(consensus)]
    per_paper = []
    real = export.export_records
    monkeypatch.setattr(export, "export_records",
                        lambda *a, **k: per_paper.append(a) or real(*a, **k))
    assert list(jsonl_lines(consensus)) == want
    assert per_paper == []
    assert consensus.execute("SELECT count(*) FROM current_json WHERE json LIKE"
                             " '%\x1f{\"agree\": %'").fetchone()[0] > 0
