"""End to end on a real local model: files -> `methex run --backend llama` -> database rows."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.store import open_db
from llm_fixtures import METHODS, OTHER, smollm2_path

pytestmark = pytest.mark.integration


def test_run_with_embedded_model_fills_rows(tmp_path):
    model = smollm2_path()
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "river.txt").write_text(f"Methods\n\n{METHODS}\n\n{OTHER}\n", encoding="utf-8")
    db_path = tmp_path / "m.db"
    runner = CliRunner()
    args = ["run", str(papers), "--db", str(db_path), "--backend", "llama", "--model",
            str(model), "--fields", "optimizer,hyperparameters,frameworks"]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output

    db = open_db(db_path)
    run = db.execute("SELECT backend, model, prompt_hash FROM runs").fetchone()
    assert run[0] == "llama" and run[1] == model.name and run[2] != "-"
    units = db.execute("SELECT grp, status FROM group_results").fetchall()
    assert sorted(units) == [("software", "done"), ("training", "done")]
    fields = dict(db.execute("SELECT field, status FROM extractions").fetchall())
    assert set(fields) == {"optimizer", "hyperparameters", "frameworks"}
    # whatever the small model said, nothing unverified is stored as evidence
    text = db.execute("SELECT text FROM documents WHERE id = 'river'").fetchone()[0]
    for quote, start, end in db.execute('SELECT quote, start, "end" FROM evidence'):
        assert text[start:end] == quote
    calls = db.execute("SELECT count(*), min(prompt_tokens) FROM llm_calls").fetchone()
    assert 2 <= calls[0] <= 4 and calls[1] > 50      # one call per group (+ at most one retry)

    # a rerun does no LLM work, and the export has the external scorers' shape
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert db.execute("SELECT count(*) FROM llm_calls").fetchone()[0] == calls[0]
    res = runner.invoke(cli, ["export", "--db", str(db_path)])
    rec = json.loads(res.output.splitlines()[0])
    assert rec["doc_id"] == "river" and len(rec["fields"]) == 28
    assert rec["fields"]["datasets"]["status"] == "unknown"
