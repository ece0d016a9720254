"""Read the filled database: per-paper field state, facets, filters and read-only SQL.

Everything here reads the views of db/005 and db/006, so human reviews already override
extraction results (a rejected value is gone, a set value is present with its own evidence).
All SQL is parameterised; field names from users are checked against the schema keys.
"""
from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Iterable

import sqlite_utils

from extractor.schemas.catalog import Schema, load_schema
from extractor.store import canonical_of, normalize_value

NOT_EXTRACTED = "not extracted"


class QueryError(ValueError):
    """Bad user input to a query (unknown field, malformed condition, unknown document)."""


def check_field(schema: Schema, key: str) -> str:
    if key not in schema.keys:
        raise QueryError(f"unknown field {key!r}; fields are: {', '.join(schema.keys)}")
    return key


def check_doc(db: sqlite_utils.Database, doc_id: str) -> dict:
    row = db.execute("SELECT id, title, doi, status, reason, pages, chars, path FROM documents"
                     " WHERE id = ?", [doc_id]).fetchone()
    if row is None:
        raise QueryError(f"no document {doc_id!r} in the database")
    return dict(zip(("doc_id", "title", "doi", "status", "reason", "pages", "chars", "path"),
                    row))


# --- per-paper state ------------------------------------------------------------------------

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
            " FROM current_values WHERE 1" + where
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
                " fv.grounding, fv.canonical FROM evidence e JOIN field_values fv ON fv.id = e.value_id"
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


def paper_state(db: sqlite_utils.Database, doc_id: str,
                schema: Schema | None = None) -> tuple[dict, dict[str, FieldState]]:
    """(document row, field states) for `methex show`."""
    doc = check_doc(db, doc_id)
    return doc, docs_state(db, schema, [doc_id])[doc_id]


# --- facets ---------------------------------------------------------------------------------

@dataclass
class Facet:
    value: str                       # most common spelling
    normalized: str
    papers: int
    spellings: dict[str, int]


@dataclass
class FacetResult:
    field: str
    papers: int                      # documents considered
    reported: int
    unknown: int
    not_extracted: int
    facets: list[Facet]


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
            "SELECT cv.doc_id, cv.value, cv.normalized, fv.canonical FROM current_values cv"
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

@dataclass(frozen=True)
class Condition:
    field: str
    op: str                          # '=' exact normalised value, '~' case-insensitive substring
    value: str

    def __str__(self) -> str:
        return f"{self.field}{self.op}{self.value}"


def parse_condition(text: str, schema: Schema | None = None) -> Condition:
    """Parse FIELD=VALUE or FIELD~TEXT; the field must be a schema key."""
    schema = schema or load_schema()
    positions = [(text.find(op), op) for op in "=~" if text.find(op) > 0]
    if not positions:
        raise QueryError(f"condition {text!r} must look like FIELD=VALUE (exact value) or "
                         f"FIELD~TEXT (substring), e.g. frameworks=PyTorch")
    pos, op = min(positions)
    key, value = text[:pos].strip(), text[pos + 1:].strip()
    check_field(schema, key)
    if not normalize_value(value):
        raise QueryError(f"condition {text!r} has an empty value")
    return Condition(key, op, value)


def _field_values(db: sqlite_utils.Database, key: str) -> list[tuple[str, str, str]]:
    """(doc_id, value, normalized) of one field across papers, in display order."""
    return db.execute("SELECT doc_id, value, normalized FROM current_values WHERE field = ?"
                      " ORDER BY doc_id, source, value_id, review_id", [key]).fetchall()


def _matches(cond: Condition, rows: list[tuple[str, str, str]], key: str) -> set[str]:
    """key: the canonical key of cond.value. '=' matches the canonical form or the spelling as
    written; '~' a substring of either."""
    needle = normalize_value(cond.value)
    if cond.op == "=":
        return {doc for doc, value, norm in rows
                if norm == key or norm == needle or normalize_value(value) == needle}
    return {doc for doc, value, norm in rows if needle in norm or needle in normalize_value(value)}


def matching_docs(db: sqlite_utils.Database, cond: Condition,
                  schema: Schema | None = None) -> set[str]:
    """Papers whose current values of cond.field satisfy the condition."""
    schema = schema or load_schema()
    key = canonical_of(db, cond.field, cond.value, schema.field(cond.field))[1]
    return _matches(cond, _field_values(db, cond.field), key)


@dataclass
class PaperMatch:
    doc_id: str
    title: str | None
    doi: str | None
    fields: dict[str, list[str]]


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


# --- read-only SQL --------------------------------------------------------------------------

class SqlError(Exception):
    pass


@dataclass
class SqlResult:
    columns: list[str]
    rows: list[tuple]


# PRAGMAs that only read, even when given an argument (a table or index name).
_READING_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
                    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
                    "table_list"}


def _read_only_guard(refusals: list[str]):
    """An SQLite authorizer for `methex sql`. A read-only connection still lets ATTACH (and
    VACUUM INTO, which attaches) create files, and a PRAGMA that sets something fails with a
    misleading "disk I/O error"; refuse both before they run, saying why."""
    def authorize(action, arg1, arg2, _db, _trigger):
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            refusals.append("ATTACH, DETACH and VACUUM INTO are not allowed: `methex sql` reads "
                            "this database only")
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_PRAGMA and arg2 is not None \
                and arg1.lower() not in _READING_PRAGMAS:
            refusals.append(f"PRAGMA {arg1} = {arg2} would change the database or the "
                            f"connection; `methex sql` only reads (PRAGMA {arg1} without a "
                            f"value shows the setting)")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    return authorize


def run_sql(db_path: str | Path, sql: str, params: list | dict | None = None) -> SqlResult:
    """Run one statement on a read-only connection; writes fail inside SQLite itself, and
    ATTACH or setting PRAGMAs is refused by an authorizer."""
    from extractor.store import open_db
    try:
        db = open_db(db_path, read_only=True)
    except FileNotFoundError as e:
        raise SqlError(str(e)) from None
    refusals: list[str] = []
    db.conn.set_authorizer(_read_only_guard(refusals))
    try:
        cur = db.conn.execute(sql, params or [])
        cols = [d[0] for d in cur.description] if cur.description else []
        return SqlResult(cols, cur.fetchall())
    except sqlite3.DatabaseError as e:
        if refusals:
            raise SqlError(f"refused: {refusals[0]}") from None
        return _sql_error(e)
    except (sqlite3.Warning, sqlite3.ProgrammingError) as e:
        raise SqlError(f"SQL error: {e}") from None
    finally:
        db.conn.close()


def _sql_error(e: sqlite3.DatabaseError):
    """Raise the SqlError that explains a failed statement."""
    if isinstance(e, sqlite3.OperationalError):
        msg = str(e)
        if "readonly" in msg or "read-only" in msg or "query_only" in msg:
            raise SqlError(f"refused: `methex sql` is read-only ({msg}); "
                           "use `methex review` to record decisions") from None
        raise SqlError(f"SQL error: {msg}") from None
    raise SqlError(f"SQL error: {e}") from None
