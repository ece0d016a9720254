"""Batch files round trip against a real llama_cpp.server (SmolLM2-135M): the requests that
`--batch-out` writes, answered by the server through the batch runner and imported with
`--batch-in` (rounds repeated while re-asks are pending), store the same values and the same
requests as a live run of the same backend on the same papers."""
from __future__ import annotations

import json

import pytest

from extractor.backends.openai_compat import OpenAIBackend
from extractor.batch import run_batch
from extractor.batch_runner import run_requests
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import write_papers
from test_integration_openai_server import server  # noqa: F401 (module fixture)

pytestmark = pytest.mark.integration

FIELDS = ["frameworks", "optimizer", "hardware"]
VALUES = ("SELECT doc_id, field, value, accepted, reason, quote FROM field_values"
          " ORDER BY 1, 2, 3, 4")
CALLS = ("SELECT doc_id, grp, field, attempt, messages, output, prompt_tokens,"
         " completion_tokens FROM llm_calls ORDER BY doc_id, grp, field, attempt")


def _json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def test_batch_round_trip_through_llama_cpp_server(server, tmp_path, monkeypatch):  # noqa: F811
    base, model_id = server
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    papers = write_papers(tmp_path / "papers", 2)
    be = OpenAIBackend(model_id, base_url=base, max_tokens=256, timeout=120)
    settings = Settings(top_k=6, fields=FIELDS, prompt_hash=be.prompt_hash)
    live, batch = open_db(tmp_path / "live.db"), open_db(tmp_path / "batch.db")
    for db in (live, batch):
        ingest_paths(db, papers)
    rep = run_extraction(live, be, load_schema(), settings)
    assert rep.failed == 0 and rep.done == 4          # 2 papers x (software, training)
    live_calls = live.execute("SELECT count(*) FROM llm_calls").fetchone()[0]

    rounds, requests = 0, 0
    while True:
        rounds += 1
        req, res = tmp_path / f"req{rounds}.jsonl", tmp_path / f"res{rounds}.jsonl"
        out = run_batch(batch, be, load_schema(), settings, requests=req)
        if out.written == 0:
            break
        requests += out.written
        ran = run_requests(req, base, res, timeout=120)
        assert ran.ok == out.written, ran
        back = run_batch(batch, be, load_schema(), settings, results=res)
        assert back.problems == []
        assert rounds < 5, "re-asks did not converge"
    assert requests == live_calls
    assert batch.execute(VALUES).fetchall() == live.execute(VALUES).fetchall()
    got, want = batch.execute(CALLS).fetchall(), live.execute(CALLS).fetchall()
    assert len(got) == len(want)
    # every request (prompt, re-asks with the earlier answer) is the live one, byte for byte;
    # the model's raw output is compared as JSON: llama.cpp reuses the KV cache of the
    # previous prompt, which differs in a batch's order, and the same answer then comes with
    # other white space (seen: '{ "answers": []}' vs '{ "answers": [] }')
    assert [(g[:5], _json(g[5])) for g in got] == [(w[:5], _json(w[5])) for w in want]
    assert batch.execute("SELECT count(*) FROM group_results WHERE status = 'done'"
                         ).fetchone()[0] == 4
