"""`methex annotations import`: annotations as a run, through the same verification.

The papers and annotations below are written for these tests.
"""
import json

from click.testing import CliRunner

from extractor.annotations import import_annotations, load_annotations
from extractor.cli import cli
from extractor.export import evaluate_db, export_records
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db

PAPER_1 = ("Counting seals on sea ice with deep learning. We flew a UAV over six haul-out "
           "sites and collected 4,000 aerial images. The detector was implemented in PyTorch "
           "and trained on one NVIDIA RTX 3090 GPU. Images were flipped horizontally at random "
           "during training. We used the Adam optimizer with a learning rate of 1e-4.")
PAPER_2 = ("Mapping reed beds from satellite scenes. Sentinel-2 scenes from 2020 were tiled into "
           "256 by 256 pixel patches. A U-Net was trained in TensorFlow with a batch size of 8. "
           "Models were cross-validated by leaving whole lakes out of training.")


def ann(*fields):
    return {"fields": dict(fields)}


def rep(values, *quotes):
    return {"status": "reported", "values": list(values), "evidence": list(quotes)}


UNK = {"status": "unknown", "values": [], "evidence": []}

GOLD = {
    "p1": ann(("frameworks", rep(["PyTorch"], "The detector was implemented in PyTorch")),
              ("hardware", rep(["NVIDIA RTX 3090 GPU"], "trained on one NVIDIA RTX 3090 GPU")),
              ("data_collection", rep(["drone imagery (six sites)"],
                                      "We flew a UAV over six haul-out sites")),
              ("augmentation", rep(["random horizontal flip"],
                                   "Images were flipped horizontally at random during training")),
              ("optimizer", rep(["Adam"], "We used the Adam optimizer with a learning rate of 1e-4")),
              ("hyperparameters", rep(["learning rate = 0.0001"],
                                      "We used the Adam optimizer with a learning rate of 1e-4")),
              ("deployment_platform", UNK), ("hyperparameter_tuning", UNK),
              ("code_repository_url", UNK)),
    "p2": ann(("frameworks", rep(["TensorFlow"], "A U-Net was trained in TensorFlow")),
              ("model_architecture", rep(["U-Net"], "A U-Net was trained in TensorFlow")),
              ("hyperparameters", rep(["batch size = 8"], "trained in TensorFlow with a batch size of 8")),
              ("generalizability", rep(["lake-level cross-validation"],
                                       "Models were cross-validated by leaving whole lakes out of training")),
              ("hardware", UNK)),
}


def setup(tmp_path):
    (tmp_path / "p1.txt").write_text(PAPER_1)
    (tmp_path / "p2.txt").write_text(PAPER_2)
    gold = tmp_path / "gold"
    gold.mkdir()
    for d, g in GOLD.items():
        (gold / f"{d}.json").write_text(json.dumps({"doc_id": d, **g}))
    db = open_db(tmp_path / "a.db")
    ingest_paths(db, [tmp_path / "p1.txt", tmp_path / "p2.txt"])
    return db, gold


def test_gold_imported_and_scored_against_itself(tmp_path):
    db, gold = setup(tmp_path)
    schema = load_schema()
    r = import_annotations(db, load_annotations(gold), schema, "gold")
    assert r.rejected == 0 and r.accepted == 10
    res = evaluate_db(db, gold, schema)["overall"]
    assert res["recall"] == 1.0 and res["precision"] == 1.0 and res["status_accuracy"] == 1.0
    kinds = dict(db.execute("SELECT value, grounding FROM field_values").fetchall())
    assert kinds["PyTorch"] == "verbatim" and kinds["drone imagery (six sites)"] == "alias"
    assert kinds["random horizontal flip"] == "words"
    assert kinds["learning rate = 0.0001"] == "words"
    assert kinds["lake-level cross-validation"] == "paraphrase"
    run = db.execute("SELECT backend, model FROM runs").fetchone()
    assert run == ("annotations", "gold")
    # every stored quote is exactly the document text at its offsets
    for doc, quote, s, e in db.execute('SELECT doc_id, quote, start, "end" FROM evidence'):
        text = db.execute("SELECT text FROM documents WHERE id = ?", [doc]).fetchone()[0]
        assert text[s:e] == quote
    # importing the same annotations again writes nothing
    again = import_annotations(db, load_annotations(gold), schema, "gold")
    assert again.units == 0 and again.skipped > 0


def test_negative_control_wrong_field_and_wrong_paper_rejected(tmp_path):
    db, _ = setup(tmp_path)
    schema = load_schema()
    g1 = GOLD["p1"]["fields"]
    wrong = {
        # right paper, wrong field: each value moved to a field the paper leaves unknown
        "p1": {"deployment_platform": g1["frameworks"], "hyperparameter_tuning":
               g1["hyperparameters"], "code_repository_url": g1["augmentation"]},
        # right fields, wrong paper: p1's annotations given to p2
        "p2": {k: v for k, v in g1.items() if v["status"] == "reported"},
    }
    r = import_annotations(db, wrong, schema, "control")
    assert r.accepted == 0, db.execute(
        "SELECT doc_id, field, value FROM field_values WHERE accepted = 1").fetchall()
    reasons = {x[0] for x in db.execute("SELECT reason FROM field_values")}
    assert "quote not found in the passages read" in reasons
    assert any("shape" in x for x in reasons)


def test_jsonl_of_export_shape_round_trips(tmp_path):
    db, gold = setup(tmp_path)
    schema = load_schema()
    import_annotations(db, load_annotations(gold), schema, "gold")
    lines = [json.dumps(r) for r in export_records(db, schema)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines))
    db2 = open_db(tmp_path / "b.db")
    ingest_paths(db2, [tmp_path / "p1.txt", tmp_path / "p2.txt"])
    r = import_annotations(db2, load_annotations(tmp_path / "a.jsonl"), schema, "export")
    assert r.accepted == 10 and r.rejected == 0


def test_cli_import_audit_and_export_by_grounding(tmp_path):
    db, gold = setup(tmp_path)
    dbp = str(tmp_path / "a.db")
    runner = CliRunner()
    res = runner.invoke(cli, ["annotations", "import", str(gold), "--db", dbp])
    assert res.exit_code == 0, res.output
    assert "10/10 values verified" in res.output
    res = runner.invoke(cli, ["audit", "p2", "generalizability", "--db", dbp])
    assert "paraphrase grounding" in res.output
    res = runner.invoke(cli, ["export", "--db", dbp, "--grounding", "verbatim,alias,words"])
    recs = {json.loads(x)["doc_id"]: json.loads(x)["fields"] for x in res.output.splitlines()}
    assert recs["p2"]["generalizability"]["status"] == "unknown"
    assert recs["p1"]["frameworks"]["grounding"] == ["verbatim"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "p1"}\n')
    res = runner.invoke(cli, ["annotations", "import", str(bad), "--db", dbp])
    assert res.exit_code != 0 and "bad.jsonl:1" in res.output


def test_gold_dev_ceiling_and_negative_control(shared_benchmark, tmp_path):
    """The oracle: gold-dev imported and scored against itself, and the two controls."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_annotations import wrong_field, wrong_paper

    gold = shared_benchmark / "gold-dev"
    ann_ = load_annotations(gold)
    papers = [shared_benchmark / "corpus" / f"{d}.txt" for d in sorted(ann_)]
    schema = load_schema()
    db = open_db(tmp_path / "o.db")
    ingest_paths(db, papers)
    import_annotations(db, ann_, schema, "gold")
    res = evaluate_db(db, gold, schema)["overall"]
    assert res["precision"] == 1.0 and res["recall"] >= 0.78
    for name, control in (("wf", wrong_field(ann_, schema.keys)), ("wp", wrong_paper(ann_))):
        dbc = open_db(tmp_path / f"{name}.db")
        ingest_paths(dbc, papers)
        r = import_annotations(dbc, control, schema, name)
        assert r.accepted <= 0.05 * (r.accepted + r.rejected), name
