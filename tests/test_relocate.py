"""Evidence relocation (extractor.verify): a value whose quote does not verify it may verify
through another sentence of the passages read, stored with match kind "relocated".

The papers below are written for these tests.
"""
import json

import pytest
from click.testing import CliRunner

from extractor import relevance
from extractor.annotations import import_annotations, load_annotations
from extractor.backends.base import Candidate, Passage
from extractor.cli import cli
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from extractor.verify import sentence_spans, verdict_of, verify

DOC = ("Frog calls were recorded with twelve acoustic monitors at three ponds. "
       "All clips were resized to spectrograms of 128 by 128 pixels. "
       "The classifier was implemented in PyTorch and trained for 40 epochs. "
       "Please see the appendix for the full list of ponds.")
WHOLE = [Passage(chunk_id=1, text=DOC, start=0, page=None)]


@pytest.fixture
def words_only(monkeypatch):
    # the learned "about the field" signal off: these tests are about the word lists
    monkeypatch.setattr(relevance, "classifier_says", lambda quote, key, threshold=None: False)


def check(field, value, quote, passages=WHOLE, relocate=True):
    return verdict_of(Candidate(field, value, quote), load_schema().field(field), DOC, passages,
                      relocate=relocate)


def test_value_stated_in_another_sentence_is_relocated(words_only):
    v = check("frameworks", "PyTorch", "Frog calls were recorded with twelve acoustic monitors")
    assert v.accepted and v.relocated
    assert DOC[v.match.start:v.match.end] == ("The classifier was implemented in PyTorch and "
                                              "trained for 40 epochs.")
    assert v.grounding == "verbatim" and v.match.chunk_id == 1 and v.extra == ()
    # the quote given is kept on the candidate (stored as the quote the backend gave)
    assert v.candidate.quote.startswith("Frog calls")
    # without relocation the same candidate is rejected, as before
    assert check("frameworks", "PyTorch", "Frog calls were recorded with twelve acoustic "
                 "monitors", relocate=False).reason == "value not grounded in its quote"


def test_quote_that_verifies_is_kept_not_relocated(words_only):
    v = check("frameworks", "PyTorch", "implemented in PyTorch and trained")
    assert v.accepted and not v.relocated and v.match.match == "exact"


def test_value_nowhere_in_the_passages_is_rejected(words_only):
    v = check("frameworks", "TensorFlow", "The classifier was implemented in PyTorch")
    assert not v.accepted and v.reason == "value not grounded in its quote"


def test_quote_not_found_is_never_relocated(words_only):
    # the quote check is as strict as before: an invented quote is not rescued
    v = check("frameworks", "PyTorch", "We wrote our own code in a framework of our own")
    assert not v.accepted and v.reason == "quote not found in the passages read"


def test_only_sentences_of_the_passages_read(words_only):
    first = [Passage(chunk_id=1, text=DOC[:72], start=0, page=None)]
    v = check("frameworks", "PyTorch", "Frog calls were recorded with twelve acoustic monitors",
              passages=first)
    assert not v.accepted and v.reason == "value not grounded in its quote"


def test_wrong_field_value_not_moved_to_a_sentence_about_another_field(words_only):
    # "resized to spectrograms of 128 by 128 pixels" is stated, but its sentence is about
    # preprocessing: filed under augmentation it stays rejected ...
    v = check("augmentation", "resized spectrograms", "Frog calls were recorded with twelve "
              "acoustic monitors")
    assert not v.accepted
    # ... while under the field its sentence speaks of, it is relocated there
    v = check("preprocessing", "resized spectrograms", "Frog calls were recorded with twelve "
              "acoustic monitors")
    assert v.accepted and v.relocated and DOC[v.match.start:].startswith("All clips were resized")


def test_a_number_is_relocated_only_where_it_is_stated(words_only):
    v = check("hyperparameters", "epochs = 40", "Frog calls were recorded with twelve acoustic "
              "monitors")
    assert v.accepted and v.relocated and v.grounding in ("words", "number")
    assert "40 epochs" in DOC[v.match.start:v.match.end]
    assert not check("hyperparameters", "epochs = 50", "Frog calls were recorded with twelve "
                     "acoustic monitors").accepted


def test_verify_relocates_for_every_backend(words_only):
    # verify() is what every backend's candidates go through
    out = verify([Candidate("frameworks", "PyTorch", "All clips were resized to spectrograms")],
                 load_schema().fields, DOC, WHOLE)
    assert out[0].accepted and out[0].relocated


def test_sentence_spans_keep_abbreviations_and_split_long_runs():
    text = "Data came from Smith et al. 2020 and e.g. Jones. Models were fit. Then\nmore."
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Data came from Smith et al. 2020 and e.g. Jones.", "Models were fit.",
                     "Then\nmore."]
    table = "\n".join(["row with some cells 1 2 3 4 5 6 7 8 9"] * 20)
    assert all(b - a < 60 for a, b in sentence_spans(table))


PAPER = ("Counting nests from drone photographs. Orthomosaics of four colonies were assembled "
         "from 2,300 drone photographs. Nests were detected with a YOLOv5 model implemented in "
         "PyTorch. The data are archived with the journal.")


def test_annotation_relocated_stored_and_shown_by_audit(tmp_path, words_only):
    (tmp_path / "n1.txt").write_text(PAPER)
    gold = tmp_path / "gold"
    gold.mkdir()
    # one quote for two values: the framework is stated in the next sentence
    (gold / "n1.json").write_text(json.dumps({"doc_id": "n1", "fields": {
        "model_architecture": {"status": "reported", "values": ["YOLOv5"],
                               "evidence": ["Nests were detected with a YOLOv5 model"]},
        "frameworks": {"status": "reported", "values": ["PyTorch"],
                       "evidence": ["Orthomosaics of four colonies were assembled"]}}}))
    dbp = tmp_path / "a.db"
    db = open_db(dbp)
    ingest_paths(db, [tmp_path / "n1.txt"])
    r = import_annotations(db, load_annotations(gold), load_schema(), "gold")
    assert r.accepted == 2 and r.rejected == 0
    rows = dict(db.execute("SELECT fv.value, e.match FROM field_values fv JOIN evidence e"
                           " ON e.value_id = fv.id").fetchall())
    assert rows == {"YOLOv5": "exact", "PyTorch": "relocated"}
    given, stored = db.execute("SELECT fv.quote, e.quote FROM field_values fv JOIN evidence e"
                               " ON e.value_id = fv.id WHERE fv.value = 'PyTorch'").fetchone()
    assert given.startswith("Orthomosaics") and "implemented in PyTorch" in stored
    res = CliRunner().invoke(cli, ["audit", "n1", "frameworks", "--db", str(dbp)])
    assert res.exit_code == 0 and "relocated by verification" in res.output, res.output
    res = CliRunner().invoke(cli, ["audit", "n1", "model_architecture", "--db", str(dbp)])
    assert "relocated" not in res.output


def test_migration_keeps_evidence_and_allows_relocated(tmp_path):
    import sqlite3
    from extractor.store_connection import migrate
    conn = sqlite3.connect(tmp_path / "old.db")
    migrate(conn, before="016")
    conn.execute("INSERT INTO evidence (id, value_id, doc_id, quote, start, \"end\", match)"
                 " VALUES (5, 1, 'd', 'some quote', 0, 10, 'exact')")
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO evidence (value_id, doc_id, quote, start, \"end\", match)"
                     " VALUES (1, 'd', 'q', 0, 1, 'relocated')")
    migrate(conn)
    assert conn.execute("SELECT id, quote, match FROM evidence").fetchall() == [
        (5, "some quote", "exact")]
    conn.execute("INSERT INTO evidence (value_id, doc_id, quote, start, \"end\", match)"
                 " VALUES (1, 'd', 'q', 0, 1, 'relocated')")
    idx = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                      " AND tbl_name = 'evidence'")}
    assert "evidence_value" in idx
