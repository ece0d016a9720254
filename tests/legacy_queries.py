"""The read paths as they were before issue 16 (extractor/query.py at 613ad37), over the views
of db/005 (kept here as TEMP views, reading the same base tables): the reference answers that
tests/test_current_values.py compares the table-based read paths with."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

import sqlite_utils

from extractor.query import (NOT_EXTRACTED, Condition, Facet, FacetResult, FieldState,
                             PaperMatch, ValueState, check_field)
from extractor.schemas.catalog import Schema, load_schema
from extractor.store import canonical_of, normalize_value

# db/005_current_map.sql's current_values view, verbatim but for its name.
LEGACY_VIEW = """
CREATE TEMP VIEW IF NOT EXISTS legacy_current_values AS
SELECT cm.doc_id, cm.field, fv.value, fv.normalized, fv.id AS value_id, NULL AS review_id,
       'extracted' AS source,
       (SELECT lr.action FROM latest_reviews lr
         WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
           AND lr.normalized = fv.normalized) AS review
FROM current_map cm
JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
WHERE NOT EXISTS (SELECT 1 FROM latest_reviews lr
                  WHERE lr.doc_id = fv.doc_id AND lr.field = fv.field
                    AND lr.normalized = fv.normalized AND lr.action = 'reject')
UNION ALL
SELECT r.doc_id, r.field, r.value, r.normalized, NULL AS value_id, r.id AS review_id,
       'review' AS source, lr.action AS review
FROM reviews r
JOIN latest_reviews lr ON lr.doc_id = r.doc_id AND lr.field = r.field
                      AND lr.normalized = r.normalized
WHERE r.action = 'set' AND lr.action != 'reject'
  AND r.id = (SELECT max(r3.id) FROM reviews r3
              WHERE r3.doc_id = r.doc_id AND r3.field = r.field
                AND r3.normalized = r.normalized AND r3.action = 'set')
  AND NOT EXISTS (SELECT 1 FROM current_map cm
                  JOIN field_values fv ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1
                  WHERE cm.doc_id = r.doc_id AND cm.field = r.field
                    AND fv.normalized = r.normalized)
"""


def install(db: sqlite_utils.Database) -> None:
    db.conn.execute(LEGACY_VIEW)


def _in_clause(column: str, ids: list[str] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(ids))})", list(ids)


def docs_state(db: sqlite_utils.Database, schema: Schema | None = None,
               doc_ids: list[str] | None = None) -> dict[str, dict[str, FieldState]]:
    """Effective state of every schema field for each document (all documents by default).

    A few bulk queries grouped in Python, so exporting hundreds of papers stays fast.
    """
    schema = schema or load_schema()
    if doc_ids is None:
        docs = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    else:
        docs = list(doc_ids)
    # Batches keep IN (...) below SQLite's parameter limit.
    if doc_ids is not None and len(docs) > 500:
        out: dict[str, dict[str, FieldState]] = {}
        for i in range(0, len(docs), 500):
            out.update(docs_state(db, schema, docs[i:i + 500]))
        return out
    filt = None if doc_ids is None else docs
    groups = {f.key: f.group for f in schema.fields}
    state = {d: {k: FieldState(key=k, group=g, status=NOT_EXTRACTED) for k, g in groups.items()}
             for d in docs}

    where, params = _in_clause("cm.doc_id", filt)
    for (doc, key, ex_id, gr_id, status, reason, run_id, backend, model, created) in db.execute(
            "SELECT ce.doc_id, ce.field, ce.id, ce.group_result_id, ce.status, ce.reason,"
            " ce.run_id, r.backend, r.model, g.created_at FROM current_map cm"
            " JOIN extractions ce ON ce.id = cm.extraction_id"
            " JOIN group_results g ON g.id = ce.group_result_id JOIN runs r ON r.id = ce.run_id"
            " WHERE 1" + where, params):
        fs = state.get(doc, {}).get(key)
        if fs is None:      # a field of another schema, or a document filtered out
            continue
        fs.status, fs.extraction_id, fs.group_result_id = "unknown", ex_id, gr_id
        fs.extracted_status, fs.reason, fs.run_id = status, reason, run_id
        fs.backend, fs.model, fs.extracted_at = backend, model, created

    where, params = _in_clause("doc_id", filt)
    by_value_id: dict[int, ValueState] = {}
    by_norm: dict[tuple[str, str, str], ValueState] = {}
    by_spelling: dict[tuple[str, str, str, str], ValueState] = {}
    for (doc, key, value, norm, source, review, value_id, review_id) in db.execute(
            "SELECT doc_id, field, value, normalized, source, review, value_id, review_id"
            " FROM legacy_current_values WHERE 1" + where
            + " ORDER BY doc_id, field, source, value_id, review_id", params):
        fs = state.get(doc, {}).get(key)
        if fs is None:
            continue
        # Two accepted spellings of one value ("PyTorch", "Pytorch") are one value; two
        # different names of one canonical value ("AP50", "AP75" under "average precision")
        # stay two values that share the canonical key.
        spelling = (doc, key, norm, normalize_value(value))
        if spelling in by_spelling:
            vs = by_spelling[spelling]
        else:
            vs = ValueState(value=value, normalized=norm, source=source, review=review,
                            value_id=value_id, review_id=review_id)
            fs.values.append(vs)
            by_spelling[spelling] = vs
            by_norm.setdefault((doc, key, norm), vs)
        if value_id is not None:
            by_value_id[value_id] = vs
        fs.status = "reported"
        fs.reviewed = fs.reviewed or review is not None

    if by_value_id:
        # Filter through current_map's primary key (evidence is not indexed by document).
        where, params = _in_clause("cm.doc_id", filt)
        for (value_id, quote, start, end, page, chunk_id, match, grounding,
             canonical) in db.execute(
                'SELECT e.value_id, e.quote, e.start, e."end", e.page, e.chunk_id, e.match,'
                " fv.grounding, fv.canonical FROM evidence e"
                " JOIN field_values fv ON fv.id = e.value_id"
                " JOIN current_map cm ON cm.doc_id = fv.doc_id AND cm.field = fv.field"
                " AND cm.extraction_id = fv.extraction_id"
                " WHERE fv.accepted = 1" + where + " ORDER BY e.value_id, e.start", params):
            vs = by_value_id.get(value_id)
            if vs is not None:
                vs.grounding = vs.grounding or grounding
                vs.canonical = vs.canonical or canonical
                vs.evidence.append({"quote": quote, "start": start, "end": end, "page": page,
                                    "chunk_id": chunk_id, "match": match,
                                    "source": "extracted"})

    # Set reviews bring their own verified quotes (also for values extraction found too).
    where, params = _in_clause("doc_id", filt)
    for (doc, key, norm, rid, quote, start, end, page, match, who, when) in db.execute(
            'SELECT doc_id, field, normalized, id, quote, start, "end", page, match, reviewer,'
            " created_at FROM reviews WHERE action = 'set'" + where + " ORDER BY id", params):
        vs = by_norm.get((doc, key, norm))
        if vs is None:
            continue
        if any(ev["start"] == start and ev["end"] == end for ev in vs.evidence):
            continue
        vs.evidence.append({"quote": quote, "start": start, "end": end, "page": page,
                            "chunk_id": None, "match": match, "source": "review",
                            "review_id": rid, "reviewer": who, "reviewed_at": when})

    # A field reviewed without any remaining value (e.g. its only value rejected) is unknown.
    where, params = _in_clause("doc_id", filt)
    for doc, key in db.execute("SELECT DISTINCT doc_id, field FROM reviews WHERE 1" + where,
                               params):
        fs = state.get(doc, {}).get(key)
        if fs is None:
            continue
        fs.reviewed = True
        if fs.status == NOT_EXTRACTED:
            fs.status = "unknown"
    return state


# --- facets ---------------------------------------------------------------------------------

def field_facets(db: sqlite_utils.Database, key: str, schema: Schema | None = None,
                 doc_ids: Iterable[str] | None = None) -> FacetResult:
    """Count papers per normalised value of one field, plus reported/unknown/not extracted.

    doc_ids restricts the count to those papers (e.g. the result of --where conditions).
    """
    schema = schema or load_schema()
    check_field(schema, key)
    restrict = None if doc_ids is None else set(doc_ids)
    all_docs = {r[0] for r in db.execute("SELECT id FROM documents")}
    if restrict is not None:
        all_docs &= restrict
    touched = {r[0] for r in db.execute(
        "SELECT doc_id FROM current_map WHERE field = ?"
        " UNION SELECT doc_id FROM reviews WHERE field = ?", [key, key])} & all_docs
    papers: dict[str, set[str]] = defaultdict(set)
    spellings: dict[str, Counter] = defaultdict(Counter)
    canonicals: dict[str, Counter] = defaultdict(Counter)
    for doc, value, norm, canonical in db.execute(
            "SELECT cv.doc_id, cv.value, cv.normalized, fv.canonical FROM legacy_current_values cv"
            " LEFT JOIN field_values fv ON fv.id = cv.value_id WHERE cv.field = ?", [key]):
        if doc not in all_docs:
            continue
        papers[norm].add(doc)
        spellings[norm][value] += 1
        if canonical:
            canonicals[norm][canonical] += 1
    reported = set().union(*papers.values()) if papers else set()
    facets = []
    for norm, docs in papers.items():
        # The canonical form, else the most common spelling; ties broken alphabetically.
        names = canonicals[norm] or spellings[norm]
        best = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        facets.append(Facet(value=best, normalized=norm, papers=len(docs),
                            spellings=dict(spellings[norm])))
    facets.sort(key=lambda f: (-f.papers, f.normalized))
    return FacetResult(field=key, papers=len(all_docs), reported=len(reported),
                       unknown=len(touched - reported), not_extracted=len(all_docs - touched),
                       facets=facets)


# --- filters --------------------------------------------------------------------------------

def _field_values(db: sqlite_utils.Database, key: str) -> list[tuple[str, str, str]]:
    """(doc_id, value, normalized) of one field across papers, in display order."""
    return db.execute("SELECT doc_id, value, normalized FROM legacy_current_values WHERE field = ?"
                      " ORDER BY doc_id, source, value_id, review_id", [key]).fetchall()


def _matches(cond: Condition, rows: list[tuple[str, str, str]], key: str) -> set[str]:
    """key: the canonical key of cond.value. '=' matches the canonical form or the spelling as
    written; '~' a substring of either."""
    needle = normalize_value(cond.value)
    if cond.op == "=":
        return {doc for doc, value, norm in rows
                if norm == key or norm == needle or normalize_value(value) == needle}
    return {doc for doc, value, norm in rows if needle in norm or needle in normalize_value(value)}


def find_papers(db: sqlite_utils.Database, conditions: list[Condition],
                show: list[str] | None = None, schema: Schema | None = None) -> list[PaperMatch]:
    """Papers matching ALL conditions, with the values of `show` fields (default: the
    condition fields), ordered by doc_id."""
    schema = schema or load_schema()
    show = list(dict.fromkeys(show or [c.field for c in conditions]))
    for key in show:
        check_field(schema, key)
    # One indexed read per field involved; conditions and display share it.
    rows = {k: _field_values(db, k) for k in dict.fromkeys([c.field for c in conditions] + show)}
    docs: set[str] | None = None
    for cond in conditions:
        key = canonical_of(db, cond.field, cond.value, schema.field(cond.field))[1]
        found = _matches(cond, rows[cond.field], key)
        docs = found if docs is None else docs & found
    if docs is None:        # no condition: every paper
        docs = {r[0] for r in db.execute("SELECT id FROM documents")}
    meta = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, title, doi FROM documents")}
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for key in show:
        seen = set()
        for doc, value, norm in rows[key]:
            if doc in docs and (doc, norm) not in seen:
                seen.add((doc, norm))
                values[doc][key].append(value)
    return [PaperMatch(doc_id=d, title=meta.get(d, (None, None))[0],
                       doi=meta.get(d, (None, None))[1],
                       fields={k: list(values[d].get(k, [])) for k in show})
            for d in sorted(docs)]
