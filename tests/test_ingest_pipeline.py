"""ingest_paths end to end on a real SQLite database: outcomes, idempotence, bad input, CLI."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli_ingest import ingest, run_ingest
from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db

PROSE = ("We trained a gradient-boosted classifier on acoustic indices from {n} recordings of frog "
         "choruses. Recordings were split by pond, so no pond appeared in both training and test "
         "sets. The model used {n} trees with a maximum depth of six and a learning rate of 0.05. "
         "Features were standardised, and missing values were imputed with the median of each "
         "pond. ")


def paper(n: int = 3, extra: str = "") -> str:
    return "\n\n".join(PROSE.format(n=100 + i) * 2 for i in range(n)) + extra


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "t.db")
    yield d
    d.conn.close()


def outcomes(report):
    return {Path(o.path).name: o for o in report.outcomes}


def stored_chunks(db, doc_id):
    return db.execute('SELECT ord, start, "end", text FROM chunks WHERE doc_id = ? ORDER BY ord',
                      [doc_id]).fetchall()


def test_ingest_folder_recursively_and_check_offsets(tmp_path, db):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text(paper(4), encoding="utf-8")
    (tmp_path / "in" / "sub" / "b.md").write_text("# Frogs\n\n" + paper(2), encoding="utf-8")
    (tmp_path / "in" / "sub" / "ignored.json").write_text("{}")
    report = ingest_paths(db, [tmp_path / "in"])
    assert sorted(outcomes(report)) == ["a.txt", "b.md"]
    assert report.count("ingested") == 2 and report.ok
    for doc_id in ("a", "b"):
        text, status, pages = db.execute("SELECT text, status, pages FROM documents WHERE id = ?",
                                          [doc_id]).fetchone()
        assert status == "ok" and pages is None
        rows = stored_chunks(db, doc_id)
        assert rows
        for _, s, e, t in rows:
            assert text[s:e] == t
    # the FTS index follows the chunks
    hits = db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'frog'").fetchone()[0]
    assert hits > 0


def test_reingest_unchanged_is_a_noop_and_changed_file_replaces(tmp_path, db):
    f = tmp_path / "paper.txt"
    f.write_text(paper(3), encoding="utf-8")
    assert ingest_paths(db, [f]).outcomes[0].status == "ingested"
    first = db.execute("SELECT ingested_at, sha256 FROM documents WHERE id='paper'").fetchone()
    ids_before = [r[0] for r in db.execute("SELECT id FROM chunks WHERE doc_id='paper'")]
    again = ingest_paths(db, [f]).outcomes[0]
    assert again.status == "unchanged"
    assert db.execute("SELECT ingested_at, sha256 FROM documents WHERE id='paper'").fetchone() == first
    assert [r[0] for r in db.execute("SELECT id FROM chunks WHERE doc_id='paper'")] == ids_before

    f.write_text(paper(1, extra="\n\nA new closing paragraph about salamanders."), encoding="utf-8")
    changed = ingest_paths(db, [f]).outcomes[0]
    assert changed.status == "ingested"
    text, sha = db.execute("SELECT text, sha256 FROM documents WHERE id='paper'").fetchone()
    assert sha != first[1] and "salamanders" in text
    rows = stored_chunks(db, "paper")
    assert [r[0] for r in rows] == list(range(len(rows)))   # old chunks gone, ords fresh
    assert all(text[s:e] == t for _, s, e, t in rows)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


def test_cid_text_is_stored_unreadable(tmp_path, db):
    f = tmp_path / "garbled.txt"
    f.write_text("\n".join(" ".join(f"(cid:{20 + (i * j) % 70})" for j in range(12))
                           for i in range(80)), encoding="utf-8")
    o = ingest_paths(db, [f]).outcomes[0]
    assert o.status == "unreadable" and "(cid:NN)" in o.reason
    status, reason = db.execute("SELECT status, reason FROM documents WHERE id='garbled'").fetchone()
    assert status == "unreadable" and "font codes" in reason
    assert stored_chunks(db, "garbled") == []


def test_bad_inputs_each_get_a_clear_message_and_the_batch_goes_on(tmp_path, db, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text(paper(2), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "latin.txt").write_bytes(paper(2).replace("median", "m\u00e9dian").encode("cp1252"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf at all\n")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 zip")
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(tmp_path / "locked.pdf"), encrypt="secret")
    c.drawString(72, 720, "Confidential methods text that nobody can read without the password.")
    c.showPage()
    c.save()
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:          # sparse 50 MB file: rejected on size before reading
        fh.truncate(50 * 1024 * 1024)
    files = [good, tmp_path / "empty.txt", tmp_path / "junk.txt", tmp_path / "latin.txt",
             tmp_path / "broken.pdf", tmp_path / "locked.pdf", tmp_path / "notes.docx", big,
             tmp_path / "missing.txt"]
    report = ingest_paths(db, files)
    o = outcomes(report)
    assert o["good.txt"].status == "ingested"
    assert o["empty.txt"].status == "failed" and "empty file" in o["empty.txt"].reason
    assert o["junk.txt"].status == "failed" and "binary content" in o["junk.txt"].reason
    assert o["latin.txt"].status == "ingested" and "decoded as cp1252" in o["latin.txt"].reason
    assert o["broken.pdf"].status == "failed" and "PDF" in o["broken.pdf"].reason
    assert o["locked.pdf"].status == "failed" and "encrypted PDF" in o["locked.pdf"].reason
    assert o["notes.docx"].status == "failed" and "unsupported file type '.docx'" in o["notes.docx"].reason
    assert o["huge.txt"].status == "failed" and "too large" in o["huge.txt"].reason
    assert "50.0 MB" in o["huge.txt"].reason
    assert o["missing.txt"].status == "failed" and "no such file" in o["missing.txt"].reason
    assert not report.ok
    stored = {r[0] for r in db.execute("SELECT id FROM documents")}
    assert stored == {"good", "latin"}
    reason, text = db.execute("SELECT reason, text FROM documents WHERE id='latin'").fetchone()
    assert "cp1252" in reason and "m\u00e9dian" in text


def test_duplicate_stem_in_one_batch_is_reported(tmp_path, db):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "p.txt").write_text(paper(1), encoding="utf-8")
    (tmp_path / "p.md").write_text(paper(2), encoding="utf-8")
    report = ingest_paths(db, [tmp_path / "x" / "p.txt", tmp_path / "p.md"])
    assert [o.status for o in report.outcomes] == ["ingested", "failed"]
    assert "already used" in report.outcomes[1].reason


def test_doi_from_corpus_style_stem(tmp_path, db):
    f = tmp_path / "10.1234_j.frogs.2021.000123.txt"
    f.write_text(paper(2), encoding="utf-8")
    ingest_paths(db, [f])
    assert db.execute("SELECT doi FROM documents").fetchone()[0] == "10.1234/j.frogs.2021.000123"


def test_progress_callback(tmp_path, db):
    for i in range(3):
        (tmp_path / f"d{i}.txt").write_text(paper(1), encoding="utf-8")
    seen = []
    ingest_paths(db, [tmp_path], on_progress=lambda o, done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_cli_summary_and_exit_codes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.txt").write_text(paper(2), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(ingest, ["ok.txt", "--db", "m.db"])
    assert res.exit_code == 0, res.output
    assert "ingested" in res.output
    res = runner.invoke(ingest, ["ok.txt", "--db", "m.db"])
    assert res.exit_code == 0 and "unchanged" in res.output
    (tmp_path / "empty.txt").write_bytes(b"")
    res = runner.invoke(ingest, ["ok.txt", "empty.txt", "--db", "m.db"])
    assert res.exit_code == 1
    assert "empty file" in res.output
    # default database path from METHEX_DB
    monkeypatch.setenv("METHEX_DB", str(tmp_path / "env.db"))
    res = runner.invoke(ingest, ["ok.txt"])
    assert res.exit_code == 0 and (tmp_path / "env.db").exists()


def test_unreadable_is_not_a_cli_failure(tmp_path):
    (tmp_path / "digits.txt").write_text(" ".join(f"{i} {i * 3}.{i} | x" for i in range(500)))
    report = run_ingest([tmp_path / "digits.txt"], tmp_path / "m.db", progress=False)
    assert report.ok and report.outcomes[0].status == "unreadable"
    assert "non-letters" in report.outcomes[0].reason


def test_ingest_with_progress_on_open_db_and_doc_ids(tmp_path, db):
    import io

    from rich.console import Console

    from extractor.cli_ingest import ingest_with_progress

    (tmp_path / "a.txt").write_text(paper(1), encoding="utf-8")
    (tmp_path / "b.txt").write_text("(cid:12)(cid:13) " * 300, encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    buf = io.StringIO()
    report = ingest_with_progress(db, [tmp_path], console=Console(file=buf, width=120))
    assert report.doc_ids() == ["a", "b"]          # unreadable kept, failed dropped
    assert [o.doc_id for o in report.failed] == ["c"]
    out = buf.getvalue()
    assert "files needing attention" in out and "empty file" in out and "font codes" in out


def test_same_stem_from_another_folder_replaces_with_a_note(tmp_path, db):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "p.txt").write_text(paper(1), encoding="utf-8")
    (tmp_path / "b" / "p.txt").write_text(paper(2), encoding="utf-8")
    ingest_paths(db, [tmp_path / "a" / "p.txt"])
    o = ingest_paths(db, [tmp_path / "b" / "p.txt"]).outcomes[0]
    assert o.status == "ingested" and "previously ingested from" in o.reason
    assert db.execute("SELECT path FROM documents WHERE id='p'").fetchone()[0].endswith("b/p.txt")
