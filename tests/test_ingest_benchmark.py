"""The whole shared benchmark through ingestion (skips when ../shared is absent). One module-scoped
ingest (~10 s on 2 cores) feeds all the checks."""
from __future__ import annotations

import pytest

from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db


@pytest.fixture(scope="module")
def ingested(shared_benchmark, tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("bench") / "bench.db")
    report = ingest_paths(db, [shared_benchmark / "corpus", shared_benchmark / "pdfs"])
    yield db, report
    db.conn.close()


def test_all_documents_ingested(ingested):
    db, report = ingested
    assert len(report.outcomes) == 464 + 46
    assert report.ok, [(o.path, o.reason) for o in report.failed]
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 510
    assert db.execute("SELECT count(*) FROM documents WHERE pages IS NOT NULL").fetchone()[0] == 44


def test_cid_document_is_unreadable(ingested):
    db, report = ingested
    status, reason = db.execute("SELECT status, reason FROM documents WHERE id = '27'").fetchone()
    assert status == "unreadable" and "(cid:NN)" in reason
    unreadable = {o.doc_id for o in report.outcomes if o.status == "unreadable"}
    assert unreadable == {"27"}


def test_offsets_pages_and_labels(ingested):
    db, _ = ingested
    bad = db.execute('SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.doc_id '
                     'WHERE substr(d.text, c.start + 1, c."end" - c.start) != c.text').fetchone()[0]
    assert bad == 0
    assert db.execute('SELECT max(length(text)) FROM chunks').fetchone()[0] <= 1500
    # PDF chunks carry pages; text chunks do not
    assert db.execute("SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.doc_id "
                      "WHERE (d.pages IS NULL) != (c.page IS NULL)").fetchone()[0] == 0
    # the excerpts mix reference entries into the text: a real share of chunks is marked
    refs, total = db.execute("SELECT sum(is_reference), count(*) FROM chunks").fetchone()
    assert 0.1 < refs / total < 0.5


def test_dois(ingested):
    db, _ = ingested
    doi = db.execute("SELECT doi FROM documents WHERE id = '10.1016_j.ecoinf.2022.101733'").fetchone()[0]
    assert doi == "10.1016/j.ecoinf.2022.101733"
    # the conference-abstract PDFs print their own DOI in the first-page header
    n = db.execute("SELECT count(*) FROM documents WHERE id LIKE 'BISS%' AND doi LIKE '10.3897/biss.%'"
                   ).fetchone()[0]
    assert n == 44
