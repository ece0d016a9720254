"""What each page of `methex serve` shows, built from the library's read functions.

No web framework here: plain data for the templates, so the pages can be tested (and reused)
without a server. Text from papers stays plain text; the templates escape it.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

import sqlite_utils

from extractor.audit import FieldAudit, audit_paper, unverified
from extractor.query import (NOT_EXTRACTED, Condition, check_doc, docs_state, field_facets,
                             find_papers)
from extractor.schemas.catalog import Schema

SNIPPET_CHARS = 320     # context kept on each side of a highlighted quote
TOP_VALUES = 8          # bars per field on the overview page


@dataclass
class PaperRow:
    doc_id: str
    title: str | None
    doi: str | None
    status: str
    reported: int = 0
    unknown: int = 0
    not_extracted: int = 0
    conflicting: int = 0
    reviewed: int = 0


def paper_rows(db: sqlite_utils.Database, schema: Schema, conditions: list[Condition],
               search: str = "") -> list[PaperRow]:
    """Papers matching every condition (as `methex query --where`) whose title, DOI or id
    contains `search`, with per-paper field counts."""
    meta = {r[0]: r[1:] for r in db.execute("SELECT id, title, doi, status FROM documents")}
    if conditions:
        ids = [m.doc_id for m in find_papers(db, conditions, show=[], schema=schema)]
    else:
        ids = sorted(meta)
    needle = search.casefold().strip()
    if needle:
        ids = [d for d in ids if any(needle in (s or "").casefold()
                                     for s in (d, meta[d][0], meta[d][1]))]
    states = docs_state(db, schema, ids) if ids else {}
    conflicts = conflicting_fields(db)
    rows = []
    for d in ids:
        row = PaperRow(d, *meta[d])
        for st in states[d].values():
            if st.status == "reported":
                row.reported += 1
            elif st.status == NOT_EXTRACTED:
                row.not_extracted += 1
            else:
                row.unknown += 1
            row.reviewed += st.reviewed
        row.conflicting = len(conflicts.get(d, ()))
        rows.append(row)
    return rows


def conflicting_fields(db: sqlite_utils.Database) -> dict[str, set[str]]:
    """doc -> fields on which backends (or annotation imports) disagree: the latest successful
    result of each backend/model for the current text gives different sets of values (an
    unknown counts as the empty set)."""
    rows = db.execute(
        "WITH latest AS ("
        "  SELECT e.doc_id, e.field, max(e.id) AS eid FROM extractions e"
        "  JOIN group_results g ON g.id = e.group_result_id"
        "  JOIN documents d ON d.id = e.doc_id AND d.sha256 = g.doc_sha256"
        "  JOIN runs r ON r.id = e.run_id WHERE g.status = 'done'"
        "  GROUP BY e.doc_id, e.field, r.backend, r.model),"
        " answers AS ("
        "  SELECT l.doc_id, l.field, coalesce((SELECT group_concat(n, '|') FROM"
        "   (SELECT DISTINCT fv.normalized AS n FROM field_values fv"
        "    WHERE fv.extraction_id = l.eid AND fv.accepted = 1 ORDER BY n)), '') AS vals"
        "  FROM latest l)"
        " SELECT doc_id, field FROM answers GROUP BY doc_id, field"
        " HAVING count(DISTINCT vals) > 1").fetchall()
    out: dict[str, set[str]] = {}
    for doc, key in rows:
        out.setdefault(doc, set()).add(key)
    return out


# --- paper page -----------------------------------------------------------------------------

@dataclass
class Snippet:
    """A quote inside its passage: before + quote + after, for the template to highlight."""
    before: str
    quote: str
    after: str
    start: int
    end: int
    page: int | None
    match: str
    source: str                 # 'extracted' | 'review'
    reviewer: str | None = None


@dataclass
class ValueView:
    value: str
    grounding: str | None
    review: str | None          # latest decision on this value, if any
    source: str
    snippets: list[Snippet]


@dataclass
class FieldView:
    key: str
    group: str
    description: str
    status: str
    reason: str | None
    provenance: str | None      # "backend / model, run N, date"
    values: list[ValueView]
    passages: list            # extractor.audit.RetrievedPassage read for an unknown
    reviews: list[dict]
    conflicting: bool = False
    rejected: list[dict] = dc_field(default_factory=list)


def _trim(before: str, after: str) -> tuple[str, str]:
    if len(before) > SNIPPET_CHARS:
        before = "…" + before[-SNIPPET_CHARS:].split(" ", 1)[-1]
    if len(after) > SNIPPET_CHARS:
        after = after[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return before, after


def _field_view(fa: FieldAudit, schema: Schema, conflicting: bool) -> FieldView:
    st = fa.state
    spec = schema.field(st.key)
    values = []
    for v in st.values:
        snippets = []
        for e in fa.evidence.get((v.normalized, v.value), []):
            before, after = _trim(e.context[:e.hl_start], e.context[e.hl_end:])
            snippets.append(Snippet(before, e.context[e.hl_start:e.hl_end], after, e.start,
                                    e.end, e.page, e.match, e.source, e.reviewer))
        values.append(ValueView(v.value, v.grounding, v.review, v.source, snippets))
    prov = None
    if st.run_id is not None:
        prov = f"{st.backend} / {st.model}, run {st.run_id}, {st.extracted_at}"
    return FieldView(key=st.key, group=st.group, description=spec.description,
                     status=st.status, reason=st.reason, provenance=prov, values=values,
                     passages=fa.retrieved, reviews=fa.reviews, conflicting=conflicting)


def paper_view(db: sqlite_utils.Database, schema: Schema, doc_id: str,
               with_rejected: bool = False) -> tuple[dict, list[FieldView]]:
    """(document row, one FieldView per schema field); raises QueryError for an unknown id."""
    doc = check_doc(db, doc_id)
    conflicts = conflicting_fields(db).get(doc_id, set())
    views = [_field_view(fa, schema, fa.state.key in conflicts)
             for fa in audit_paper(db, doc_id, schema=schema)]
    if with_rejected:
        by_key = {v.key: v for v in views}
        for r in unverified(db, doc_id, schema=schema):
            if r["field"] in by_key:
                by_key[r["field"]].rejected.append(r)
    return doc, views


# --- field overview -------------------------------------------------------------------------

@dataclass
class Bar:
    label: str
    papers: int
    percent: float              # of the papers considered
    where: str | None           # condition for the papers list, None when not filterable


@dataclass
class FieldChart:
    key: str
    group: str
    description: str
    papers: int
    reported: int
    unknown: int
    not_extracted: int
    bars: list[Bar]
    more: int                   # values not drawn


def field_charts(db: sqlite_utils.Database, schema: Schema, keys: list[str] | None = None,
                 top: int | None = TOP_VALUES) -> list[FieldChart]:
    """Per field: how many papers report each value (most common first)."""
    out = []
    for key in keys or schema.keys:
        res = field_facets(db, key, schema)
        spec = schema.field(key)
        n = max(res.papers, 1)
        shown = res.facets[:top] if top else res.facets
        bars = [Bar(f.value, f.papers, 100.0 * f.papers / n, f"{key}={f.value}")
                for f in shown]
        out.append(FieldChart(key, spec.group, spec.description, res.papers, res.reported,
                              res.unknown, res.not_extracted, bars,
                              len(res.facets) - len(shown)))
    return out
