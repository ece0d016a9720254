"""run_extraction's single entry to backends (extract_many), the --max-cost guard with
hand-computed numbers, and --breaker from the command line."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.backends.base import Backend
from extractor.backends.openai_compat import OpenAIBackend
from extractor.backends.retry import RetryPolicy
from extractor.cli import cli
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fake_openai_server import metered_server, write_papers  # noqa: F401 (the `server` fixture)
from test_extract import SCRIPT, ScriptedBackend, db  # noqa: F401 (fixture)

FAST = RetryPolicy(max_tries=1, base_delay=0.01, max_delay=0.02, max_seconds=20)
DOCS = [f"paper{i:03d}" for i in range(5)]


class Batching(ScriptedBackend):
    """Overrides extract_many, as a backend that batches requests would."""

    def __init__(self, script):
        super().__init__(script)
        self.batches = []

    def extract_many(self, tasks):
        self.batches.append([(t.doc_id, t.group.name) for t in tasks])
        return [self.extract(t) for t in tasks]


def test_run_goes_through_extract_many_a_document_at_a_time_when_overridden(db):  # noqa: F811
    be = Batching(SCRIPT)
    rep = run_extraction(db, be, load_schema(), Settings(top_k=None))
    groups = len(load_schema().groups)
    assert rep.done == 2 * groups
    # one call per document, with every group of it that has passages
    assert [len({d for d, _ in b}) for b in be.batches] == [1, 1]
    assert sum(len(b) for b in be.batches) == len(be.calls)
    assert ("a", "software") in be.batches[0] and ("b", "software") in be.batches[1]


def test_default_extract_many_gets_one_unit_at_a_time(db, monkeypatch):  # noqa: F811
    be = ScriptedBackend(SCRIPT)
    sizes = []
    loop = Backend.extract_many

    def spy(self, tasks):
        sizes.append(len(tasks))
        return loop(self, tasks)
    monkeypatch.setattr(Backend, "extract_many", spy)
    run_extraction(db, be, load_schema(), Settings(top_k=None))
    assert sizes and set(sizes) == {1} and len(sizes) == len(be.calls)


def test_a_backend_bug_in_extract_many_fails_its_units_and_the_run_goes_on(db):  # noqa: F811
    class Broken(Batching):
        def extract_many(self, tasks):
            if tasks[0].doc_id == "a":
                raise RuntimeError("bug")
            return super().extract_many(tasks)
    rep = run_extraction(db, Broken(SCRIPT), load_schema(), Settings(top_k=None))
    assert rep.failed >= 1 and rep.done >= 1
    assert {d for d, _, _ in rep.failures} == {"a"}
    assert all(e == "RuntimeError: bug" for *_, e in rep.failures)


# --- --max-cost -------------------------------------------------------------------------------

@pytest.fixture()
def papers_db(tmp_path):
    path = tmp_path / "t.db"
    ingest_paths(open_db(path), write_papers(tmp_path / "papers", len(DOCS)))
    return path


def run(path, be, **kw):
    return run_extraction(open_db(path), be, load_schema(),
                          Settings(top_k=6, fields=["frameworks"], docs=DOCS, **kw))


def test_max_cost_stops_before_passing_it_and_a_rerun_resumes(server, papers_db):
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    # one request per unit, 100 prompt + 42 completion tokens at $1 / $2 per 1M:
    # (100 * 1 + 42 * 2) / 1e6 = $0.000184 per unit.
    # unit 1: nothing known -> starts; unit 2: 0.000184 + 0.000184 = 0.000368 <= 0.0005 ->
    # starts; unit 3: 0.000368 + 0.000184 = 0.000552 > 0.0005 -> stop
    rep = run(papers_db, be, max_cost=0.0005, price=(1.0, 2.0))
    assert (rep.done, server.count) == (2, 2)
    assert rep.cost == pytest.approx(0.000368)
    assert rep.stopped.startswith("cost limit: $0.000368 spent (estimated), and the next unit "
                                  "may cost up to $0.000184 more (--max-cost 0.0005)")
    units = open_db(papers_db).execute("SELECT count(*) FROM group_results").fetchone()[0]
    assert units == 2                         # nothing half-written
    more = run(papers_db, be, max_cost=0.01, price=(1.0, 2.0))
    assert (more.done, more.skipped, more.stopped) == (3, 2, None)


def test_max_cost_without_a_price_stops_before_any_request(server, papers_db):
    be = OpenAIBackend("fake-model", base_url=server.base_url, retry=FAST)
    rep = run(papers_db, be, max_cost=1.0, price=None)
    assert rep.run_id is None and server.count == 0
    assert "no price for model fake-model" in rep.stopped


def test_cli_max_cost_reads_the_price_table(server, papers_db, tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"fake-model": {"prompt": 1.0, "completion": 2.0}}))
    r = CliRunner().invoke(cli, [
        "extract", "--db", str(papers_db), "--backend", "openai", "--model", "fake-model",
        "--base-url", server.base_url, "--fields", "frameworks", "--top-k", "6",
        "--max-cost", "0.0005"], env={"METHEX_PRICES": str(prices)})
    assert r.exit_code == 1, r.output
    assert "cost limit: $0.000368 spent" in r.output.replace("\n", "")
    assert server.count == 2


def test_cli_breaker_flag_sets_the_threshold(server, papers_db):
    # every request is reset (one try each, METHEX_RETRY_TRIES=1): --breaker 3 stops after
    # units 1-3 failed to connect, before unit 4
    server.fail(*["reset"] * 5)
    r = CliRunner().invoke(cli, [
        "extract", "--db", str(papers_db), "--backend", "openai", "--model", "fake-model",
        "--base-url", server.base_url, "--fields", "frameworks", "--breaker", "3"],
        env={"METHEX_RETRY_TRIES": "1"})
    assert r.exit_code == 1, r.output
    assert "3 units in a row could not connect" in r.output.replace("\n", "")
    assert server.count == 3
