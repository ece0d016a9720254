"""Why does the database say what it says about a paper? Evidence in context, provenance,
what retrieval read for unknown fields, what verification or reviewers dropped, and every LLM
request (prompt and raw output) behind it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field

import sqlite_utils

from extractor.consensus import field_consensus_of
from extractor.query import FieldState, check_doc, check_field, docs_state
from extractor.review import list_reviews
from extractor.schemas.catalog import Schema, load_schema

CONTEXT_CHARS = 160     # around a quote that has no chunk (e.g. set by a reviewer)


@dataclass
class EvidenceView:
    quote: str
    start: int
    end: int
    page: int | None
    match: str
    source: str                  # 'extracted' | 'review'
    context: str                 # the surrounding chunk text (or a window of the document)
    hl_start: int                # quote offsets inside context
    hl_end: int
    chunk_id: int | None = None
    reviewer: str | None = None
    reviewed_at: str | None = None


@dataclass
class RetrievedPassage:
    """A passage that retrieval gave the backend for a field group, with its rank (read back
    from `retrievals` for an unknown field)."""
    chunk_id: int
    rank: int
    score: float
    page: int | None
    start: int
    end: int
    text: str


@dataclass
class FieldAudit:
    state: FieldState
    evidence: dict[tuple[str, str], list[EvidenceView]]  # (normalized, value) -> its evidence
    retrieved: list[RetrievedPassage] = dc_field(default_factory=list)
    reviews: list[dict] = dc_field(default_factory=list)
    # consensus runs (extractor/consensus.py): the field's consensus status (reported /
    # unknown / conflicting) and counts; None otherwise (each value's agreement is on it)
    consensus: dict | None = None


def _context(db: sqlite_utils.Database, text: str, doc_id: str, start: int,
             end: int) -> tuple[str, int]:
    """Text of the chunks overlapping [start, end) and the offset where it begins."""
    row = db.execute('SELECT min(start), max("end") FROM chunks WHERE doc_id = ?'
                     ' AND start < ? AND "end" > ?', [doc_id, end, start]).fetchone()
    if row and row[0] is not None:
        lo, hi = min(row[0], start), max(row[1], end)
    else:
        lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    return text[lo:hi], lo


def _checked(db: sqlite_utils.Database, doc_id: str, field: str | None,
             schema: Schema | None) -> Schema:
    """The schema to use, once the document exists and the field (if any) is in it."""
    schema = schema or load_schema()
    check_doc(db, doc_id)
    if field:
        check_field(schema, field)
    return schema


def audit_paper(db: sqlite_utils.Database, doc_id: str, field: str | None = None,
                schema: Schema | None = None) -> list[FieldAudit]:
    """One FieldAudit per schema field (or just `field`) of one paper."""
    schema = _checked(db, doc_id, field, schema)
    text = db.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
    states = docs_state(db, schema, [doc_id])[doc_id]
    reviews = list_reviews(db, doc_id, field)
    out = []
    for key in ([field] if field else schema.keys):
        st = states[key]
        ev: dict[str, list[EvidenceView]] = {}
        for v in st.values:
            views = []
            for e in v.evidence:
                ctx, lo = _context(db, text, doc_id, e["start"], e["end"])
                views.append(EvidenceView(
                    quote=e["quote"], start=e["start"], end=e["end"], page=e["page"],
                    match=e["match"], source=e["source"], context=ctx,
                    hl_start=e["start"] - lo, hl_end=e["end"] - lo, chunk_id=e["chunk_id"],
                    reviewer=e.get("reviewer"), reviewed_at=e.get("reviewed_at")))
            ev[(v.normalized, v.value)] = views
        retrieved = []
        if st.group_result_id is not None and not st.values:
            retrieved = [RetrievedPassage(*r) for r in db.execute(
                'SELECT c.id, r.rank, r.score, c.page, c.start, c."end", c.text'
                " FROM retrievals r JOIN chunks c ON c.id = r.chunk_id"
                " WHERE r.group_result_id = ? ORDER BY r.rank", [st.group_result_id])]
        out.append(FieldAudit(state=st, evidence=ev, retrieved=retrieved,
                              reviews=[r for r in reviews if r["field"] == key],
                              consensus=field_consensus_of(
                                  db, st.extraction_id) if st.extraction_id else None))
    return out


def unverified(db: sqlite_utils.Database, doc_id: str, field: str | None = None,
               schema: Schema | None = None) -> list[dict]:
    """Values the backend proposed in the current extraction that verification rejected."""
    _checked(db, doc_id, field, schema)
    sql = ("SELECT fv.field, fv.value, fv.quote, fv.reason, ce.run_id, r.backend, r.model"
           " FROM current_map cm JOIN extractions ce ON ce.id = cm.extraction_id"
           " JOIN field_values fv ON fv.extraction_id = ce.id"
           " JOIN runs r ON r.id = ce.run_id WHERE ce.doc_id = ? AND fv.accepted = 0")
    params = [doc_id]
    if field:
        sql += " AND ce.field = ?"
        params.append(field)
    cur = db.execute(sql + " ORDER BY fv.field, fv.id", params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def review_rejections(db: sqlite_utils.Database, doc_id: str, field: str | None = None,
                      schema: Schema | None = None) -> list[dict]:
    """Values removed by a reviewer's reject that is still in force."""
    _checked(db, doc_id, field, schema)
    return [r for r in list_reviews(db, doc_id, field)
            if r["action"] == "reject" and r["in_force"]]


@dataclass
class CallView:
    """One LLM request as stored in llm_calls: what was asked, what came back, what it cost."""
    id: int
    run_id: int
    backend: str
    model: str
    group: str
    field: str | None            # None: a request about the whole group (older runs)
    attempt: int
    messages: list[dict]         # [] for calls logged before migration 008
    output: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float | None
    error: str | None
    created_at: str


def llm_calls(db: sqlite_utils.Database, doc_id: str, field: str | None = None,
              schema: Schema | None = None) -> list[CallView]:
    """Every LLM request made for a paper (or for one field: its own requests and any
    whole-group request of its group), oldest first, across all runs."""
    schema = _checked(db, doc_id, field, schema)
    sql = ("SELECT l.id, l.run_id, r.backend, r.model, l.grp, l.field, l.attempt, l.messages,"
           " l.output, l.prompt_tokens, l.completion_tokens, l.latency_ms, l.error, l.created_at"
           " FROM llm_calls l JOIN runs r ON r.id = l.run_id WHERE l.doc_id = ?")
    params: list = [doc_id]
    if field:
        sql += " AND (l.field = ? OR (l.field IS NULL AND l.grp = ?))"
        params += [field, schema.field(field).group]
    out = []
    for row in db.execute(sql + " ORDER BY l.id", params).fetchall():
        row = list(row)
        row[7] = json.loads(row[7]) if row[7] else []
        out.append(CallView(*row))
    return out
