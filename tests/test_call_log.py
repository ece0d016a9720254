"""The call log: every LLM request's prompt and raw output reach llm_calls and
`methex audit --calls`; an API key never reaches the database. Also the llama thread count."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.audit import llm_calls
from extractor.backends.openai_compat import OpenAIBackend
from extractor.backends.retry import RetryPolicy
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import FakeOpenAI, write_papers

SECRET = "sk-test-0123456789-do-not-store"
FIELDS = ["frameworks", "hardware"]   # one unit (group "software")


@pytest.fixture()
def extracted(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "t.db"
    db = open_db(path)
    ingest_paths(db, write_papers(tmp_path / "papers", 1))
    with FakeOpenAI() as server:
        server.fail("bad_quote")        # the first request gets a reask with reasons
        be = OpenAIBackend("fake-model", base_url=server.base_url, api_key=SECRET,
                           retry=RetryPolicy(max_tries=2, base_delay=0.01))
        report = run_extraction(db, be, load_schema(), Settings(top_k=6, fields=FIELDS))
        requests, auth = list(server.requests), list(server.authorizations)
    assert report.done == 1 and report.failed == 0
    return db, path, requests, auth


def test_every_request_is_stored_with_its_prompt_and_raw_output(extracted):
    db, _, requests, _ = extracted
    rows = db.execute("SELECT field, attempt, messages, output, prompt_tokens FROM llm_calls "
                      "ORDER BY id").fetchall()
    assert len(rows) == len(requests) == 3      # 2 fields, one reask
    for (field, attempt, messages, output, tokens), req in zip(rows, requests):
        assert json.loads(messages) == req["messages"]
        assert f"FIELD: {field}" in json.loads(messages)[0]["content"]
        assert json.loads(output)["answers"] is not None and tokens
    assert [(r[0], r[1]) for r in rows][:2] == [("frameworks", 1), ("frameworks", 2)]
    assert json.loads(rows[0][3]) == {"answers": [{"sentence": 1, "value": "invented"}]}


def test_the_api_key_never_reaches_the_database(extracted):
    db, path, _, auth = extracted
    assert auth and all(a == f"Bearer {SECRET}" for a in auth)   # it was really used
    db.conn.execute("SELECT 1").fetchall()
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    assert len(files) >= 1
    for p in files:
        assert SECRET.encode() not in p.read_bytes(), p.name
        assert b"do-not-store" not in p.read_bytes(), p.name


def test_audit_lists_the_calls_of_a_field(extracted):
    db, path, _, _ = extracted
    calls = llm_calls(db, "paper000", "frameworks")
    assert [c.attempt for c in calls] == [1, 2] and all(c.field == "frameworks" for c in calls)
    assert calls[1].messages[-1]["role"] == "user"
    assert "value not grounded in its quote" in calls[1].messages[-1]["content"]
    assert len(llm_calls(db, "paper000")) == 3

    from extractor.cli import cli
    res = CliRunner().invoke(cli, ["audit", "paper000", "frameworks", "--calls", "--db",
                                   str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "LLM requests (2)" in res.output and "software/frameworks · attempt 2" in res.output
    assert "FIELD: frameworks" in res.output and '"value": "invented"' in res.output
    assert "value not grounded in its quote" in res.output


def test_default_threads_is_every_allowed_core_whatever_the_load(monkeypatch):
    from extractor.backends import llama
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    assert llama.default_threads() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {7}, raising=False)
    assert llama.default_threads() == 1
