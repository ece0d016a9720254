"""LLM faults on the openai backend, end to end: real openai client -> HTTP -> fake server.

Each test queues faults on tests/fake_openai_server.py, runs run_extraction on ingested
fixture papers and checks the stored rows: group_results status/error, extractions, and one
llm_calls row per request (retries included) with its tokens or its error text.
"""
from __future__ import annotations

import time

import pytest

from extractor.backends.openai_compat import OpenAIBackend
from extractor.backends.retry import RetryPolicy, classify, parse_retry_after
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import FakeOpenAI, write_papers

PROMPT_TOKENS, COMPLETION_TOKENS = 100, 42
FAST = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.05, max_seconds=20)


@pytest.fixture()
def server():
    s = FakeOpenAI(timeout_sleep=1.5, retry_after=1, prompt_tokens=PROMPT_TOKENS,
                   completion_tokens=COMPLETION_TOKENS).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture()
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    ingest_paths(db, write_papers(tmp_path / "papers", 2))
    return db


def backend(server, retry=FAST, timeout=0.5):
    return OpenAIBackend("fake-model", base_url=server.base_url, timeout=timeout, retry=retry)


def run(db, be, docs=("paper000",), **kw):
    # one field -> one group ("software") -> one unit per document
    return run_extraction(db, be, load_schema(),
                          Settings(top_k=6, fields=["frameworks"], docs=list(docs), **kw))


def unit(db, doc="paper000"):
    status, error = db.execute("SELECT status, error FROM group_results WHERE doc_id = ?",
                               [doc]).fetchone()
    calls = db.execute("SELECT attempt, prompt_tokens, completion_tokens, error FROM llm_calls "
                       "WHERE doc_id = ? AND group_result_id IS NOT NULL ORDER BY attempt",
                       [doc]).fetchall()
    return status, error, calls


def frameworks(db, doc="paper000"):
    row = db.execute("SELECT id, status FROM current_extractions WHERE doc_id = ? AND "
                     "field = 'frameworks'", [doc]).fetchone()
    if row is None:
        return None, []
    vals = db.execute("SELECT value, accepted, reason FROM field_values WHERE extraction_id = ?",
                      [row[0]]).fetchall()
    return row[1], vals


OK = (PROMPT_TOKENS, COMPLETION_TOKENS)


@pytest.mark.parametrize("fault, error_class", [
    ("timeout", "APITimeoutError"),
    ("500", "InternalServerError"),
    ("503", "InternalServerError"),
    ("reset", "APIConnectionError"),
    ("bad_body", "JSONDecodeError"),
])
def test_transport_fault_is_retried_and_every_request_recorded(server, db, fault, error_class):
    server.fail(fault)
    report = run(db, backend(server))
    assert report.done == 1 and report.failed == 0
    status, error, calls = unit(db)
    assert status == "done" and error is None
    assert server.served == [fault, "ok"]
    # the failed request: an error and no tokens; the retry: the tokens the server reported
    assert [c[0] for c in calls] == [1, 2]
    assert calls[0][1:3] == (None, None) and calls[0][3].startswith(error_class)
    assert calls[1][1:] == (*OK, None)
    assert frameworks(db) == ("reported", [("PyTorch", 1, None)])


def test_rate_limit_honours_retry_after(server, db):
    server.fail("429")
    t0 = time.monotonic()
    report = run(db, backend(server))    # backoff is 10 ms; the server asks for 1 s
    assert time.monotonic() - t0 >= 1.0
    assert report.done == 1 and server.served == ["429", "ok"]
    _, _, calls = unit(db)
    assert calls[0][3].startswith("RateLimitError") and calls[1][1:] == (*OK, None)


def test_retry_after_beyond_the_budget_fails_at_once(server, db):
    server.retry_after = 30
    server.fail("429")
    t0 = time.monotonic()
    report = run(db, backend(server, RetryPolicy(max_tries=5, base_delay=0.01, max_seconds=5)))
    assert time.monotonic() - t0 < 3 and server.count == 1
    status, error, calls = unit(db)
    assert status == "failed" and "a 30.0 s wait would pass the retry budget of 5 s" in error
    assert report.failures == [("paper000", "software", error)] and len(calls) == 1


@pytest.mark.parametrize("fault", ["invalid_json", "truncated"])
def test_unparseable_answer_gets_one_reask_and_both_are_counted(server, db, fault):
    server.fail(fault)
    report = run(db, backend(server))
    assert report.done == 1 and server.served == [fault, "ok"]
    _, _, calls = unit(db)
    # both requests were answered, so both cost tokens; the first also says why it failed
    assert [c[1:3] for c in calls] == [OK, OK]
    assert "Invalid JSON" in calls[0][3] and calls[1][3] is None
    assert frameworks(db)[0] == "reported"
    # the reask told the model what was wrong with its answer
    assert "Invalid JSON" in str(server.requests[1]["messages"])


def test_unparseable_twice_starts_a_fresh_try_only_above_temperature_0(server, db):
    server.fail("invalid_json", "truncated")
    report = run(db, backend(server))
    # at temperature 0 a fresh try would be the first request again, byte for byte
    assert report.failed == 1 and server.served == ["invalid_json", "truncated"]
    db.execute("DELETE FROM group_results")
    server.fail("invalid_json", "truncated")
    be = backend(server)
    be.temperature = 0.7
    report = run(db, be)
    assert report.done == 1 and server.served[2:] == ["invalid_json", "truncated", "ok"]
    _, _, calls = unit(db)
    assert [c[0] for c in calls] == [1, 2, 3]
    assert [c[1:3] for c in calls] == [OK, OK, OK]
    assert calls[0][3] and calls[1][3] and calls[2][3] is None
    # the fresh try starts from the original prompt, not the failed conversation
    assert len(server.requests[-1]["messages"]) == 1


def test_value_failing_verification_is_reasked_with_the_reason_then_accepted(server, db):
    server.fail("bad_quote")
    run(db, backend(server))
    _, _, calls = unit(db)
    assert len(calls) == 2 and calls[0][3] is None      # answered fine, but not verified
    assert "value not grounded in its quote" in str(server.requests[1]["messages"])
    assert frameworks(db) == ("reported", [("invented", 0, "value not grounded in its quote"),
                                           ("PyTorch", 1, None)])


def test_quote_failing_twice_is_stored_as_rejected_not_reported(server, db):
    server.fail("bad_quote", "bad_quote")
    report = run(db, backend(server))
    assert report.done == 1 and server.count == 2      # no third request: verification decides
    status, vals = frameworks(db)
    assert status == "unknown"
    assert vals == [("invented", 0, "value not grounded in its quote")]


@pytest.mark.parametrize("fault, message", [
    ("length", "cut off at max_tokens"),
    ("400", "BadRequestError"),
])
def test_deterministic_fault_is_not_retried(server, db, fault, message):
    server.fail(fault)
    report = run(db, backend(server))
    assert report.failed == 1 and server.count == 1
    status, error, calls = unit(db)
    assert status == "failed" and message in error and len(calls) == 1
    assert frameworks(db) == (None, [])


def test_spent_budget_fails_the_unit_and_the_batch_goes_on(server, db):
    server.fail("500", "503", "timeout")           # all three tries of paper000
    report = run(db, backend(server), docs=("paper000", "paper001"))
    assert report.failed == 1 and report.done == 1
    status, error, calls = unit(db)
    assert status == "failed" and "gave up: 3 tries" in error and "APITimeoutError" in error
    assert [c[0] for c in calls] == [1, 2, 3] and all(c[3] for c in calls)
    assert all(c[1] is None for c in calls)
    assert unit(db, "paper001")[0] == "done"
    assert frameworks(db, "paper001")[0] == "reported"


def test_retry_failed_reruns_exactly_the_failed_units_and_keeps_their_cost(server, db):
    server.fail("500", "500", "500")
    run(db, backend(server), docs=("paper000", "paper001"))
    assert unit(db)[0] == "failed" and server.count == 4
    assert run(db, backend(server), docs=("paper000", "paper001")).skipped == 2
    assert server.count == 4                          # a plain rerun sends nothing
    report = run(db, backend(server), docs=("paper000", "paper001"), retry_failed=True)
    assert report.done == 1 and report.skipped == 1 and server.count == 5
    assert unit(db)[0] == "done" and frameworks(db)[0] == "reported"
    # the three failed requests of the first run are still accounted for
    rows = db.execute("SELECT run_id, attempt, error IS NOT NULL FROM llm_calls WHERE "
                      "doc_id = 'paper000' ORDER BY id").fetchall()
    assert [r[2] for r in rows] == [1, 1, 1, 0] and rows[0][0] != rows[-1][0]


def test_concurrent_workers_each_retry_their_own_faults(server, tmp_path):
    db = open_db(tmp_path / "c.db")
    ingest_paths(db, write_papers(tmp_path / "many", 6))
    server.latency = 0.05
    server.fail("500", "reset", "429")
    server.retry_after = 0.2
    report = run_extraction(db, backend(server), load_schema(),
                            Settings(top_k=6, fields=["frameworks"], concurrency=3))
    assert report.done == 6 and report.failed == 0
    assert server.count == 9
    assert db.execute("SELECT count(*) FROM llm_calls WHERE error IS NOT NULL").fetchone()[0] == 3
    assert db.execute("SELECT sum(prompt_tokens), sum(completion_tokens) FROM llm_calls"
                      ).fetchone() == (6 * PROMPT_TOKENS, 6 * COMPLETION_TOKENS)


# --- the policy itself ------------------------------------------------------------------------

def test_retry_after_parsing():
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"},
                             now=1445412480.0) == 10.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_is_exponential_capped_and_jittered():
    p = RetryPolicy(base_delay=1, max_delay=5, jitter=0)
    assert [p.backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    j = RetryPolicy(base_delay=1, max_delay=5, jitter=0.2)
    assert all(0.8 <= j.backoff(1) <= 1.2 for _ in range(50))


def test_policy_from_env_and_bad_values():
    p = RetryPolicy.from_env(RetryPolicy(max_tries=2), {"METHEX_RETRY_SECONDS": "7",
                                                        "METHEX_RETRY_TRIES": ""})
    assert p.max_tries == 2 and p.max_seconds == 7
    with pytest.raises(ValueError, match="METHEX_RETRY_TRIES='many' is not a number"):
        RetryPolicy.from_env(environ={"METHEX_RETRY_TRIES": "many"})
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_tries=0)


def test_unknown_errors_are_not_retried():
    assert classify(RuntimeError("bug")).retryable is False
    assert classify(ValueError("x")).kind == "fatal"


def test_the_seconds_budget_bounds_a_slow_request_too(server, db):
    # no fault at all, but each answer takes 2 s and the unit may spend 0.8 s in total
    server.latency = 2.0
    t0 = time.monotonic()
    report = run(db, backend(server, RetryPolicy(max_tries=5, base_delay=0.01, max_seconds=0.8),
                             timeout=30))
    assert time.monotonic() - t0 < 1.8
    status, error, calls = unit(db)
    assert status == "failed" and "APITimeoutError" in error and "retry budget" in error
    assert report.failed == 1 and len(calls) == 1
