"""Export the database as JSONL (one object per paper, the shape scorers read) or CSV.

JSONL is written by jsonl_lines: one ordered pass over current_json (each field's lists, JSON
encoded at write time, db/017) and the document ids, each line joined from stored strings
rather than a dict tree per paper (what export_records yields for CSV and scoring); with a
grounding filter, one pass over current_values (+ evidence by index). All give byte-identical
lines."""
from __future__ import annotations

import csv
import json
from itertools import groupby
from json.encoder import encode_basestring
from operator import itemgetter
from typing import IO, Any, Iterator

import sqlite_utils

from extractor.evaluate import evaluate_db  # noqa: F401  (its home before; imports kept working)
from extractor.paper_state import iter_values
from extractor.schemas.catalog import Schema, load_schema
from extractor.store import normalize_value

JOIN = "; "
EVIDENCE_JOIN = " | "


def field_record(state, grounding: set[str] | None = None) -> dict[str, Any]:
    """{"status", "values", "evidence", "grounding", "canonical"} for one field; never-extracted
    fields are unknown. `values` are as written in the paper, `canonical` their canonical forms
    (extractor.canonical), `grounding` each value's grounding kind. grounding= keeps only values
    grounded by those kinds (values set by a reviewer, whose quote the reviewer chose, stay)."""
    return values_record(state.values, grounding)


def values_record(states, grounding: set[str] | None = None) -> dict[str, Any]:
    """field_record of a field's ValueStates. The values of a consensus run also carry
    "agreement": one {"agree", "runs_total", "runs"} per value (None for a value set by
    review)."""
    if not states:
        return {"status": "unknown", "values": [], "evidence": [], "grounding": [],
                "canonical": []}
    kept = [v for v in states
            if grounding is None or v.source == "review" or v.grounding in grounding]
    values = [v.value for v in kept]
    evidence = [{"quote": e["quote"], "start": e["start"], "end": e["end"], "page": e["page"]}
                for v in kept for e in v.evidence]
    rec = {"status": "reported" if values else "unknown", "values": values,
           "evidence": evidence,
           "grounding": [v.grounding or ("review" if v.source == "review" else None)
                         for v in kept],
           "canonical": [v.canonical or v.value for v in kept]}
    if any(v.agreement for v in kept):
        rec["agreement"] = [v.agreement for v in kept]
    return rec


def export_records(db: sqlite_utils.Database, schema: Schema | None = None,
                   doc_ids: list[str] | None = None,
                   grounding: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """One {"doc_id", "fields": {key: field_record}} per document in id order, for ALL schema
    keys, streamed: one ordered pass over the current values, not a query per paper."""
    schema = schema or load_schema()
    keys = schema.keys
    for doc_id, values, _ in iter_values(db, doc_ids):
        yield {"doc_id": doc_id,
               "fields": {k: values_record(values.get(k, ()), grounding) for k in keys}}


# json.dumps(rec, ensure_ascii=False), without building an encoder per paper
ENCODE_RECORD = json.JSONEncoder(ensure_ascii=False).encode


def write_jsonl(records, fp: IO[str]) -> int:
    n = 0
    for rec in records:
        fp.write(ENCODE_RECORD(rec) + "\n")
        n += 1
    return n


def write_csv(records, fp: IO[str], keys: list[str], evidence: bool = False) -> int:
    """One row per paper, one column per field (values joined by "; "); with evidence, a
    `<field>__evidence` column after each field holding its quotes joined by " | "."""
    header = ["doc_id"]
    for k in keys:
        header.append(k)
        if evidence:
            header.append(f"{k}__evidence")
    w = csv.writer(fp)
    w.writerow(header)
    n = 0
    for rec in records:
        row = [rec["doc_id"]]
        for k in keys:
            f = rec["fields"][k]
            row.append(JOIN.join(f["values"]))
            if evidence:
                row.append(EVIDENCE_JOIN.join(e["quote"] for e in f["evidence"]))
        w.writerow(row)
        n += 1
    return n


# --- JSONL, streamed as text ------------------------------------------------------------------

_Q = encode_basestring     # what JSONEncoder(ensure_ascii=False) uses (C when built): same bytes
_UNKNOWN = ENCODE_RECORD(values_record(()))

# Current values with their evidence in document order (the table's primary key, evidence by
# its (value_id, start) index): the only columns a record shows; `source` as 0/1, since each
# column costs time per row and an int is the cheapest.
_LINES_SQL = (
    "SELECT cv.doc_id, cv.field, cv.source = 'review', cv.ord, cv.value, cv.normalized,"
    ' cv.grounding, cv.canonical, e.quote, e.start, e."end", e.page, NULL'
    " FROM current_values cv LEFT JOIN evidence e ON e.value_id = cv.value_id"
    " ORDER BY cv.doc_id, cv.field, cv.source, cv.ord, e.start")
# With consensus runs in the database: each value's agreement as its JSON (runs is stored as
# json.dumps of a list of ints, consensus._write_agreement, i.e. already as Python encodes it).
_AGREEMENT_SQL = _LINES_SQL.replace(
    " NULL FROM current_values cv",
    """ '{"agree": ' || ca.agree || ', "runs_total": ' || ca.runs_total || ', "runs": '"""
    " || ca.runs || '}' FROM current_values cv"
    " LEFT JOIN consensus_values ca ON ca.value_id = cv.value_id")
# The same rows for the fields current_json leaves to Python (values that may fold), by the
# partial index of db/017 (named, with the join order fixed: before ANALYZE has seen
# current_json the planner would scan all of current_values instead).
_FOLD_SQL = _AGREEMENT_SQL.replace(
    " FROM current_values cv", " FROM current_json j INDEXED BY current_json_fold"
    " CROSS JOIN current_values cv"
    " ON cv.doc_id = j.doc_id AND cv.field = j.field").replace(
    " ORDER BY cv.doc_id, cv.field,", " WHERE j.json IS NULL ORDER BY j.doc_id, j.field,")
_SEP = "\x1f"      # between the lists of a current_json row (db/017)


def _field_json(vals: list[list], grounding: set[str] | None) -> str:
    """field_record's JSON from [value, norm, by review, grounding, canonical, evidence,
    agreement JSON or None]."""
    if grounding is not None:
        vals = [v for v in vals if v[2] or v[3] in grounding]
        if not vals:
            return _UNKNOWN
    quoted, evidence, grounds, canonical = [], [], [], []
    for value, _, by_review, ground, canon, quotes, _a in vals:
        q = _Q(value)
        quoted.append(q)
        evidence += quotes
        grounds.append(_Q(ground) if ground else '"review"' if by_review else "null")
        canonical.append(_Q(canon) if canon else q)
    return (f'{{"status": "reported", "values": [{", ".join(quoted)}], "evidence": '
            f'[{", ".join(evidence)}], "grounding": [{", ".join(grounds)}], "canonical": '
            f'[{", ".join(canonical)}]'
            + (f', "agreement": [{", ".join(v[6] or "null" for v in vals)}]}}'
               if any(v[6] for v in vals) else "}"))


def _same_spelling(vals: list[list], norm: str, value: str) -> list | None:
    """The value already listed that `value` is another spelling of (as paper_state folds)."""
    spelling = normalize_value(value)
    return next((v for v in vals if v[1] == norm and normalize_value(v[0]) == spelling), None)


def _fields_json(rows, grounding: set[str] | None) -> dict[str, str]:
    """{field: JSON} of one document's _LINES_SQL rows (by field, value, evidence offset)."""
    out: dict[str, str] = {}
    key = cur = last_rv = last_ord = None
    vals: list[list] = []
    norms: set[str] = set()
    for (_, k, rv, ord_, value, norm, ground, canon, quote, start, end, page, agreed) in rows:
        if k != key:
            if key is not None:
                out[key] = _field_json(vals, grounding)
            key, vals, norms, last_ord = k, [], set(), None
        if ord_ != last_ord or rv != last_rv:       # the next value
            last_rv, last_ord = rv, ord_
            cur = _same_spelling(vals, norm, value) if norm in norms else None
            if cur is None:
                cur = [value, norm, rv, None, None, [], None]
                vals.append(cur)
                norms.add(norm)
            if agreed is not None:  # a folded spelling's agreement replaces, as in paper_state
                cur[6] = agreed
        if start is not None:   # an evidence row: it also carries grounding and canonical
            cur[3] = cur[3] or ground
            cur[4] = cur[4] or canon
            cur[5].append(f'{{"quote": {_Q(quote)}, "start": {start}, "end": {end}, "page": '
                          f'{"null" if page is None else page}}}')
    if key is not None:
        out[key] = _field_json(vals, grounding)
    return out


def jsonl_lines(db: sqlite_utils.Database, schema: Schema | None = None,
                grounding: set[str] | None = None) -> Iterator[str]:
    """The JSONL line of every document in id order (each as ENCODE_RECORD(export_records' record)).

    Without a grounding filter: one pass over current_json (db/017: each field's lists encoded
    at write time) and one over the document ids. With one (values are dropped per grounding
    kind, so the stored lists do not apply), where SQLite's json_quote would not give Python's
    bytes, or in a database opened read-only before 017 was applied: one pass over the current
    values and their evidence (_rows_lines). Either
    way a paper with a value set by a reviewer (whose quotes come from `reviews`) takes
    export_records' path."""
    schema = schema or load_schema()
    if grounding is None and _has_current_json(db) and _sqlite_quotes_as_python(db):
        return _stored_lines(db, schema)
    return _rows_lines(db, schema, grounding)


# A probe of what json_quote must escape as Python does: quotes, backslash, every control
# character (short forms for \b \f \n \r \t), and characters it must leave alone.
_PROBE = "".join(map(chr, range(0x80))) + "\u00e9\u2028\u2029\ufeff\U0001f600"


def _has_current_json(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'current_json'").fetchone() \
        is not None


def _sqlite_quotes_as_python(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT json_quote(?)", [_PROBE]).fetchone()[0] == _Q(_PROBE)


def _set_by_review(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT doc_id FROM reviews WHERE action = 'set'")}


def _stored_lines(db: sqlite_utils.Database, schema: Schema) -> Iterator[str]:
    heads = [(k, _Q(k) + ": ") for k in schema.keys]
    reviewed = _set_by_review(db)
    # Fields whose values may fold (json NULL) are built from their rows as _rows_lines does.
    folded = groupby(db.conn.execute(_FOLD_SQL), key=itemgetter(0))
    pending_fold = next(folded, None)
    groups = groupby(db.conn.execute(
        "SELECT doc_id, field, json FROM current_json ORDER BY doc_id, field"),
        key=itemgetter(0))
    pending = next(groups, None)
    sep = _SEP
    for (doc,) in db.conn.execute("SELECT id FROM documents ORDER BY id"):
        while pending is not None and pending[0] < doc:     # values of no document
            pending = next(groups, None)
        while pending_fold is not None and pending_fold[0] < doc:
            pending_fold = next(folded, None)
        fields: dict[str, str] = {}
        if pending is not None and pending[0] == doc:
            for _, k, stored in pending[1]:
                if stored is None:
                    continue
                parts = stored.split(sep)
                fields[k] = (
                    f'{{"status": "reported", "values": [{parts[0]}], "evidence": [{parts[1]}],'
                    f' "grounding": [{parts[2]}], "canonical": [{parts[3] or parts[0]}]'
                    + (f', "agreement": [{parts[4]}]}}' if len(parts) > 4 else "}"))
            pending = next(groups, None)
        if pending_fold is not None and pending_fold[0] == doc:
            fields.update(_fields_json(list(pending_fold[1]), None))
            pending_fold = next(folded, None)
        if doc in reviewed:
            yield from map(ENCODE_RECORD, export_records(db, schema, [doc]))
            continue
        yield (f'{{"doc_id": {_Q(doc)}, "fields": {{'
               f'{", ".join([h + fields.get(k, _UNKNOWN) for k, h in heads])}}}}}')


def _rows_lines(db: sqlite_utils.Database, schema: Schema,
                grounding: set[str] | None) -> Iterator[str]:
    heads = [_Q(k) + ": " for k in schema.keys]
    keys = list(zip(schema.keys, heads))
    # Papers with a value set by a reviewer take export_records' path.
    reviewed = _set_by_review(db)
    consensus = db.execute("SELECT 1 FROM consensus_values LIMIT 1").fetchone()
    groups = groupby(db.conn.execute(_AGREEMENT_SQL if consensus else _LINES_SQL),
                     key=itemgetter(0))
    pending = next(groups, None)
    for (doc,) in db.conn.execute("SELECT id FROM documents ORDER BY id"):
        while pending is not None and pending[0] < doc:     # values of no document
            pending = next(groups, None)
        rows = ()
        if pending is not None and pending[0] == doc:
            rows = list(pending[1])
            pending = next(groups, None)
        if doc in reviewed:
            yield from map(ENCODE_RECORD, export_records(db, schema, [doc], grounding))
            continue
        fields = _fields_json(rows, grounding)
        yield (f'{{"doc_id": {_Q(doc)}, "fields": {{'
               f'{", ".join([h + fields.get(k, _UNKNOWN) for k, h in keys])}}}}}')


def write_lines(lines, fp: IO[str]) -> int:
    n = 0
    for line in lines:
        fp.write(line + "\n")
        n += 1
    return n
