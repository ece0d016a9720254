"""Consensus runs (extractor/consensus.py) on scripted runs with hand-computed agreement.

The fixture database holds run 1 (tests/fixture_db.py). Two more runs are scripted here:

run 2 (model m2): paper_a software: frameworks PyTorch (a shorter quote), hardware "RTX 3090";
                  paper_a training: optimizer Adam, hyperparameters "learning rate = 0.0001";
                  paper_b software: frameworks Keras (its quote overlaps run 1's Pytorch quote),
                  hardware unknown.
run 3 (model m3): paper_a software only: hardware "RTX 3090", frameworks unknown.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.consensus import (ConsensusError, Evidence, RunValue, agree_field,
                                 build_consensus, values_match)
from fixture_db import add_group_result, add_run, build_fixture_db


@pytest.fixture
def db(tmp_path):
    db = build_fixture_db(tmp_path / "c.db")
    r2 = add_run(db, "scripted", "m2")
    add_group_result(db, r2, "paper_a", "software", {
        "frameworks": [("PyTorch", "implemented in PyTorch", "exact")],
        "hardware": [("RTX 3090", "one NVIDIA RTX 3090 GPU", "exact")]})
    add_group_result(db, r2, "paper_a", "training", {
        "optimizer": [("Adam", "We used the Adam optimizer", "exact")],
        "hyperparameters": [("learning rate = 0.0001", "a learning rate of 0.0001", "exact")]})
    add_group_result(db, r2, "paper_b", "software", {
        "frameworks": [("Keras", "The convolutional network was implemented in Pytorch",
                        "exact")]})
    r3 = add_run(db, "scripted", "m3")
    add_group_result(db, r3, "paper_a", "software", {
        "hardware": [("RTX 3090", "NVIDIA RTX 3090 GPU", "exact")]})
    assert (r2, r3) == (2, 3)
    return db


def _consensus_field(db, run_id, doc, field):
    """(extraction status, reason, consensus status, runs_reporting, runs_total, max_agree)"""
    return db.execute(
        "SELECT x.status, x.reason, cf.status, cf.runs_reporting, cf.runs_total, cf.max_agree"
        " FROM extractions x JOIN consensus_fields cf ON cf.extraction_id = x.id"
        " WHERE x.run_id = ? AND x.doc_id = ? AND x.field = ?", [run_id, doc, field]).fetchone()


def _values(db, run_id, doc, field):
    """{value: (accepted, agree, runs_total, score, runs, evidence count, reason)}"""
    rows = db.execute(
        "SELECT fv.value, fv.accepted, cv.agree, cv.runs_total, cv.score, cv.runs,"
        " (SELECT count(*) FROM evidence e WHERE e.value_id = fv.id), fv.reason"
        " FROM field_values fv JOIN extractions x ON x.id = fv.extraction_id"
        " JOIN consensus_values cv ON cv.value_id = fv.id"
        " WHERE x.run_id = ? AND x.doc_id = ? AND x.field = ?", [run_id, doc, field])
    return {r[0]: (r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows}


def test_consensus_min_agree_2_hand_computed(db):
    rep = build_consensus(db, [1, 2, 3], min_agree=2)
    c = rep.run_id
    assert c == 4
    run = db.execute("SELECT backend, model, settings FROM runs WHERE id = ?", [c]).fetchone()
    assert run[:2] == ("consensus", "runs 1,2,3")
    assert json.loads(run[2]) == {"runs": [1, 2, 3], "min_agree": 2}
    # units: paper_a software, paper_a training, paper_b software, paper_b training,
    # paper_c software (paper_c training failed in run 1 and no other run did it)
    assert rep.units == 5

    # frameworks of paper_a: runs 1 and 2 (same key), run 3 looked and found none: 2 of 3;
    # two different quotes -> two evidence rows
    assert _values(db, c, "paper_a", "frameworks") == {
        "PyTorch": (1, 2, 3, 0.6667, [1, 2], 2, None)}
    # hardware: keys differ (rtx3090gpu vs rtx3090) but the evidence overlaps and the words of
    # "RTX 3090" are inside "NVIDIA RTX 3090 GPU": all 3 agree; "RTX 3090" is the spelling
    # of two runs; three distinct quotes
    assert _values(db, c, "paper_a", "hardware") == {
        "RTX 3090": (1, 3, 3, 1.0, [1, 2, 3], 3, None)}
    assert _consensus_field(db, c, "paper_a", "hardware") == ("reported", None, "reported",
                                                               3, 3, 3)
    # training: run 3 has no training unit, so 2 runs look at it
    hp = _values(db, c, "paper_a", "hyperparameters")
    assert hp["learning rate = 0.0001"][:5] == (1, 2, 2, 1.0, [1, 2])
    assert hp["batch size = 16"] == (0, 1, 2, 0.5, [1], 0, "agreed by 1 of 2 runs (run 1), "
                                                           "fewer than --min-agree 2")
    assert _values(db, c, "paper_a", "optimizer")["Adam"][:2] == (1, 2)

    # paper_b frameworks: run 1 Pytorch, run 2 Keras on overlapping evidence but no shared
    # word: conflicting, and with K=2 unknown
    st = _consensus_field(db, c, "paper_b", "frameworks")
    assert st[0] == "unknown" and st[2:] == ("conflicting", 2, 2, 1)
    assert st[1] == ("conflicting: the runs report different values "
                     "(run 1: Pytorch; run 2: Keras)")
    # paper_b hardware: only run 1 reports it
    assert _consensus_field(db, c, "paper_b", "hardware") == (
        "unknown", "no value agreed by 2 runs (at most 1 of 2)", "unknown", 1, 2, 1)
    # paper_a regularization: nobody reports it
    assert _consensus_field(db, c, "paper_a", "regularization")[1] == \
        "none of the 2 runs reports a value"

    assert (rep.reported, rep.conflicting) == (4, 1)     # paper_a: 4 fields above
    # every accepted consensus value's evidence is exactly the document text
    bad = db.execute(
        'SELECT count(*) FROM evidence e JOIN field_values fv ON fv.id = e.value_id'
        " JOIN extractions x ON x.id = fv.extraction_id JOIN documents d ON d.id = e.doc_id"
        ' WHERE x.run_id = ? AND substr(d.text, e.start + 1, e."end" - e.start) != e.quote',
        [c]).fetchone()[0]
    assert bad == 0
    # the consensus run is the current one: current values follow it
    cur = db.execute("SELECT field, value FROM current_values WHERE doc_id = 'paper_a'"
                     " ORDER BY field, value").fetchall()
    assert cur == [("frameworks", "PyTorch"), ("hardware", "RTX 3090"),
                   ("hyperparameters", "learning rate = 0.0001"), ("optimizer", "Adam")]


def test_consensus_rerun_is_a_noop_and_min_agree_1_is_the_union(db):
    first = build_consensus(db, [1, 2, 3], min_agree=2)
    again = build_consensus(db, [1, 2, 3], min_agree=2)
    assert again.run_id is None and again.skipped == first.units
    union = build_consensus(db, [1, 2], min_agree=1)
    c = union.run_id
    assert c == first.run_id + 1
    vals = _values(db, c, "paper_b", "frameworks")
    assert {v: x[:3] for v, x in vals.items()} == {"Pytorch": (1, 1, 2), "Keras": (1, 1, 2)}
    assert _consensus_field(db, c, "paper_b", "frameworks")[0:4:2] == ("reported",
                                                                      "conflicting")


def test_consensus_refuses_bad_input(db):
    with pytest.raises(ConsensusError, match="at least two"):
        build_consensus(db, [1, 1])
    with pytest.raises(ConsensusError, match="no such run: 9"):
        build_consensus(db, [1, 9])
    with pytest.raises(ConsensusError, match="more than the 2 runs"):
        build_consensus(db, [1, 2], min_agree=3)


def _v(run, vid, value, key, *spans):
    return RunValue(run, vid, value, key, value, "verbatim", value,
                    tuple(Evidence(s, e, None, None, "exact") for s, e in spans))


def test_matching_rules():
    a = _v(1, 1, "PyTorch", "pytorch", (0, 30))
    tf = _v(2, 2, "TensorFlow", "tensorflow", (10, 40))
    assert not values_match(a, tf)                  # same sentence, different things
    assert values_match(a, tf, descriptive=True)    # descriptive: overlapping evidence is enough
    adam, adam_opt = _v(1, 3, "Adam", "adam", (0, 20)), _v(2, 4, "Adam optimizer",
                                                         "adam optimizer", (5, 25))
    assert values_match(adam, adam_opt)
    far = _v(2, 5, "Adam optimizer", "adam optimizer", (100, 120))
    assert not values_match(adam, far)              # no shared evidence, different keys
    assert values_match(_v(1, 6, "SGD", "sgd", (0, 5)), _v(2, 7, "sgd", "sgd", (50, 60)))


def test_agree_field_counts_runs_not_values():
    # run 1 says Adam twice (two sentences), run 2 once, run 3 looked and found nothing
    by_run = {1: [_v(1, 1, "Adam", "adam", (0, 10)), _v(1, 2, "Adam", "adam", (50, 60))],
              2: [_v(2, 3, "Adam", "adam", (0, 10)), _v(2, 4, "SGD", "sgd", (70, 80))],
              3: []}
    fc = agree_field(by_run, [1, 2, 3])
    assert [(c.agree, c.runs) for c in fc.clusters] == [(2, [1, 2]), (1, [2])]
    assert (fc.runs_total, fc.runs_reporting, fc.conflicting) == (3, 2, False)
    conflict = agree_field({1: [_v(1, 1, "SGD", "sgd", (0, 5))],
                            2: [_v(2, 2, "Adam", "adam", (100, 105))]}, [1, 2])
    assert conflict.conflicting and [c.agree for c in conflict.clusters] == [1, 1]
    lone = agree_field({1: [_v(1, 1, "SGD", "sgd", (0, 5))], 2: []}, [1, 2])
    assert not lone.conflicting                     # one run silent is not a conflict


def test_cli_consensus(db, tmp_path):
    db.conn.close()
    path = str(tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["consensus", "1", "2", "--db", path])
    assert r.exit_code == 0, r.output
    assert "consensus run 4 of runs 1, 2 (--min-agree 2)" in r.output
    assert "conflicting 1" in r.output
    r = CliRunner().invoke(cli, ["consensus", "1", "2", "--db", path])
    assert "nothing new" in r.output
    r = CliRunner().invoke(cli, ["consensus", "1", "7", "--db", path])
    assert r.exit_code != 0 and "no such run: 7" in r.output
    r = CliRunner().invoke(cli, ["audit", "paper_b", "frameworks", "--db", path])
    assert r.exit_code == 0 and "conflicting" in r.output
    r = CliRunner().invoke(cli, ["audit", "paper_a", "hyperparameters", "--unverified",
                                 "--db", path])
    assert "agreed by 1 of 2 runs" in r.output


def test_values_of_one_run_stay_apart():
    # run 1: two augmentations from one sentence; run 2: one phrase over the same sentence.
    # The phrase joins the first; the second stays its own value (agreed by run 1 only).
    by_run = {1: [_v(1, 1, "random flips", "random flips", (0, 40)),
                  _v(1, 2, "rotation", "rotation", (0, 40))],
              2: [_v(2, 3, "random flips and rotation", "random flips and rotation", (0, 40))]}
    fc = agree_field(by_run, [1, 2], descriptive=True)
    assert [([m.value_id for m in c.members], c.agree) for c in fc.clusters] == [
        ([1, 3], 2), ([2], 1)]


def _store_schema_version(db, version: str, spec_json: str) -> None:
    with db.conn:
        db.conn.execute("INSERT INTO schemas (version, name, spec_json, created_at)"
                        " VALUES (?, 'dl_methodology', ?, '2026-02-01')", [version, spec_json])


def test_consensus_accepts_schema_versions_with_the_same_fields_only(db):
    """A schema tuned between two runs (vocabulary, wording) still asks for the same fields:
    consensus combines them under the newest run's version; other fields, or a version whose
    schema is not stored, are refused."""
    import json as _json
    from extractor.schemas.catalog import load_schema
    spec = _json.loads(load_schema().spec_json)
    _store_schema_version(db, load_schema().version, load_schema().spec_json)
    reworded = _json.loads(_json.dumps(spec))
    reworded["fields"][0]["description"] = "reworded between the runs"
    _store_schema_version(db, "v-reworded", _json.dumps(reworded))
    with db.conn:
        db.conn.execute("UPDATE runs SET schema_version = 'v-reworded' WHERE id = 3")
    rep = build_consensus(db, [1, 2, 3], min_agree=2)
    assert rep.units > 0
    assert db.execute("SELECT schema_version FROM runs WHERE id = ?",
                      [rep.run_id]).fetchone()[0] == "v-reworded"

    fewer = _json.loads(_json.dumps(spec))
    del fewer["fields"][-1]
    _store_schema_version(db, "v-fewer", _json.dumps(fewer))
    with db.conn:
        db.conn.execute("UPDATE runs SET schema_version = 'v-fewer' WHERE id = 3")
    with pytest.raises(ConsensusError, match="different fields"):
        build_consensus(db, [1, 3], min_agree=2)
    with db.conn:
        db.conn.execute("UPDATE runs SET schema_version = 'v-unstored' WHERE id = 3")
    with pytest.raises(ConsensusError, match="different fields"):
        build_consensus(db, [1, 3], min_agree=2)
