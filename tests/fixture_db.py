"""A small, realistic methex database for tests: 3 documents, one run, results for two groups.

The text below is written for these tests. Offsets, pages and chunk ids are computed from it,
so every evidence row satisfies quote == documents.text[start:end] like real extraction output.

Contents (run 1, backend "rules", model "rules-v1"):
  paper_a  2 pages; software + training groups done. frameworks = PyTorch (exact match),
           a rejected frameworks value "TensorFlow" (quote not in the paper), hardware =
           NVIDIA RTX 3090 GPU, optimizer = Adam, hyperparameters two values, rest unknown.
  paper_b  plain text; software + training done. frameworks = "Pytorch" (other spelling),
           hardware = NVIDIA Tesla V100 (normalized match), optimizer = SGD.
  paper_c  plain text; software done (frameworks = scikit-learn, hardware unknown),
           training FAILED, so its training fields were never extracted.
Every other group is not extracted for any paper.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from extractor.canonical import fold, spec_canonical
from extractor.store import open_db

RUN_STARTED = "2026-01-05T10:00:00+00:00"
BACKEND, MODEL = "rules", "rules-v1"

PAPER_A_PAGES = [
    "Counting deer in camera trap images with deep learning. "
    "We collected 12,000 images with camera traps deployed across 40 forest sites. "
    "Images were annotated with bounding boxes by two ecologists. ",
    "We trained a Faster R-CNN detector with a ResNet-50 backbone. "
    "The model was implemented in PyTorch and trained on one NVIDIA RTX 3090 GPU. "
    "We used the Adam optimizer with a learning rate of 0.0001 and a batch size of 16. "
    "Smith J (2019) Object detection pipelines in TensorFlow, Ecological Informatics 12",
]
PAPER_B_TEXT = (
    "Classifying bird song from field recordings. "
    "Recordings were converted to mel spectrograms of 128 bands. "
    "The convolutional network was implemented in Pytorch and trained on a single "
    "NVIDIA Tesla V100 card for 50 epochs. "
    "Weights were updated with stochastic gradient descent (SGD) and a momentum of 0.9. "
)
PAPER_C_TEXT = (
    "Mapping tree species from airborne spectra. "
    "A random forest classifier was trained with scikit-learn on 3,400 labelled crowns. "
    "Accuracy was assessed on an independent test site. "
)

DOCS = {
    "paper_a": {"title": "Counting deer in camera trap images", "doi": "10.1234/a.1",
                "pages": PAPER_A_PAGES},
    "paper_b": {"title": "Classifying bird song", "doi": "10.1234/b.2", "pages": [PAPER_B_TEXT]},
    "paper_c": {"title": "Mapping tree species", "doi": None, "pages": [PAPER_C_TEXT]},
}
PDF_DOCS = {"paper_a"}          # paper_a has real pages; the others are plain text
REFERENCE_MARK = "Smith J (2019)"     # chunk that is a reference-list entry

# doc -> group -> field -> list of (value, quote, match); [] means unknown.
# Fields of a done group that are not listed are stored as unknown.
EXTRACTED = {
    "paper_a": {
        "software": {
            "frameworks": [("PyTorch", "The model was implemented in PyTorch", "exact")],
            "hardware": [("NVIDIA RTX 3090 GPU", "trained on one NVIDIA RTX 3090 GPU", "exact")],
        },
        "training": {
            "optimizer": [("Adam", "We used the Adam optimizer", "exact")],
            "hyperparameters": [
                ("learning rate = 0.0001", "a learning rate of 0.0001", "exact"),
                ("batch size = 16", "a batch size of 16", "exact"),
            ],
        },
    },
    "paper_b": {
        "software": {
            "frameworks": [("Pytorch", "implemented in Pytorch", "exact")],
            "hardware": [("NVIDIA Tesla V100", "a single NVIDIA Tesla V100 card", "normalized")],
        },
        "training": {
            "optimizer": [("SGD", "stochastic gradient descent (SGD)", "exact")],
            "hyperparameters": [("epochs = 50", "for 50 epochs", "exact")],
        },
    },
    "paper_c": {
        "software": {
            "frameworks": [("scikit-learn", "trained with scikit-learn", "exact")],
        },
    },
}
FAILED = {("paper_c", "training"): "backend timed out after 3 attempts"}
# Values verification dropped: (doc, field, value, backend quote, reason).
REJECTED = [
    ("paper_a", "frameworks", "TensorFlow", "the detector was built with TensorFlow",
     "quote not found in the document"),
]
GROUPS = ("software", "training")


def normalize(value: str) -> str:
    return fold(value)


def _chunks(text: str, page_starts: list[int] | None):
    """Sentence chunks with offsets (ends at '. '); page from the page start offsets."""
    out = []
    # Split after ". " (a period inside a number such as 0.0001 is not followed by a space).
    start = 0
    pieces = []
    for m in re.finditer(r"\.\s", text):
        pieces.append((start, m.end()))
        start = m.end()
    if start < len(text):
        pieces.append((start, len(text)))
    for s, e in pieces:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            continue
        page = None
        if page_starts:
            page = max(i + 1 for i, ps in enumerate(page_starts) if ps <= s)
        out.append((s, e, page))
    return out


@functools.lru_cache(maxsize=1)
def _default_schema():
    from extractor.schemas.catalog import load_schema
    return load_schema()


def build_fixture_db(path: str | Path):
    """Create the fixture database at `path` and return the open sqlite_utils.Database."""
    schema = _default_schema()
    db = open_db(path)
    c = db.conn
    c.execute("BEGIN")
    for doc_id, d in DOCS.items():
        text = "".join(d["pages"])
        page_starts = None
        if doc_id in PDF_DOCS:
            page_starts, pos = [], 0
            for p in d["pages"]:
                page_starts.append(pos)
                pos += len(p)
        c.execute(
            "INSERT INTO documents (id, path, sha256, doi, title, pages, chars, status, reason,"
            " text, page_starts, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [doc_id, f"corpus/{doc_id}.{'pdf' if page_starts else 'txt'}",
             hashlib.sha256(text.encode()).hexdigest(), d["doi"], d["title"],
             len(page_starts) if page_starts else None, len(text), "ok", None, text,
             json.dumps(page_starts) if page_starts else None, RUN_STARTED])
        for ord_, (s, e, page) in enumerate(_chunks(text, page_starts)):
            is_ref = int(text[s:e].startswith(REFERENCE_MARK))
            c.execute('INSERT INTO chunks (doc_id, ord, page, start, "end", text, is_reference)'
                      " VALUES (?,?,?,?,?,?,?)", [doc_id, ord_, page, s, e, text[s:e], is_ref])

    run_id = add_run(db, BACKEND, MODEL, schema, started=RUN_STARTED, conn_in_tx=True)
    for doc_id in DOCS:
        for grp in GROUPS:
            add_group_result(db, run_id, doc_id, grp, EXTRACTED.get(doc_id, {}).get(grp, {}),
                             schema=schema, failed=FAILED.get((doc_id, grp)),
                             rejected=[r[1:] for r in REJECTED if r[0] == doc_id],
                             in_tx=True)
    c.execute("COMMIT")
    return db


def add_run(db, backend: str, model: str, schema=None, started: str = "2026-02-01T09:00:00+00:00",
            conn_in_tx: bool = False) -> int:
    """Insert a runs row and return its id."""
    schema = schema or _default_schema()
    sql = ("INSERT INTO runs (backend, model, schema_name, schema_version, prompt_hash, settings,"
           " started_at, finished_at, seconds, docs_done, docs_failed)"
           " VALUES (?,?,?,?,?,?,?,?,?,?,?)")
    params = [backend, model, schema.name, schema.version, "p0", json.dumps({"top_k": 3}),
              started, started, 60.0, 0, 0]
    if conn_in_tx:
        return db.conn.execute(sql, params).lastrowid
    with db.conn:
        return db.conn.execute(sql, params).lastrowid


def add_group_result(db, run_id: int, doc_id: str, grp: str,
                     found: dict[str, list[tuple[str, str, str]]], *, schema=None,
                     failed: str | None = None, rejected=(), in_tx: bool = False) -> int:
    """Store one document x group result the way extraction does.

    found: field -> [(value, quote, match)], the quote exactly as in the document text;
    fields of the group not in `found` are stored as unknown. rejected: (field, value,
    backend quote, reason). failed: error text; a failed unit stores no extractions.
    Retrievals: the first three non-reference chunks of the document.
    """
    schema = schema or _default_schema()
    c = db.conn
    if not in_tx:
        c.execute("BEGIN")
    text = c.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
    chunks = c.execute('SELECT id, start, "end", page, is_reference FROM chunks'
                       " WHERE doc_id = ? ORDER BY ord", [doc_id]).fetchall()
    backend, model, version = c.execute("SELECT backend, model, schema_version FROM runs"
                                        " WHERE id = ?", [run_id]).fetchone()
    sha = hashlib.sha256(text.encode()).hexdigest()
    gr_id = c.execute(
        "INSERT INTO group_results (run_id, doc_id, doc_sha256, grp, cache_key, status,"
        " error, seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [run_id, doc_id, sha, grp, f"{backend}|{model}|{version}|p0",
         "failed" if failed else "done", failed, 1.5, "2026-01-05T10:00:30+00:00"]).lastrowid
    c.execute("INSERT INTO llm_calls (group_result_id, run_id, doc_id, grp, attempt,"
              " prompt_tokens, completion_tokens, latency_ms, error, created_at)"
              " VALUES (?,?,?,?,?,?,?,?,?,?)",
              [gr_id, run_id, doc_id, grp, 1, 900, 120, 1400.0, failed,
               "2026-01-05T10:00:30+00:00"])
    usable = [ch for ch in chunks if not ch[4]]
    for rank, ch in enumerate(usable[:3], start=1):
        c.execute("INSERT INTO retrievals (group_result_id, chunk_id, rank, score)"
                  " VALUES (?,?,?,?)", [gr_id, ch[0], rank, round(10.0 / rank, 2)])
    if not failed:
        for f in schema.group(grp).fields:
            vals = found.get(f.key, [])
            ex_id = c.execute(
                "INSERT INTO extractions (group_result_id, run_id, doc_id, field, status,"
                " reason) VALUES (?,?,?,?,?,?)",
                [gr_id, run_id, doc_id, f.key, "reported" if vals else "unknown",
                 None if vals else "no passage states it"]).lastrowid
            for value, quote, match in vals:
                start = text.index(quote)
                end = start + len(quote)
                given = quote if match == "exact" else quote.upper()
                canon = spec_canonical(f, value)     # as the store keys accepted values
                v_id = c.execute(
                    "INSERT INTO field_values (extraction_id, doc_id, field, value,"
                    " normalized, accepted, reason, quote, canonical)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    [ex_id, doc_id, f.key, value, fold(canon), 1, None, given,
                     canon]).lastrowid
                ch = next(ch for ch in chunks if ch[1] <= start < ch[2])
                c.execute('INSERT INTO evidence (value_id, doc_id, quote, start, "end", page,'
                          " chunk_id, match) VALUES (?,?,?,?,?,?,?,?)",
                          [v_id, doc_id, text[start:end], start, end, ch[3], ch[0], match])
            for r_field, value, quote, reason in rejected:
                if r_field == f.key:
                    c.execute("INSERT INTO field_values (extraction_id, doc_id, field, value,"
                              " normalized, accepted, reason, quote) VALUES (?,?,?,?,?,?,?,?)",
                              [ex_id, doc_id, f.key, value, normalize(value), 0, reason, quote])
    if not in_tx:
        c.execute("COMMIT")
    return gr_id
