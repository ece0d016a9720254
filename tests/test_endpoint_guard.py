"""Endpoint preflight, circuit breaker and token budget of a run, against the fake
OpenAI-compatible server (tests/fake_openai_server.py) through the real openai client.

Each fixture paper asks one field (frameworks: one unit, one request of 100 + 42 tokens)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from extractor.backends.openai_compat import OpenAIBackend
from extractor.backends.retry import RetryPolicy
from extractor.cli import cli
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import metered_server, write_papers  # noqa: F401 (the `server` fixture)
from serve_helpers import free_port

FAST = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02, max_seconds=20)
DOCS = [f"paper{i:03d}" for i in range(5)]


@pytest.fixture()
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    ingest_paths(db, write_papers(tmp_path / "papers", len(DOCS)))
    return db


def run(db, be, **kw):
    return run_extraction(db, be, load_schema(),
                          Settings(top_k=6, fields=["frameworks"], docs=DOCS, **kw))


def units(db):
    return db.execute("SELECT status, count(*) FROM group_results GROUP BY 1 ORDER BY 1"
                      ).fetchall()


def test_preflight_passes_and_costs_no_chat_request(server, db):
    rep = run(db, OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST))
    assert rep.stopped is None and rep.done == len(DOCS)
    assert server.count == len(DOCS)             # GET /models only; no probe completion


def test_connection_refused_stops_before_anything(db):
    url = f"http://127.0.0.1:{free_port()}/v1"
    rep = run(db, OpenAIBackend("fake-model", base_url=url, retry=FAST))
    assert rep.run_id is None and units(db) == []
    assert rep.stopped.startswith(f"endpoint check failed before the run: cannot reach {url} "
                                  "(model fake-model)")
    assert "Check that the server is running" in rep.stopped


def test_dns_failure_stops(db):
    url = "http://no-such-host.invalid/v1"
    rep = run(db, OpenAIBackend("m", base_url=url, api_key="sk-x", retry=FAST))
    assert f"cannot reach {url} (model m)" in rep.stopped and units(db) == []


def test_wrong_key_stops(server, db):
    server.api_key = "sk-right"
    rep = run(db, OpenAIBackend("fake-model", base_url=server.base_url, api_key="sk-wrong",
                                retry=FAST))
    assert f"{server.base_url} refused the API key (HTTP 401) for model fake-model: check " \
           "$OPENAI_API_KEY" in rep.stopped
    assert units(db) == [] and server.count == 0
    assert run(db, OpenAIBackend("fake-model", base_url=server.base_url, api_key="sk-right",
                                 retry=FAST)).done == len(DOCS)


def test_no_api_at_the_url_stops(server, db):
    server.models_status = 404
    rep = run(db, OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST))
    assert f"no OpenAI-compatible API at {server.base_url} (HTTP 404 on /models" in rep.stopped


def test_unknown_model_stops_naming_what_is_served(server, db):
    server.strict_model = True
    rep = run(db, OpenAIBackend("gpt-nope", base_url=server.base_url, retry=FAST))
    assert rep.stopped == ("endpoint check failed before the run: model gpt-nope is not served "
                           f"by {server.base_url} (HTTP 404); it serves: fake-model. Check "
                           "--model")
    assert units(db) == []


def test_unlisted_model_that_the_server_accepts_runs(server, db):
    # llama.cpp-style: any model name is served; the 1-token probe is not a 404
    rep = run(db, OpenAIBackend("any-name", base_url=server.base_url, retry=FAST))
    assert rep.stopped is None and rep.done == len(DOCS)


def test_circuit_breaker_stops_after_n_connection_failures_and_rerun_resumes(server, db):
    # every request is reset: units 1 and 2 fail (2 tries each) -> stop before unit 3
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    server.fail("reset", "reset", "reset", "reset")
    rep = run(db, be, breaker=2)
    assert (rep.done, rep.failed) == (0, 2)
    assert rep.stopped.startswith(f"2 units in a row could not connect to {server.base_url} "
                                  "(model fake-model):")
    assert rep.stopped.endswith("rerun with --retry-failed to resume")
    assert server.count == 4 and units(db) == [("failed", 2)]
    # the endpoint is back: a rerun does the rest, --retry-failed the two failed units
    again = run(db, be, breaker=2, retry_failed=True)
    assert again.stopped is None and again.done == len(DOCS)
    assert units(db) == [("done", len(DOCS))]


def test_breaker_counts_only_consecutive_failures(server, db):
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    # unit 1 cannot connect (reset x2); unit 2 gets an answer (HTTP 400, not retried): the
    # endpoint is there, the count starts again; unit 3 cannot connect; units 4-5 are fine
    server.fail("reset", "reset", "400", "reset", "reset")
    rep = run(db, be, breaker=2)
    assert rep.stopped is None and (rep.done, rep.failed) == (2, 3) and server.count == 7


def test_token_budget_stops_before_passing_it(server, db):
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    # unit 1: 0 used, nothing known -> starts (142); unit 2: 142 + 142 = 284 <= 300 -> starts;
    # unit 3: 284 + 142 = 426 > 300 -> stop
    rep = run(db, be, max_tokens=300)
    assert (rep.done, rep.tokens, server.count) == (2, 284, 2)
    assert rep.stopped.startswith("token budget: 284 tokens used, and the next unit may take "
                                  "up to 142 more (--token-budget 300)")
    more = run(db, be, max_tokens=1000)
    assert more.done == 3 and more.stopped is None


def test_cli_reports_the_stop_and_exits_1(tmp_path):
    path = tmp_path / "c.db"
    open_db(path).conn.close()
    ingest_paths(open_db(path), write_papers(tmp_path / "papers", 1))
    url = f"http://127.0.0.1:{free_port()}/v1"
    r = CliRunner().invoke(cli, ["extract", "--db", str(path), "--backend", "openai",
                                 "--model", "m", "--base-url", url])
    assert r.exit_code == 1
    assert "stopped" in r.output and f"cannot reach {url}" in r.output.replace("\n", "")
