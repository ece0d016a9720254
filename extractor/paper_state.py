"""Per-paper field state: the current values of each document (reviews applied) with their
evidence, and what extraction said for every schema field (`methex show`, audit, export).

Values are read from the current_values table (db/012), which triggers keep equal to the rule
of db/005 at write time, so human reviews already override extraction results (a rejected
value is gone, a set value is present with its own evidence) and every read is an index scan.
"""
from __future__ import annotations

import json

from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from itertools import groupby
from operator import itemgetter
from typing import Iterator

import sqlite_utils

from extractor.query_checks import NOT_EXTRACTED, batches, check_doc, doc_filter
from extractor.schemas.catalog import Schema, load_schema
from extractor.store import normalize_value


@dataclass
class ValueState:
    value: str
    normalized: str
    source: str                      # 'extracted' | 'review'
    review: str | None               # latest review action on this value, if any
    evidence: list[dict] = dc_field(default_factory=list)
    value_id: int | None = None      # field_values.id (extracted values)
    review_id: int | None = None     # reviews.id (values set by review)
    grounding: str | None = None     # how the value is grounded in its quote (extracted values)
    canonical: str | None = None     # canonical form (extractor.canonical); None: as written
    agreement: dict | None = None    # consensus runs: {"agree", "runs_total", "runs"}


@dataclass
class FieldState:
    key: str
    group: str
    status: str                      # 'reported' | 'unknown' | 'not extracted'
    values: list[ValueState] = dc_field(default_factory=list)
    extraction_id: int | None = None
    group_result_id: int | None = None
    extracted_status: str | None = None   # what extraction said, before reviews
    reason: str | None = None
    run_id: int | None = None
    backend: str | None = None
    model: str | None = None
    extracted_at: str | None = None
    reviewed: bool = False



# Current values with their extracted evidence, in document order: the table's primary key
# order, so one pass streams every paper (export) and a document id seeks one (show, audit).
_VALUES_SQL = (
    'SELECT cv.doc_id, cv.field, cv.value, cv.normalized, cv.source, cv.review, cv.value_id,'
    ' cv.review_id, cv.grounding, cv.canonical, e.quote, e.start, e."end", e.page, e.chunk_id,'
    " e.match, ca.agree, ca.runs_total, ca.runs FROM current_values cv LEFT JOIN evidence e"
    " ON e.value_id = cv.value_id LEFT JOIN consensus_values ca ON ca.value_id = cv.value_id"
    " WHERE 1{where} ORDER BY cv.doc_id, cv.field, cv.source, cv.ord, e.start")


def _reviews_by_doc(db: sqlite_utils.Database, ids: list[str] | None):
    """(set reviews per doc in id order, reviewed fields per doc) of the given documents."""
    sets: dict[str, list[tuple]] = defaultdict(list)
    touched: dict[str, set[str]] = defaultdict(set)
    where, params = doc_filter("doc_id", ids)
    for row in db.execute('SELECT doc_id, field, action, normalized, id, quote, start, "end",'
                          " page, match, reviewer, created_at FROM reviews WHERE 1" + where
                          + " ORDER BY doc_id, id", params):
        touched[row[0]].add(row[1])
        if row[2] == "set":
            sets[row[0]].append(row)
    return sets, touched


def _doc_values(rows, set_reviews) -> tuple[dict[str, list[ValueState]], set[str]]:
    """Values per field of one document from its _VALUES_SQL rows and its set reviews, and
    the fields where a review decided something."""
    out: dict[str, list[ValueState]] = {}
    reviewed: set[str] = set()
    by_value_id: dict[int, ValueState] = {}
    by_norm: dict[tuple[str, str], list[ValueState]] = {}
    for (_, key, value, norm, source, review, value_id, review_id, grounding, canonical,
         quote, start, end, page, chunk_id, match, agree, runs_total, runs) in rows:
        vs = by_value_id.get(value_id) if value_id is not None else None
        if vs is None:
            # Two accepted spellings of one value ("PyTorch", "Pytorch") are one value; two
            # different names of one canonical value ("AP50", "AP75" under "average
            # precision") stay two values that share the canonical key. Spellings are only
            # compared within a key, so most values are never folded.
            same_key = by_norm.get((key, norm))
            if same_key:
                spelling = normalize_value(value)
                vs = next((v for v in same_key if normalize_value(v.value) == spelling), None)
            if vs is None:
                vs = ValueState(value=value, normalized=norm, source=source, review=review,
                                value_id=value_id, review_id=review_id)
                out.setdefault(key, []).append(vs)
                by_norm.setdefault((key, norm), []).append(vs)
            if value_id is not None:
                by_value_id[value_id] = vs
            if agree is not None:   # a consensus run's value: how many input runs agreed
                vs.agreement = {"agree": agree, "runs_total": runs_total,
                                "runs": json.loads(runs)}
            if review is not None:
                reviewed.add(key)
        if start is not None:       # an evidence row: it also carries grounding and canonical
            vs.grounding = vs.grounding or grounding
            vs.canonical = vs.canonical or canonical
            vs.evidence.append({"quote": quote, "start": start, "end": end, "page": page,
                                "chunk_id": chunk_id, "match": match, "source": "extracted"})
    # Set reviews bring their own verified quotes (also for values extraction found too).
    for (_, key, _a, norm, rid, quote, start, end, page, match, who, when) in set_reviews:
        vs = by_norm.get((key, norm), [None])[0]
        if vs is None or any(ev["start"] == start and ev["end"] == end for ev in vs.evidence):
            continue
        vs.evidence.append({"quote": quote, "start": start, "end": end, "page": page,
                            "chunk_id": None, "match": match, "source": "review",
                            "review_id": rid, "reviewer": who, "reviewed_at": when})
    return out, reviewed


def iter_values(db: sqlite_utils.Database, doc_ids: list[str] | None = None
                ) -> Iterator[tuple[str, dict[str, list[ValueState]], set[str]]]:
    """(doc_id, values per field, fields touched by a review) for every document (or those
    of doc_ids), in document id order. One ordered pass over current_values (+ evidence) and
    one over reviews, so exporting 100k papers costs no per-paper query."""
    ids = sorted(set(doc_ids)) if doc_ids is not None else None
    if ids is not None and len(ids) > 500:
        for part in batches(ids):
            yield from iter_values(db, part)
        return
    docs = ids if ids is not None else (r[0] for r in db.execute(
        "SELECT id FROM documents ORDER BY id"))
    sets, touched = _reviews_by_doc(db, ids)
    where, params = doc_filter("cv.doc_id", ids)
    groups = groupby(db.execute(_VALUES_SQL.format(where=where), params), key=itemgetter(0))
    pending = next(groups, None)
    for doc in docs:
        while pending is not None and pending[0] < doc:     # values of no document: skipped
            pending = next(groups, None)
        rows: list = []
        if pending is not None and pending[0] == doc:
            rows = list(pending[1])     # before advancing: groupby reuses its iterator
            pending = next(groups, None)
        values, reviewed = _doc_values(rows, sets.get(doc, ()))
        yield doc, values, reviewed | touched.get(doc, set())


def docs_state(db: sqlite_utils.Database, schema: Schema | None = None,
               doc_ids: list[str] | None = None) -> dict[str, dict[str, FieldState]]:
    """Effective state of every schema field for each document (all documents by default)."""
    schema = schema or load_schema()
    groups = {f.key: f.group for f in schema.fields}
    state: dict[str, dict[str, FieldState]] = {}
    ids = None if doc_ids is None else list(dict.fromkeys(doc_ids))
    for doc, values, reviewed in iter_values(db, ids):
        fields = state[doc] = {k: FieldState(key=k, group=g, status=NOT_EXTRACTED)
                               for k, g in groups.items()}
        for key, vals in values.items():
            if key in fields:
                fields[key].values = vals
        for key in reviewed:
            if key in fields:
                fields[key].reviewed = True
    for part in (batches(ids) if ids is not None else [None]):
        where, params = doc_filter("cm.doc_id", part)
        for (doc, key, ex_id, gr_id, status, reason, run_id, backend, model,
             created) in db.execute(
                "SELECT ce.doc_id, ce.field, ce.id, ce.group_result_id, ce.status, ce.reason,"
                " ce.run_id, r.backend, r.model, g.created_at FROM current_map cm"
                " JOIN extractions ce ON ce.id = cm.extraction_id"
                " JOIN group_results g ON g.id = ce.group_result_id"
                " JOIN runs r ON r.id = ce.run_id WHERE 1" + where, params):
            fs = state.get(doc, {}).get(key)
            if fs is None:      # a field of another schema, or a document filtered out
                continue
            fs.status, fs.extraction_id, fs.group_result_id = "unknown", ex_id, gr_id
            fs.extracted_status, fs.reason, fs.run_id = status, reason, run_id
            fs.backend, fs.model, fs.extracted_at = backend, model, created
    for fields in state.values():
        for fs in fields.values():
            if fs.values:
                fs.status = "reported"
            elif fs.reviewed and fs.status == NOT_EXTRACTED:
                fs.status = "unknown"   # reviewed without any remaining value
    if ids is not None:     # documents asked for, in the order asked
        state = {d: state[d] for d in ids if d in state}
    return state


def paper_state(db: sqlite_utils.Database, doc_id: str,
                schema: Schema | None = None) -> tuple[dict, dict[str, FieldState]]:
    """(document row, field states) for `methex show`."""
    doc = check_doc(db, doc_id)
    return doc, docs_state(db, schema, [doc_id])[doc_id]
