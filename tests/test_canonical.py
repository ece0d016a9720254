"""Canonical values: one name per thing, junk never stored, aliases that grow with reviews.

Papers are written for these tests."""
import json

import pytest
from click.testing import CliRunner

from extractor.canonical import fold, is_respelling, near_duplicates, spec_canonical
from extractor.cli import cli
from extractor.schemas.catalog import load_schema
from extractor.verify import fragment_reason, value_shape_reason

SCHEMA = load_schema()
HW = SCHEMA.field("hardware")


@pytest.mark.parametrize("spellings", [
    ["RTX2080", "RTX 2080", "rtx-2080", "NVIDIA GeForce RTX 2080"],
    ["RTX5000", "RTX 5000"], ["RTX8000", "NVIDIA RTX 8000"],
    ["TESLA V100", "Tesla V100", "NVIDIA Tesla V100", "Nvidia® Tesla V100"],
])
def test_spellings_collapse_to_one_canonical_value(spellings):
    assert len({fold(spec_canonical(HW, s)) for s in spellings}) == 1


def test_version_suffixes_stay_apart():
    assert fold(spec_canonical(HW, "RTX 2080")) != fold(spec_canonical(HW, "RTX 2080 Ti"))
    assert fold("Titan X") != fold("Titan Xp")


def test_vocabulary_alias_gives_the_canonical_name():
    fw = SCHEMA.field("frameworks")
    assert spec_canonical(fw, "Pytorch") == "PyTorch"
    assert spec_canonical(HW, "NVIDIA") == "NVIDIA"     # a prefix alone is not stripped away


@pytest.mark.parametrize("value,reason", [
    ("R package and", "fragment (ends with 'and')"),
    ("R package to", "fragment (ends with 'to')"),
    ("of the network", "fragment (starts with 'of')"),
    ("model", "generic word"), ("data", "generic word"),
    ("x" * 130, "longer than 120"),
])
def test_fragments_are_rejected_with_a_reason(value, reason):
    assert reason in fragment_reason(value, SCHEMA.field("frameworks"))


def test_real_values_are_not_fragments():
    for v in ("PyTorch", "R package caret", "GEDI L4A", "C++", "5-fold cross-validation"):
        assert fragment_reason(v, SCHEMA.field("frameworks")) is None


def test_a_value_of_another_field_is_rejected_unless_this_field_claims_it():
    assert "another field" in value_shape_reason("PyTorch", HW)
    assert value_shape_reason("Jetson TX2", HW) is None    # hardware's own pattern claims it


def test_respelling_and_suggestions_never_cross_real_differences():
    assert is_respelling("Nvidia Tesla V-100", "Tesla V100")
    assert is_respelling("V100", "NVIDIA V100 GPU")
    assert not is_respelling("ResNet-50", "ResNet-101")
    assert not is_respelling("RTX 2080", "RTX 2080 Ti")
    assert not is_respelling("V100", "Tesla V100")
    pairs = near_duplicates({"py torch": 2, "pytorch": 5, "titan x": 1, "titan xp": 1,
                             "neural networks": 1, "neural network": 3, "resnet": 2,
                             "resnext": 1})
    assert {frozenset(p[:2]) for p in pairs} == {frozenset({"pytorch", "py torch"}),
                                                   frozenset({"neural network",
                                                              "neural networks"})}


PAPERS = {
    "p1": "We trained the detector on one NVIDIA GeForce RTX 2080 GPU for two days.",
    "p2": "Training ran on a single RTX2080 GPU with 8 GB of memory.",
    "p3": "All models were fitted on an RTX 2080 Ti GPU in the lab workstation.",
    "p4": "Experiments used a Tesla-V100 GPU card rented from a cloud provider.",
}


@pytest.fixture
def db_path(tmp_path):
    for d, t in PAPERS.items():
        (tmp_path / f"{d}.txt").write_text(t)
    path = str(tmp_path / "c.db")
    res = CliRunner().invoke(cli, ["run", str(tmp_path), "--db", path, "--fields", "hardware"])
    assert res.exit_code == 0, res.output
    return path


def values(db_path):
    res = CliRunner().invoke(cli, ["values", "hardware", "--db", db_path, "--json"])
    assert res.exit_code == 0, res.output
    return {v["canonical"]: v for v in json.loads(res.output)["values"]}


def test_values_list_merge_split_and_queries_follow(db_path):
    run = CliRunner().invoke
    v = values(db_path)
    assert v["RTX 2080"]["papers"] == 2 and v["RTX 2080 Ti"]["papers"] == 1
    assert set(v["RTX 2080"]["spellings"]) == {"NVIDIA GeForce RTX 2080", "RTX2080"}
    res = run(cli, ["query", "--where", "hardware=RTX 2080", "--db", db_path, "--json"])
    assert {m["doc_id"] for m in json.loads(res.output)} == {"p1", "p2"}

    # a user's merge: every later query and export uses it
    res = run(cli, ["values", "merge", "hardware", "RTX 2080", "RTX 2080 Ti", "--db", db_path])
    assert res.exit_code == 0 and "1 stored value(s) moved" in res.output
    assert values(db_path)["RTX 2080"]["papers"] == 3
    res = run(cli, ["query", "--where", "hardware=rtx2080", "--db", db_path, "--json"])
    assert {m["doc_id"] for m in json.loads(res.output)} == {"p1", "p2", "p3"}
    exp = [json.loads(x) for x in run(cli, ["export", "--db", db_path]).output.splitlines()]
    p3 = next(r for r in exp if r["doc_id"] == "p3")["fields"]["hardware"]
    assert p3["values"] == ["RTX 2080 Ti"] and p3["canonical"] == ["RTX 2080"]

    # and the split undoes it
    res = run(cli, ["values", "split", "hardware", "RTX 2080 Ti", "--db", db_path])
    assert res.exit_code == 0, res.output
    assert values(db_path)["RTX 2080 Ti"]["papers"] == 1
    assert values(db_path)["RTX 2080"]["papers"] == 2


def test_a_review_correction_teaches_an_alias(db_path, tmp_path):
    run = CliRunner().invoke
    # an old value that is not current changes nothing
    res = run(cli, ["review", "p4", "hardware", "--correct", "A100", "--set",
                    "NVIDIA V100 GPU", "--quote", "a Tesla-V100 GPU card", "--db", db_path])
    assert res.exit_code == 1 and "not a current value" in res.output
    assert values(db_path)["V100"]["papers"] == 1 and "V100 GPU" not in values(db_path)
    res = run(cli, ["review", "p4", "hardware", "--correct", "V100", "--set",
                    "NVIDIA V100 GPU", "--quote", "a Tesla-V100 GPU card", "--db", db_path])
    assert res.exit_code == 0, res.output
    assert "alias" in res.output
    # a later paper spelling it the old way gets the corrected name at extraction
    (tmp_path / "p5.txt").write_text("The final runs of every model in this study used one Tesla-V100 GPU card in the lab.")
    res = run(cli, ["run", str(tmp_path / "p5.txt"), "--db", db_path, "--fields", "hardware"])
    assert res.exit_code == 0, res.output
    exp = {json.loads(x)["doc_id"]: json.loads(x)["fields"]["hardware"]
           for x in run(cli, ["export", "--db", db_path]).output.splitlines()}
    assert exp["p5"]["canonical"] == ["V100 GPU"]     # vendor prefix stripped as usual
    # a corrected number is a fact, not a spelling: no alias
    res = run(cli, ["review", "p1", "hardware", "--correct", "NVIDIA GeForce RTX 2080",
                    "--set", "RTX 2080 Ti", "--quote", "NVIDIA GeForce RTX 2080 GPU",
                    "--db", db_path])
    assert res.exit_code == 0 and "alias" not in res.output


def test_reviews_survive_reingestion_when_their_quote_is_still_there(tmp_path):
    """Issue 9: a changed file replaces its document; reviews that still hold are kept."""
    run = CliRunner().invoke
    paper = tmp_path / "owl.txt"
    text = ("Nocturnal owls were detected in thermal video with a deep network. The models were "
            "trained on one NVIDIA RTX 3090 GPU in the lab. We used PyTorch for all experiments.")
    paper.write_text(text)
    db = str(tmp_path / "r.db")
    assert run(cli, ["run", str(paper), "--db", db, "--fields", "hardware,frameworks"]).exit_code == 0
    assert run(cli, ["review", "owl", "frameworks", "--set", "PyTorch", "--quote",
                     "We used PyTorch for all experiments", "--db", db]).exit_code == 0
    assert run(cli, ["review", "owl", "hardware", "--set", "RTX 3090 GPU", "--quote",
                     "trained on one NVIDIA RTX 3090 GPU", "--db", db]).exit_code == 0
    # the paper changes: a sentence is added in front, the hardware sentence is reworded
    paper.write_text("A new first sentence shifts every offset of this short paper. "
                     + text.replace("trained on one NVIDIA RTX 3090 GPU", "trained on a GPU"))
    assert run(cli, ["ingest", str(paper), "--db", db]).exit_code == 0
    from extractor.store import open_db
    con = open_db(db)
    rows = con.execute('SELECT field, quote, start, "end" FROM reviews').fetchall()
    assert [r[0] for r in rows] == ["frameworks"]          # the hardware quote is gone
    new_text = con.execute("SELECT text FROM documents").fetchone()[0]
    _, quote, start, end = rows[0]
    assert new_text[start:end] == quote == "We used PyTorch for all experiments"
