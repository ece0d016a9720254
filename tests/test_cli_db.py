"""CLI tests for query, sql, show, audit, review, export and eval on the fixture database."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from extractor import cli_db, store
from extractor.store import normalize_value
from fixture_db import DOCS, build_fixture_db


def _group():
    from extractor.cli import cli
    return cli


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "t.db"
    build_fixture_db(path).conn.close()
    return str(path)


@pytest.fixture
def run(dbfile):
    runner = CliRunner()

    def invoke(*args, ok=True, user="carol"):
        res = runner.invoke(_group(), [*args, "--db", dbfile],
                            env={"COLUMNS": "220", "USER": user, "METHEX_DB": None})
        if ok:
            assert res.exit_code == 0, (res.output, res.exception)
        else:
            assert res.exit_code != 0, res.output
        return res
    return invoke


def jrun(run, *args):
    return json.loads(run(*args, "--json").output)


def text_of(doc_id: str) -> str:
    return "".join(DOCS[doc_id]["pages"])


def test_normalisation_groups_spellings():
    # Facets group on field_values.normalized; reviews key on the same function.
    assert {normalize_value(s) for s in ["PyTorch", " pytorch ", "PYTORCH"]} == {"pytorch"}
    # a letter-digit joint closes, so "RTX 3090" and "RTX3090" are one key
    assert normalize_value("NVIDIA\tRTX  3090") == normalize_value("nvidia RTX3090")
    assert normalize_value("Straße") == "strasse"


# --- query ----------------------------------------------------------------------------------

def test_facets_group_spellings_and_count_status(run):
    res = jrun(run, "query", "frameworks")
    assert res["values"][0] == {"value": "PyTorch", "normalized": "pytorch", "papers": 2,
                                "spellings": {"PyTorch": 1, "Pytorch": 1}}
    assert [v["value"] for v in res["values"]] == ["PyTorch", "scikit-learn"]
    assert (res["papers"], res["reported"], res["unknown"], res["not_extracted"]) == (3, 3, 0, 0)
    hw = jrun(run, "query", "hardware")
    assert (hw["reported"], hw["unknown"], hw["not_extracted"]) == (2, 1, 0)
    # paper_c's training group failed: its optimizer was never extracted.
    opt = jrun(run, "query", "optimizer")
    assert (opt["reported"], opt["unknown"], opt["not_extracted"]) == (2, 0, 1)


def test_facets_table(run):
    out = run("query", "frameworks").output
    assert "PyTorch" in out and "Pytorch" in out and "scikit-learn" in out
    assert "3 papers: 3 report it, 0 unknown, 0 not extracted" in out


def test_where_filters(run):
    res = jrun(run, "query", "--where", "frameworks=PYTORCH", "--where", "hardware~gpu")
    assert [r["doc_id"] for r in res] == ["paper_a"]
    assert res[0]["fields"] == {"frameworks": ["PyTorch"], "hardware": ["NVIDIA RTX 3090 GPU"]}
    res = jrun(run, "query", "--where", "hardware~nvidia", "--show", "optimizer,frameworks")
    assert [r["doc_id"] for r in res] == ["paper_a", "paper_b"]
    assert res[1]["fields"] == {"optimizer": ["SGD"], "frameworks": ["Pytorch"]}
    res = jrun(run, "query", "--show", "hardware")
    assert [(r["doc_id"], r["fields"]["hardware"]) for r in res] == [
        ("paper_a", ["NVIDIA RTX 3090 GPU"]), ("paper_b", ["NVIDIA Tesla V100"]), ("paper_c", [])]
    # '=' is a whole normalised value, not a substring
    assert jrun(run, "query", "--where", "frameworks=torch") == []
    out = run("query", "--where", "frameworks=pytorch").output
    assert "paper_a" in out and "paper_b" in out and "2 papers match" in out


def test_facets_within_where(run):
    res = jrun(run, "query", "optimizer", "--where", "frameworks=pytorch")
    assert {v["value"]: v["papers"] for v in res["values"]} == {"Adam": 1, "SGD": 1}
    assert res["papers"] == 2


def test_query_rejects_bad_input(run):
    res = run("query", "framework", ok=False)
    assert "unknown field 'framework'" in res.output
    res = run("query", "--where", "frameworks", ok=False)
    assert "FIELD=VALUE" in res.output
    res = run("query", "--where", "frameworks' OR 1=1 --=x", ok=False)
    assert "unknown field" in res.output
    assert run("query", ok=False).exit_code == 2
    # a value is data, never SQL
    assert jrun(run, "query", "--where", "frameworks=x' OR '1'='1") == []


def test_missing_database_is_not_created(tmp_path):
    missing = tmp_path / "nope.db"
    res = CliRunner().invoke(_group(), ["query", "frameworks", "--db", str(missing)])
    assert res.exit_code != 0 and "database not found" in res.output
    assert not missing.exists()


# --- sql ------------------------------------------------------------------------------------

def test_sql_reads(run):
    res = jrun(run, "sql", "SELECT doc_id, frameworks FROM papers ORDER BY doc_id")
    assert res == [{"doc_id": "paper_a", "frameworks": "PyTorch"},
                   {"doc_id": "paper_b", "frameworks": "Pytorch"},
                   {"doc_id": "paper_c", "frameworks": "scikit-learn"}]
    res = jrun(run, "sql", "SELECT count(*) AS n FROM current_values WHERE normalized = ?",
               "-p", "pytorch")
    assert res == [{"n": 2}]
    assert "3 rows" in run("sql", "SELECT id FROM documents").output


@pytest.mark.parametrize("stmt", ["DELETE FROM documents", "DROP TABLE reviews",
                                  "INSERT INTO reviews (doc_id) VALUES ('x')",
                                  "UPDATE documents SET title = 'x'"])
def test_sql_refuses_writes(run, dbfile, stmt):
    res = run("sql", stmt, ok=False)
    assert "read-only" in res.output
    db = store.open_db(dbfile, read_only=True)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    assert db.execute("SELECT title FROM documents WHERE id='paper_a'").fetchone()[0] == \
        DOCS["paper_a"]["title"]


def test_sql_reports_errors(run):
    assert "SQL error" in run("sql", "SELECT nope FROM documents", ok=False).output
    assert "SQL error" in run("sql", "SELECT 1; SELECT 2", ok=False).output


# --- show -----------------------------------------------------------------------------------

def test_show(run):
    res = jrun(run, "show", "paper_a")
    f = res["fields"]
    assert len(f) == 28
    assert f["frameworks"]["status"] == "reported" and f["frameworks"]["values"] == ["PyTorch"]
    assert f["frameworks"]["evidence"] == 1
    assert (f["frameworks"]["backend"], f["frameworks"]["model"]) == ("rules", "rules-v1")
    assert f["hyperparameters"]["evidence"] == 2
    assert f["stopping_criteria"]["status"] == "unknown"
    assert f["data_split"]["status"] == "not extracted"
    c = jrun(run, "show", "paper_c")["fields"]
    assert c["optimizer"]["status"] == "not extracted"     # failed unit
    assert c["hardware"]["status"] == "unknown"
    out = run("show", "paper_a").output
    assert "Counting deer" in out and "not extracted" in out and "rules / rules-v1" in out
    assert "4 reported, 4 unknown, 20 not extracted" in out
    assert "no document 'paper_x'" in run("show", "paper_x", ok=False).output


def test_newer_run_supersedes(run, dbfile):
    from fixture_db import add_group_result, add_run
    db = store.open_db(dbfile)
    rid = add_run(db, "llama", "qwen2.5-3b")
    add_group_result(db, rid, "paper_b", "software",
                     {"frameworks": [("PyTorch", "implemented in Pytorch", "normalized")]})
    db.conn.close()
    f = jrun(run, "show", "paper_b")["fields"]
    assert f["frameworks"]["values"] == ["PyTorch"] and f["frameworks"]["model"] == "qwen2.5-3b"
    assert f["hardware"]["status"] == "unknown"           # the new run did not find it
    assert f["optimizer"]["values"] == ["SGD"]            # other group: still the old run


# --- audit ----------------------------------------------------------------------------------

def test_audit_value_in_context(run):
    text = text_of("paper_a")
    quote = "The model was implemented in PyTorch"
    s = text.index(quote)
    out = run("audit", "paper_a", "frameworks").output
    assert "The model was implemented in PyTorch and trained on one NVIDIA RTX 3090 GPU." in out
    assert f"page 2 · chars {s}–{s + len(quote)} · exact match" in out
    assert "rules/rules-v1, run 1, 2026-01-05" in out


def test_audit_highlights_quote():
    # The highlight span is the quote inside its chunk.
    from extractor.audit import audit_paper
    import tempfile, pathlib
    with tempfile.TemporaryDirectory() as d:
        db = build_fixture_db(pathlib.Path(d) / "t.db")
        a = audit_paper(db, "paper_b", "hardware")[0]
        ev = a.evidence[("tesla v100", "NVIDIA Tesla V100")][0]
        assert ev.context[ev.hl_start:ev.hl_end] == "a single NVIDIA Tesla V100 card"
        assert ev.match == "normalized" and ev.page is None
        db.conn.close()


def test_audit_unknown_lists_passages_read(run):
    out = run("audit", "paper_a", "stopping_criteria").output
    assert "unknown" in out and "passages read (3)" in out
    assert "#1 [p.1 score 10.00" in out
    assert "Counting deer in camera trap images with deep learning." in out


def test_audit_whole_paper_skips_unextracted(run):
    out = run("audit", "paper_c").output
    assert "scikit-learn" in out and "not extracted:" in out and "optimizer" in out


def test_audit_unverified_and_rejected(run):
    out = run("audit", "paper_a", "--unverified").output
    assert "TensorFlow" in out and "quote not found in the document" in out
    assert "the detector was built with TensorFlow" in out
    out = run("audit", "paper_a", "hardware", "--unverified").output
    assert "TensorFlow" not in out and "(0)" in out
    run("review", "paper_a", "optimizer", "--reject", "adam", "--note", "it was AdamW")
    out = run("audit", "paper_a", "--rejected").output
    assert "Rejected by review (1)" in out and "Adam" in out and "carol" in out
    assert "it was AdamW" in out


# --- review ---------------------------------------------------------------------------------

def test_reject_overrides_everywhere(run):
    res = run("review", "paper_a", "frameworks", "--reject", "pytorch", "--by", "bob",
              "--note", "cited only")
    assert "reject 'pytorch'" in res.output and "by bob" in res.output
    facets = jrun(run, "query", "frameworks")
    assert facets["values"][0]["papers"] == 1 and facets["unknown"] == 1
    assert [r["doc_id"] for r in jrun(run, "query", "--where", "frameworks=pytorch")] == \
        ["paper_b"]
    f = jrun(run, "show", "paper_a")["fields"]["frameworks"]
    assert f["status"] == "unknown" and f["values"] == []
    out = run("audit", "paper_a", "frameworks").output
    assert "review #1: reject 'pytorch' by bob" in out and "cited only" in out
    assert jrun(run, "sql", "SELECT frameworks FROM papers WHERE doc_id='paper_a'") == \
        [{"frameworks": None}]


def test_accept_marks_reviewed(run):
    run("review", "paper_b", "optimizer", "--accept", "sgd")
    f = jrun(run, "show", "paper_b")["fields"]["optimizer"]
    assert f["values"] == ["SGD"] and f["reviewed"] == ["SGD"]
    assert "✓" in run("show", "paper_b").output
    res = run("review", "paper_b", "optimizer", "--accept", "Adam", ok=False)
    assert "not a current value" in res.output and "SGD" in res.output


def test_set_on_unextracted_field_becomes_reported(run, dbfile):
    res = run("review", "paper_c", "purpose", "--set", "classification", "--quote",
              "a  RANDOM forest classifier")
    assert "quote found (normalized)" in res.output and "by carol" in res.output
    text = text_of("paper_c")
    rec = {r["doc_id"]: r for r in map(json.loads, run("export").output.splitlines())}
    f = rec["paper_c"]["fields"]["purpose"]
    assert f["status"] == "reported" and f["values"] == ["classification"]
    (ev,) = f["evidence"]
    assert ev["quote"] == "A random forest classifier" == text[ev["start"]:ev["end"]]
    assert [r["doc_id"] for r in jrun(run, "query", "--where", "purpose=Classification")] == \
        ["paper_c"]
    db = store.open_db(dbfile, read_only=True)
    row = db.execute("SELECT reviewer, action, match FROM reviews").fetchone()
    assert row == ("carol", "set", "normalized")
    assert db.execute("SELECT status, value_list FROM paper_fields WHERE doc_id = 'paper_c'"
                      " AND field = 'purpose'").fetchone() == ("reported", "classification")
    assert db.execute("SELECT purpose FROM papers WHERE doc_id = 'paper_c'").fetchone() == \
        ("classification",)


def test_set_needs_a_quote_from_the_paper(run, dbfile):
    res = run("review", "paper_c", "hardware", "--set", "GPU", "--quote",
              "trained on eight GPUs", ok=False)
    assert "quote not found" in res.output
    assert run("review", "paper_c", "hardware", "--set", "GPU", ok=False).exit_code != 0
    db = store.open_db(dbfile, read_only=True)
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0


def test_latest_decision_wins(run):
    run("review", "paper_b", "hardware", "--reject", "NVIDIA Tesla V100")
    assert jrun(run, "show", "paper_b")["fields"]["hardware"]["status"] == "unknown"
    run("review", "paper_b", "hardware", "--set", "NVIDIA Tesla V100", "--quote",
        "NVIDIA Tesla V100 card")
    f = jrun(run, "show", "paper_b")["fields"]["hardware"]
    assert f["values"] == ["NVIDIA Tesla V100"] and f["evidence"] == 2
    assert "(superseded)" in run("audit", "paper_b", "hardware").output


def test_review_usage_errors(run):
    assert run("review", "paper_a", "optimizer", ok=False).exit_code == 2
    assert run("review", "paper_a", "optimizer", "--accept", "Adam", "--reject", "Adam",
               ok=False).exit_code == 2
    assert run("review", "paper_a", "optimizer", "--accept", "Adam", "--quote",
               "We used the Adam optimizer", ok=False).exit_code == 2
    assert "unknown field" in run("review", "paper_a", "optimiser", "--accept", "Adam",
                                  ok=False).output


# --- export ---------------------------------------------------------------------------------

def test_export_jsonl_round_trip(run, tmp_path):
    from extractor.schemas.catalog import load_schema
    keys = load_schema().keys
    out = tmp_path / "out.jsonl"
    run("export", "--format", "jsonl", "-o", str(out))
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["doc_id"] for r in recs] == ["paper_a", "paper_b", "paper_c"]
    for r in recs:
        assert set(r) == {"doc_id", "fields"} and list(r["fields"]) == keys
        for f in r["fields"].values():
            assert set(f) == {"status", "values", "evidence", "grounding", "canonical"}
            assert f["status"] == ("reported" if f["values"] else "unknown")
            for e in f["evidence"]:
                assert set(e) == {"quote", "start", "end", "page"}
                assert text_of(r["doc_id"])[e["start"]:e["end"]] == e["quote"]
    a = recs[0]["fields"]
    assert a["frameworks"]["values"] == ["PyTorch"] and a["frameworks"]["evidence"][0]["page"] == 2
    assert a["hyperparameters"]["values"] == ["learning rate = 0.0001", "batch size = 16"]
    assert a["data_split"] == {"status": "unknown", "values": [], "evidence": [],
                               "grounding": [], "canonical": []}
    assert recs[2]["fields"]["optimizer"]["status"] == "unknown"


def test_export_csv(run):
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").output)))
    assert [r["doc_id"] for r in rows] == ["paper_a", "paper_b", "paper_c"]
    assert rows[0]["hyperparameters"] == "learning rate = 0.0001; batch size = 16"
    assert rows[1]["frameworks"] == "Pytorch" and rows[2]["hardware"] == ""
    assert "frameworks__evidence" not in rows[0]
    rows = list(csv.DictReader(io.StringIO(
        run("export", "--format", "csv", "--evidence").output)))
    assert rows[0]["hyperparameters__evidence"] == "a learning rate of 0.0001 | a batch size of 16"
    assert len(rows[0]) == 1 + 2 * 28
    assert "cannot write" in run("export", "-o", "/nonexistent/dir/x.jsonl", ok=False).output


# --- eval -----------------------------------------------------------------------------------

@pytest.fixture
def gold_dir(tmp_path):
    d = tmp_path / "gold"
    d.mkdir()

    def entry(values=(), evidence=()):
        return {"status": "reported" if values else "unknown", "values": list(values),
                "evidence": list(evidence)}
    gold = {
        "paper_a": {"frameworks": entry(["PyTorch"], ["implemented in PyTorch"]),
                    "hardware": entry(["NVIDIA RTX 3090", "Intel Xeon CPU"], ["RTX 3090"]),
                    "optimizer": entry(), "stopping_criteria": entry()},
        "paper_b": {"frameworks": entry(["PyTorch"], ["in Pytorch"]), "hardware": entry()},
        "paper_z": {"frameworks": entry(["Keras"], ["Keras"])},     # not in the database
    }
    for doc, fields in gold.items():
        (d / f"{doc}.json").write_text(json.dumps({"doc_id": doc, "fields": fields}))
    return str(d)


def test_eval_hand_computed(run, gold_dir):
    # Scored: paper_a and paper_b, 6 fields. Status right: a.frameworks, a.hardware,
    # a.stopping_criteria, b.frameworks -> 4/6 (a.optimizer and b.hardware are predicted but
    # gold-unknown). Values: predicted 5, gold 4, matched 3 (PyTorch, Pytorch~PyTorch,
    # "NVIDIA RTX 3090 GPU" contains "NVIDIA RTX 3090") -> P 3/5, R 3/4, F1 2/3.
    # Hallucinated: Adam and Tesla V100 -> 2/5. Evidence: 5 quotes, all verbatim.
    res = jrun(run, "eval", "--gold", gold_dir)
    o = res["overall"]
    assert res["docs"] == 2 and res["missing"] == ["paper_z"]
    assert o["status_accuracy"] == pytest.approx(4 / 6)
    assert (o["tp"], o["predicted"], o["gold"]) == (3, 5, 4)
    assert o["precision"] == pytest.approx(0.6) and o["recall"] == pytest.approx(0.75)
    assert o["f1"] == pytest.approx(2 / 3)
    assert o["hallucination_rate"] == pytest.approx(0.4)
    assert o["evidence_verbatim"] == pytest.approx(1.0)
    hw = res["fields"]["hardware"]
    assert (hw["precision"], hw["recall"], hw["status_accuracy"]) == (0.5, 0.5, 0.5)
    out = run("eval", "--gold", gold_dir).output
    assert "overall" in out and "66.7" in out and "60.0" in out and "3/5/4" in out


def test_eval_applies_reviews(run, gold_dir):
    run("review", "paper_a", "optimizer", "--reject", "Adam")
    o = jrun(run, "eval", "--gold", gold_dir)["overall"]
    assert o["status_accuracy"] == pytest.approx(5 / 6)
    assert o["precision"] == pytest.approx(3 / 4) and o["hallucination_rate"] == pytest.approx(1 / 4)


def test_eval_errors(run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no *.json gold files" in run("eval", "--gold", str(empty), ok=False).output
    (empty / "x.json").write_text(json.dumps({"doc_id": "x", "fields": {}}))
    assert "none of the 1 gold documents" in run("eval", "--gold", str(empty), ok=False).output


# --- help -----------------------------------------------------------------------------------

def test_every_command_has_help():
    runner = CliRunner()
    for cmd in cli_db.COMMANDS:
        assert cmd.help and len(cmd.help.strip()) > 20, cmd.name
        res = runner.invoke(_group(), [cmd.name, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output and "--db" in res.output
        for p in cmd.params:
            if isinstance(p, __import__("click").Option):
                assert p.help, f"{cmd.name} {p.opts} has no help"


# --- on what ingest + extract really write ---------------------------------------------------

OWLS = ("Detecting owls in nocturnal camera trap video\n\nMethods\nVideos were split into frames "
        "and resized to 640 x 640 pixels. The detector was implemented in PyTorch 1.13 and "
        "trained on a single NVIDIA RTX 3090 GPU for 100 epochs. We used the Adam optimizer "
        "with an initial learning rate of 0.001 and a batch size of 32.\n")
FROGS = ("Classifying frog calls from passive acoustic monitoring\n\nMethods\nRecordings were "
         "converted to log-mel spectrograms. A convolutional neural network was built with "
         "Pytorch and trained with stochastic gradient descent (SGD) with a momentum of 0.9 "
         "for 60 epochs.\n")


def test_pipeline_then_query_review_export(tmp_path):
    from extractor.cli import cli
    if "ingest" not in cli.commands:
        pytest.skip("ingest command not wired yet")
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "owls.txt").write_text(OWLS)
    (papers / "frogs.txt").write_text(FROGS)
    db = str(tmp_path / "m.db")
    runner = CliRunner()

    def go(*args):
        res = runner.invoke(cli, [*args, "--db", db], env={"COLUMNS": "200", "USER": "dana"})
        assert res.exit_code == 0, (args, res.output, res.exception)
        return res.output

    go("ingest", str(papers))
    go("extract", "--fields", "frameworks,hardware,optimizer")
    facets = json.loads(go("query", "frameworks", "--json"))
    assert facets["values"][0]["normalized"] == "pytorch" and facets["values"][0]["papers"] == 2
    assert [r["doc_id"] for r in json.loads(go("query", "--where", "optimizer=sgd",
                                               "--json"))] == ["frogs"]
    go("review", "owls", "hardware", "--reject", "NVIDIA RTX 3090")
    go("review", "frogs", "hardware", "--set", "unspecified GPU", "--quote",
       "a convolutional neural network was built with Pytorch")
    recs = {r["doc_id"]: r["fields"] for r in map(json.loads, go("export").splitlines())}
    # Offsets point into the stored (normalised) text.
    texts = {r["id"]: r["text"] for r in json.loads(go("sql", "SELECT id, text FROM documents",
                                                       "--json"))}
    for doc, fields in recs.items():
        for f in fields.values():
            for e in f["evidence"]:
                assert texts[doc][e["start"]:e["end"]] == e["quote"]
    assert recs["owls"]["hardware"]["status"] == "unknown"
    assert recs["frogs"]["hardware"]["values"] == ["unspecified GPU"]
    assert recs["owls"]["optimizer"]["values"] == ["Adam"]
    assert "dana" in go("audit", "owls", "hardware")


# --- current_map (005) stays equal to the current_extractions view ---------------------------

def _same_current(db):
    view = db.execute("SELECT doc_id, field, id FROM current_extractions ORDER BY 1, 2").fetchall()
    mapped = db.execute("SELECT doc_id, field, extraction_id FROM current_map"
                        " ORDER BY 1, 2").fetchall()
    assert mapped == view
    return len(view)


def test_current_map_follows_every_write(dbfile):
    from fixture_db import add_group_result, add_run
    db = store.open_db(dbfile)
    assert _same_current(db) == 18
    rid = add_run(db, "llama", "qwen2.5-3b")
    new = add_group_result(db, rid, "paper_b", "software",
                           {"frameworks": [("PyTorch", "implemented in Pytorch", "exact")]})
    _same_current(db)
    assert db.execute("SELECT group_result_id FROM current_map WHERE doc_id = 'paper_b'"
                      " AND field = 'hardware'").fetchone() == (new,)
    # a newer failed unit changes nothing
    add_group_result(db, rid, "paper_a", "software", {}, failed="timeout")
    _same_current(db)
    # rerun of a unit = delete + insert (store.write_group_result): falls back, then moves on
    with db.conn:
        db.conn.execute("DELETE FROM group_results WHERE id = ?", [new])
    _same_current(db)
    assert db.execute("SELECT value FROM current_values WHERE doc_id = 'paper_b'"
                      " AND field = 'frameworks'").fetchall() == [("Pytorch",)]
    # status changed in place, both ways
    with db.conn:
        db.conn.execute("UPDATE group_results SET status = 'failed' WHERE doc_id = 'paper_c'"
                        " AND grp = 'software'")
    assert _same_current(db) == 16
    with db.conn:
        db.conn.execute("UPDATE group_results SET status = 'done' WHERE doc_id = 'paper_c'"
                        " AND grp = 'software'")
    assert _same_current(db) == 18
    # re-ingesting a document deletes its results through the cascade
    with db.conn:
        db.conn.execute("DELETE FROM documents WHERE id = 'paper_a'")
    assert _same_current(db) == 10


def test_papers_view_is_paper_fields_wide(run, dbfile):
    run("review", "paper_a", "frameworks", "--reject", "PyTorch")
    run("review", "paper_c", "purpose", "--set", "classification", "--quote",
        "random forest classifier")
    run("review", "paper_c", "purpose", "--accept", "classification")
    run("review", "paper_b", "optimizer", "--set", "SGD", "--quote", "gradient descent (SGD)")
    run("review", "paper_b", "optimizer", "--set", "momentum", "--quote", "a momentum of 0.9")
    run("review", "paper_b", "optimizer", "--reject", "momentum")
    run("review", "paper_b", "hardware", "--set", "single GPU card", "--quote",
        "a single NVIDIA Tesla V100 card")
    db = store.open_db(dbfile, read_only=True)
    long = {(d, f): v for d, f, v in db.execute(
        "SELECT doc_id, field, value_list FROM paper_fields")}
    cur = db.execute("SELECT * FROM papers ORDER BY doc_id")
    cols = [c[0] for c in cur.description]
    rows = cur.fetchall()
    assert [r[0] for r in rows] == ["paper_a", "paper_b", "paper_c"]
    for r in rows:
        rec = dict(zip(cols, r))
        for key in cols[5:]:
            assert rec[key] == long.get((rec["doc_id"], key)), (rec["doc_id"], key)
        assert rec["fields_reported"] == sum(1 for (d, _), v in long.items()
                                             if d == rec["doc_id"] and v)
    assert len(cols) == 5 + 28
    b = dict(zip(cols, rows[1]))
    assert (b["optimizer"], b["hardware"]) == ("SGD", "NVIDIA Tesla V100; single GPU card")


def test_eval_retrieval_hand_computed(run, tmp_path):
    d = tmp_path / "rgold"
    d.mkdir()

    def rep(*quotes):
        return {"status": "reported", "values": ["x"], "evidence": list(quotes)}
    gold = {
        # hit by its first quote; the second lies only in a reference-list chunk (never read)
        "paper_a": {"frameworks": rep("implemented in PyTorch",
                                      "Object detection pipelines in TensorFlow"),
                    "optimizer": {"status": "unknown", "values": [], "evidence": [],
                                  "grounding": [], "canonical": []}},
        # hit; and a quote that is not in the paper at all (unlocated, a miss)
        "paper_b": {"optimizer": rep("stochastic  gradient DESCENT (SGD)"),
                    "hardware": rep("trained on a TPU pod")},
        # a sentence no software term matches: not read for the software group
        "paper_c": {"hardware": rep("Accuracy was assessed on an independent test site")},
    }
    for doc, fields in gold.items():
        (d / f"{doc}.json").write_text(json.dumps({"doc_id": doc, "fields": fields}))
    res = jrun(run, "eval", "--gold", str(d), "--retrieval")
    # fields: a.frameworks, b.optimizer hit; b.hardware, c.hardware missed -> 2/4
    # quotes: 2 of 5 inside the passages; 1 unlocated
    assert res["retrieval_recall"] == pytest.approx(0.5)
    assert res["quote_recall"] == pytest.approx(0.4)
    assert res["overall"]["unlocated_quotes"] == 1
    assert res["fields"]["hardware"]["missed_docs"] == ["paper_b", "paper_c"]
    assert "optimizer" in res["fields"] and res["fields"]["optimizer"]["fields"] == 1
    out = run("eval", "--gold", str(d), "--retrieval").output
    assert "overall" in out and "50.0" in out and "2/5" in out
