"""--hybrid: the rules' verified values stand, an LLM backend is asked only about the fields the
rules leave unknown. Driven from the CLI against a real HTTP server speaking the OpenAI protocol
(tests/fake_openai_server.py) and a real SQLite file; orchestration only, not extraction quality."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db
from fake_openai_server import FakeOpenAI, grounded_answer

FIELDS = "frameworks,hardware,data_split"
# Written for this test (not from any paper). The rules find the framework and the GPU but
# no data split in the last sentence, which names the test set.
PAPER = ("Methods\n\nThe detector was implemented in PyTorch and trained on one NVIDIA A100 "
         "card. Recordings from two sites formed the test set.\n")


def responder(fields, sentences):
    """Known terms as the default server finds them; a data split where a sentence states one."""
    out = grounded_answer(fields, sentences)
    if "data_split" in fields:
        out["data_split"] = [{"quote": s, "value": "two sites formed the test set"}
                             for s in sentences if "test set" in s][:1]
    return out


@pytest.fixture()
def papers_db(tmp_path, monkeypatch):
    for k in [k for k in os.environ if k.startswith(("METHEX_", "OPENAI_"))]:
        monkeypatch.delenv(k)
    path = tmp_path / "h.db"
    paper = tmp_path / "paper.txt"
    paper.write_text(PAPER, encoding="utf-8")
    ingest_paths(open_db(path), [paper])
    return path


def extract(db, url, *flags):
    res = CliRunner().invoke(cli, ["extract", "--db", str(db), "--backend", "openai", "--model",
                                   "fake-model", "--base-url", url, "--fields", FIELDS, *flags])
    assert res.exit_code == 0, res.output
    return res


def run_rows(db, run_id):
    con = sqlite3.connect(db)
    values = con.execute(
        "SELECT v.field, v.value FROM field_values v JOIN extractions e ON e.id = v.extraction_id"
        " WHERE e.run_id = ? AND v.accepted = 1 ORDER BY 1, 2", (run_id,)).fetchall()
    asked = {f for (f,) in con.execute("SELECT field FROM llm_calls WHERE run_id = ?", (run_id,))}
    settings = json.loads(con.execute("SELECT settings FROM runs WHERE id = ?",
                                      (run_id,)).fetchone()[0])
    return values, asked, settings


def test_hybrid_asks_only_the_fields_the_rules_leave_unknown(papers_db):
    with FakeOpenAI(responder=responder) as server:
        extract(papers_db, server.base_url, "--hybrid")
        hybrid_requests = len(server.requests)
        extract(papers_db, server.base_url, "--hints")       # checks every field instead
        checked_requests = len(server.requests) - hybrid_requests
        again = extract(papers_db, server.base_url, "--hybrid")     # cached on its own key
    values, asked, settings = run_rows(papers_db, 1)
    # the rules answer frameworks and hardware: their values stand, no request is spent on them
    assert asked == {"data_split"} and hybrid_requests == 1
    assert ("frameworks", "PyTorch") in values and ("hardware", "NVIDIA A100") in values
    assert ("data_split", "two sites formed the test set") in values       # the LLM's
    assert settings["hybrid"] is True and settings["hints"] == "rules"
    # --hints asks about every field, the rules' candidates offered to confirm
    values2, asked2, settings2 = run_rows(papers_db, 2)
    assert asked2 == {"frameworks", "hardware", "data_split"} and checked_requests == 3
    assert settings2["hybrid"] is False
    assert "nothing new to extract" in again.output


def test_hybrid_needs_a_backend_that_takes_the_rules_candidates(papers_db):
    res = CliRunner().invoke(cli, ["extract", "--db", str(papers_db), "--backend", "rules",
                                   "--hybrid"])
    assert res.exit_code != 0
    assert "--hybrid completes the rules with an LLM backend" in res.output
    assert sqlite3.connect(papers_db).execute("SELECT count(*) FROM runs").fetchone()[0] == 0
