"""Cost ledger (extractor/costs.py) with hand-computed numbers."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.costs import DEFAULT_PRICES, PriceError, cost, ledger, load_prices
from fixture_db import add_run, build_fixture_db


def _call(db, run, doc, grp, attempt, pt, ct, error=None):
    with db.conn:
        db.conn.execute("INSERT INTO llm_calls (run_id, doc_id, grp, attempt, prompt_tokens,"
                        " completion_tokens, error, created_at) VALUES (?,?,?,?,?,?,?,?)",
                        [run, doc, grp, attempt, pt, ct, error, "2026-01-01T00:00:00+00:00"])


@pytest.fixture
def db(tmp_path):
    db = build_fixture_db(tmp_path / "c.db")    # run 1 (rules): 5 units x one call 900 + 120
    r = add_run(db, "openai", "gpt-4o-mini")
    _call(db, r, "paper_a", "software", 1, 1000, 200)
    _call(db, r, "paper_a", "software", 2, 1000, 100)      # a re-ask
    _call(db, r, "paper_a", "training", 1, None, None, error="timed out")
    _call(db, r, "paper_b", "training", 1, 2000, 300)
    return db


def test_ledger_hand_computed(db):
    rules, llm = ledger(db, prices=load_prices())
    # fixture run 1: 6 units (paper_c training failed but its call is logged) of 900 + 120
    assert (rules.run_id, rules.total.calls, rules.total.prompt_tokens) == (1, 6, 5400)
    assert rules.total.cost == 0.0 and rules.papers == 3
    t = llm.total
    assert (t.calls, t.retries, t.failed, t.prompt_tokens, t.completion_tokens) == \
        (4, 1, 1, 4000, 600)
    # gpt-4o-mini: 4000 x 0.15 / 1M + 600 x 0.60 / 1M = 0.0006 + 0.00036
    assert t.cost == pytest.approx(0.00096)
    assert llm.papers == 2 and llm.tokens_per_paper == 2300
    assert {g: (x.calls, x.tokens) for g, x in llm.groups.items()} == {
        "software": (2, 2300), "training": (2, 2300)}
    assert llm.groups["software"].cost == pytest.approx((2000 * 0.15 + 300 * 0.6) / 1e6)


def test_user_prices_override_and_unknown_model(db, tmp_path, monkeypatch):
    f = tmp_path / "prices.json"
    f.write_text(json.dumps({"gpt-4o-mini": {"prompt": 2, "completion": 10}}))
    monkeypatch.setenv("METHEX_PRICES", str(f))
    (llm,) = ledger(db, 2)
    assert llm.total.cost == pytest.approx((4000 * 2 + 600 * 10) / 1e6)     # 0.014
    assert load_prices()["gpt-4o"] == DEFAULT_PRICES["gpt-4o"]
    monkeypatch.delenv("METHEX_PRICES")
    assert ledger(db, 2, prices={})[0].total.cost is None
    assert cost(1_000_000, 0, None) is None
    f.write_text(json.dumps({"m": {"prompt": "x"}}))
    with pytest.raises(PriceError, match="'m' needs numeric"):
        load_prices(f)
    with pytest.raises(KeyError, match="no run 9"):
        ledger(db, 9)


def test_cli_costs(db, tmp_path):
    db.conn.close()
    r = CliRunner().invoke(cli, ["costs", "--run", "2", "--json", "--db",
                                 str(tmp_path / "c.db")])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)
    assert (row["calls"], row["retries"], row["papers"], row["tokens_per_paper"]) == \
        (4, 1, 2, 2300)
    assert row["cost"] == pytest.approx(0.00096)
    r = CliRunner().invoke(cli, ["costs", "--db", str(tmp_path / "c.db")])
    assert r.exit_code == 0 and "$0.0010" in r.output and "run 2: openai / gpt-4o-mini" in r.output
