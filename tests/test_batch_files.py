"""Batch files (extractor/batch.py): requests written for the OpenAI Batch API, answered by the
fault-injecting fake server through the batch runner, and imported; compared with a live run
of the same backend on the same papers."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.backends.openai_compat import OpenAIBackend
from extractor.backends.retry import RetryPolicy
from extractor.batch import parse_custom_id, run_batch
from extractor.batch_runner import run_requests
from extractor.cli import cli
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import metered_server, write_papers  # noqa: F401 (the `server` fixture)

FIELDS = ["frameworks", "optimizer", "hardware", "augmentation", "datasets"]   # 3 groups
N = 3
FAST = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02, max_seconds=20)
TABLES = ["runs", "group_results", "extractions", "field_values", "evidence", "llm_calls",
          "retrievals", "batch_answers", "batch_problems"]


@pytest.fixture()
def papers(tmp_path):
    return write_papers(tmp_path / "papers", N)


def new_db(tmp_path, name, papers):
    db = open_db(tmp_path / name)
    ingest_paths(db, papers)
    return db


def setup(server):
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    return be, Settings(top_k=6, fields=FIELDS, prompt_hash=be.prompt_hash)


VALUES = ("SELECT v.doc_id, v.field, v.value, v.accepted, v.reason, v.quote, v.grounding,"
          " g.cache_key FROM field_values v JOIN extractions x ON x.id = v.extraction_id"
          " JOIN group_results g ON g.id = x.group_result_id ORDER BY 1, 2, 3, 4")
CALLS = ("SELECT doc_id, grp, field, attempt, messages, output, error, prompt_tokens,"
         " completion_tokens FROM llm_calls ORDER BY doc_id, grp, field, attempt")
UNITS = "SELECT doc_id, grp, cache_key, status, error FROM group_results ORDER BY 1, 2"


def rows(db, sql):
    return db.execute(sql).fetchall()


def snapshot(db):
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}


def round_trip(db, be, settings, server, tmp_path, tag=""):
    req, res = tmp_path / f"req{tag}.jsonl", tmp_path / f"res{tag}.jsonl"
    out = run_batch(db, be, load_schema(), settings, requests=req)
    ran = run_requests(req, server.base_url, res)
    return out, ran, run_batch(db, be, load_schema(), settings, results=res)


def test_round_trip_stores_what_a_live_run_stores(server, papers, tmp_path):
    be, settings = setup(server)
    live = new_db(tmp_path, "live.db", papers)
    rep = run_extraction(live, be, load_schema(), settings)
    assert (rep.done, rep.failed) == (N * 3, 0)
    live_requests = server.count

    batch = new_db(tmp_path, "batch.db", papers)
    sent = server.count
    out, ran, back = round_trip(batch, be, settings, server, tmp_path)
    # writing the requests sends nothing and stores nothing that needs an answer
    assert out.written == live_requests == ran.requests == ran.ok
    assert out.run.held == N * 3 and out.run.done == 0
    assert server.count - sent == live_requests        # only the runner's POSTs
    assert (back.imported, back.run.done, back.run.held, back.problems) == \
        (live_requests, N * 3, 0, [])
    assert rows(batch, VALUES) == rows(live, VALUES) and rows(live, VALUES)
    assert rows(batch, CALLS) == rows(live, CALLS)
    assert rows(batch, UNITS) == rows(live, UNITS)

    # every line is the OpenAI Batch input format; custom_id names run config/doc/group/field
    lines = [json.loads(t) for t in (tmp_path / "req.jsonl").read_text().splitlines()]
    assert {(x["method"], x["url"]) for x in lines} == {("POST", "/v1/chat/completions")}
    key, doc, group, field, sha = parse_custom_id(lines[0]["custom_id"])
    assert doc == "paper000" and field in FIELDS and len(sha) == 32
    assert key == rows(batch, UNITS)[0][2]
    # the body is the request the live run POSTed to the server (same JSON object)
    assert lines[0]["body"] in server.requests


def test_second_import_changes_nothing(server, papers, tmp_path):
    be, settings = setup(server)
    db = new_db(tmp_path, "b.db", papers)
    _, _, first = round_trip(db, be, settings, server, tmp_path)
    assert first.run.done == N * 3
    before = snapshot(db)
    again = run_batch(db, be, load_schema(), settings, results=tmp_path / "res.jsonl")
    assert (again.imported, again.run.run_id, again.run.done, again.already) == \
        (0, None, 0, first.lines)
    assert snapshot(db) == before
    # and nothing is pending: a further --batch-out writes nothing
    assert run_batch(db, be, load_schema(), settings,
                     requests=tmp_path / "more.jsonl").written == 0


def test_reask_goes_out_in_a_second_batch_like_the_live_reask(server, papers, tmp_path):
    be, settings = setup(server)
    live = new_db(tmp_path, "live.db", papers)
    server.fail("bad_quote")        # the first request's value is not in its sentence
    run_extraction(live, be, load_schema(), settings)

    db = new_db(tmp_path, "b.db", papers)
    server.fail("bad_quote")        # ... and the same first request in the batch
    out, ran, back = round_trip(db, be, settings, server, tmp_path)
    assert back.run.held == 1 and back.run.done == N * 3 - 1      # one unit waits
    more = run_batch(db, be, load_schema(), settings, requests=tmp_path / "reask.jsonl")
    assert more.written == 1 and more.run.held == 1
    body = json.loads((tmp_path / "reask.jsonl").read_text())["body"]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert "rejected by a check" in body["messages"][2]["content"]
    run_requests(tmp_path / "reask.jsonl", server.base_url, tmp_path / "reask-res.jsonl")
    done = run_batch(db, be, load_schema(), settings, results=tmp_path / "reask-res.jsonl")
    assert (done.run.done, done.run.held, done.problems) == (1, 0, [])
    assert rows(db, VALUES) == rows(live, VALUES)
    assert any(not r[3] for r in rows(db, VALUES))     # the rejected value is stored as such
    assert rows(db, CALLS) == rows(live, CALLS)


def answered(db, be, settings, server, tmp_path):
    req, res = tmp_path / "req.jsonl", tmp_path / "res.jsonl"
    run_batch(db, be, load_schema(), settings, requests=req)
    run_requests(req, server.base_url, res)
    return [json.loads(t) for t in res.read_text().splitlines()]


def write_lines(path, lines):
    path.write_text("".join((t if isinstance(t, str) else json.dumps(t)) + "\n"
                            for t in lines))


def test_malformed_lines_are_recorded_with_their_reason_and_the_rest_imports(
        server, papers, tmp_path):
    be, settings = setup(server)
    db = new_db(tmp_path, "b.db", papers)
    results = answered(db, be, settings, server, tmp_path)
    def unit(r):
        return tuple(parse_custom_id(r["custom_id"])[1:3])
    # two lines of two different units
    other = next(i for i, r in enumerate(results) if unit(r) != unit(results[0]))
    broken = dict(results[0], response={"status_code": 200, "body": "not a completion"})
    error = dict(results[other], response={"status_code": 500, "body": {"error": {
        "message": "the GPU fell over"}}})
    rest = [r for i, r in enumerate(results) if i not in (0, other)]
    path = tmp_path / "mixed.jsonl"
    write_lines(path, ["{this is not json", broken, error, *rest])
    rep = run_batch(db, be, load_schema(), settings, results=path)
    reasons = {line: reason for line, _, reason in rep.problems}
    assert reasons[1].startswith("malformed line: not JSON")
    assert reasons[2] == "malformed line: response is not a chat completion with status_code 200"
    assert reasons[3].startswith("HTTP 500") and "the GPU fell over" in reasons[3]
    stored = {(r["line"], r["reason"]) for r in
              [dict(zip(("line", "reason"), x)) for x in
               rows(db, "SELECT line, reason FROM batch_problems")]}
    assert stored == set(reasons.items())
    # the two units with a bad answer fail as a live error would, with the reason; the rest
    # are done
    failed = rows(db, "SELECT doc_id, grp, error FROM group_results WHERE status = 'failed'")
    units = {unit(results[0]), unit(results[other])}
    assert {(d, g) for d, g, _ in failed} == units
    errors = " ".join(e for *_, e in failed)
    assert "malformed line" in errors and "the GPU fell over" in errors
    assert rep.run.done == N * 3 - len(units) and rep.run.failed == len(units)
    # the failed unit's request goes out again with --retry-failed
    retry = run_batch(db, be, load_schema(), Settings(**{**settings.__dict__,
                                                         "retry_failed": True}),
                      requests=tmp_path / "again.jsonl")
    assert retry.written >= 2


def test_unknown_custom_ids_are_recorded_and_do_not_stop_the_import(server, papers, tmp_path):
    be, settings = setup(server)
    db = new_db(tmp_path, "b.db", papers)
    results = answered(db, be, settings, server, tmp_path)
    key, doc, group, field, sha = parse_custom_id(results[0]["custom_id"])
    foreign = dict(results[0], custom_id="request-17")
    other_config = dict(results[0], custom_id=f"{'0' * 16}/{doc}/{group}/{field}/{sha}")
    no_such_body = dict(results[0], custom_id=f"{key}/{doc}/{group}/{field}/{'f' * 32}")
    path = tmp_path / "res2.jsonl"
    write_lines(path, [foreign, other_config, no_such_body, *results])
    rep = run_batch(db, be, load_schema(), settings, results=path)
    assert [(line, reason.split(":")[0]) for line, _, reason in rep.problems] == \
        [(1, "unknown custom_id"), (2, "unknown custom_id"), (3, "unknown custom_id")]
    assert "another configuration" in rep.problems[1][2]
    assert "no pending request" in rep.problems[2][2]
    assert rep.run.done == N * 3 and rep.run.failed == 0


def test_cli_round_trip_matches_live_export(server, papers, tmp_path):
    base = ["--backend", "openai", "--model", "fake-model", "--base-url", server.base_url,
            "--fields", ",".join(FIELDS)]
    live, batch = tmp_path / "live.db", tmp_path / "batch.db"
    for path in (live, batch):
        ingest_paths(open_db(path), papers)
    run = CliRunner().invoke
    r = run(cli, ["extract", "--db", str(live), *base])
    assert r.exit_code == 0, r.output
    req, res = tmp_path / "req.jsonl", tmp_path / "res.jsonl"
    r = run(cli, ["extract", "--db", str(batch), *base, "--batch-out", str(req)])
    assert r.exit_code == 0 and "wrote 15 requests for 9 units" in r.output, r.output
    r = run(cli, ["batch-run", str(req), "--base-url", server.base_url, "--out", str(res)])
    assert r.exit_code == 0 and "15 answered, 0 failed" in r.output, r.output
    r = run(cli, ["extract", "--db", str(batch), *base, "--batch-in", str(res)])
    assert r.exit_code == 0 and "15 new answers" in r.output, r.output
    exports = [run(cli, ["export", "--db", str(p)]).output for p in (live, batch)]
    assert exports[0] == exports[1] and "PyTorch" in exports[0]


def test_batch_files_need_the_openai_backend(papers, tmp_path):
    db = tmp_path / "r.db"
    ingest_paths(open_db(db), papers)
    r = CliRunner().invoke(cli, ["extract", "--db", str(db), "--batch-out",
                                 str(tmp_path / "x.jsonl")])
    assert r.exit_code == 1 and "batch files need --backend openai, not rules" in r.output
