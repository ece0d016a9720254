"""Read the filled database: per-paper field state, facets, filters and read-only SQL.

Values are read from the current_values table (db/012), which triggers keep equal to the rule
of db/005 at write time, so human reviews already override extraction results (a rejected
value is gone, a set value is present with its own evidence) and every read is an index scan.
All SQL is parameterised; field names from users are checked against the schema keys.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field as dc_field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

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


def _batches(ids: list[str], size: int = 500):
    """Slices of ids that keep IN (...) below SQLite's parameter limit."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _doc_filter(column: str, ids: list[str] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(ids))})", list(ids)


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
    where, params = _doc_filter("doc_id", ids)
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
        for part in _batches(ids):
            yield from iter_values(db, part)
        return
    docs = ids if ids is not None else (r[0] for r in db.execute(
        "SELECT id FROM documents ORDER BY id"))
    sets, touched = _reviews_by_doc(db, ids)
    where, params = _doc_filter("cv.doc_id", ids)
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
    for part in (_batches(ids) if ids is not None else [None]):
        where, params = _doc_filter("cm.doc_id", part)
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


def _facet_counts(db: sqlite_utils.Database, key: str, docs: list[str] | None):
    """(papers per key, rows per (key, spelling), rows per (key, canonical form), reported
    papers) of one field. Unrestricted: aggregates over the (field, normalized, value,
    canonical) index; restricted to docs: primary-key seeks of those documents."""
    papers: dict[str, int] = {}
    spellings: dict[str, Counter] = defaultdict(Counter)
    canonicals: dict[str, Counter] = defaultdict(Counter)
    if docs is None:
        for norm, value, canonical, n in db.execute(
                "SELECT normalized, value, canonical, count(*) FROM current_values"
                " WHERE field = ? GROUP BY normalized, value, canonical", [key]):
            spellings[norm][value] += n
            if canonical:
                canonicals[norm][canonical] += n
        papers = dict(db.execute("SELECT normalized, count(DISTINCT doc_id) FROM current_values"
                                 " WHERE field = ? GROUP BY normalized", [key]).fetchall())
        reported = db.execute("SELECT count(DISTINCT doc_id) FROM current_values"
                              " INDEXED BY current_values_field_doc WHERE field = ?",
                              [key]).fetchone()[0]
        return papers, spellings, canonicals, reported
    by_norm: dict[str, set[str]] = defaultdict(set)
    for part in _batches(docs):
        for doc, value, norm, canonical in db.execute(
                f"SELECT doc_id, value, normalized, canonical FROM current_values WHERE"
                f" field = ? AND doc_id IN ({','.join('?' * len(part))})", [key, *part]):
            by_norm[norm].add(doc)
            spellings[norm][value] += 1
            if canonical:
                canonicals[norm][canonical] += 1
    reported = len(set().union(*by_norm.values())) if by_norm else 0
    return {k: len(v) for k, v in by_norm.items()}, spellings, canonicals, reported


def field_facets(db: sqlite_utils.Database, key: str, schema: Schema | None = None,
                 doc_ids: Iterable[str] | None = None) -> FacetResult:
    """Count papers per normalised value of one field, plus reported/unknown/not extracted.

    doc_ids restricts the count to those papers (e.g. the result of --where conditions).
    """
    schema = schema or load_schema()
    check_field(schema, key)
    if doc_ids is None:
        docs = None
        n_docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        # Papers extracted or reviewed for the field; both tables lose a document's rows
        # with it (foreign-key cascades), so no join with documents is needed.
        touched = db.execute(
            "SELECT (SELECT count(*) FROM current_map WHERE field = ?) + (SELECT"
            " count(DISTINCT r.doc_id) FROM reviews r WHERE r.field = ? AND NOT EXISTS"
            " (SELECT 1 FROM current_map cm WHERE cm.doc_id = r.doc_id AND cm.field = ?))",
            [key, key, key]).fetchone()[0]
    else:
        docs, touched = [], 0
        for part in _batches(sorted(set(doc_ids))):
            marks = ",".join("?" * len(part))
            docs += [r[0] for r in db.execute(f"SELECT id FROM documents WHERE id IN ({marks})"
                                              " ORDER BY id", part)]
            touched += len(db.execute(
                f"SELECT doc_id FROM current_map WHERE field = ? AND doc_id IN ({marks}) UNION"
                f" SELECT doc_id FROM reviews WHERE field = ? AND doc_id IN ({marks})",
                [key, *part, key, *part]).fetchall())
        n_docs = len(docs)
    papers, spellings, canonicals, reported = _facet_counts(db, key, docs)
    facets = []
    for norm, n in papers.items():
        # The canonical form, else the most common spelling; ties broken alphabetically.
        names = canonicals[norm] or spellings[norm]
        best = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        facets.append(Facet(value=best, normalized=norm, papers=n,
                            spellings=dict(spellings[norm])))
    facets.sort(key=lambda f: (-f.papers, f.normalized))
    return FacetResult(field=key, papers=n_docs, reported=reported,
                       unknown=touched - reported, not_extracted=n_docs - touched,
                       facets=facets)


# --- filters --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    field: str
    op: str                          # '=' exact normalised value, '~' case-insensitive substring
    value: str

    def __str__(self) -> str:
        if self.op.startswith("agreement"):
            scope = "" if self.field == "*" else f"{self.field}."
            return f"{scope}{self.op}{self.value}"
        return f"{self.field}{self.op}{self.value}"


# agreement>=K: a current value agreed by at least K runs of a consensus run (any field);
# FIELD.agreement>=K: of that field. Operators >=, >, =, <=, <.
_AGREEMENT = re.compile(r"^(?:(?P<field>\w+)\.)?agreement\s*(?P<op>>=|<=|>|<|=)\s*(?P<k>\d+)$")


def parse_condition(text: str, schema: Schema | None = None) -> Condition:
    """Parse FIELD=VALUE or FIELD~TEXT (the field must be a schema key), or
    [FIELD.]agreement>=K (consensus runs)."""
    schema = schema or load_schema()
    agreement = _AGREEMENT.match(text.strip())
    if agreement:
        if agreement["field"]:
            check_field(schema, agreement["field"])
        return Condition(agreement["field"] or "*", "agreement" + agreement["op"],
                         agreement["k"])
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


def _matches(cond: Condition, norm: str, value: str, key: str) -> bool:
    """key: the canonical key of cond.value. '=' matches the canonical form or the spelling as
    written; '~' a substring of either."""
    needle = normalize_value(cond.value)
    if cond.op == "=":
        return norm == key or norm == needle or normalize_value(value) == needle
    return needle in norm or needle in normalize_value(value)


def matching_docs(db: sqlite_utils.Database, cond: Condition,
                  schema: Schema | None = None) -> set[str]:
    """Papers whose current values of cond.field satisfy the condition. The condition is
    decided once per distinct (key, spelling) of the field, read from the index; the papers
    of the matching ones are index seeks."""
    if cond.op.startswith("agreement"):
        # values of consensus runs: how many input runs agreed (consensus_values, db/014)
        op = cond.op.removeprefix("agreement")      # one of _AGREEMENT's operators
        scope = "" if cond.field == "*" else " AND cv.field = ?"
        return {r[0] for r in db.execute(
            "SELECT DISTINCT cv.doc_id FROM current_values cv JOIN consensus_values c"
            f" ON c.value_id = cv.value_id WHERE c.agree {op} ?{scope}",
            [int(cond.value)] + ([] if cond.field == "*" else [cond.field]))}
    schema = schema or load_schema()
    key = canonical_of(db, cond.field, cond.value, schema.field(cond.field))[1]
    pairs = db.execute("SELECT DISTINCT normalized, value FROM current_values WHERE field = ?",
                       [cond.field]).fetchall()
    docs: set[str] = set()
    for norm, value in pairs:
        if _matches(cond, norm, value, key):
            docs.update(r[0] for r in db.execute(
                "SELECT doc_id FROM current_values WHERE field = ? AND normalized = ?"
                " AND value = ?", [cond.field, norm, value]))
    return docs


# Values of the shown fields of matching papers, in display order. Up to _SEEK_LIMIT papers:
# primary-key seeks per paper; more: one scan of each field's index range, filtered in SQLite.
_SEEK_LIMIT = 2000
_SHOW_SQL = (
    "SELECT doc_id, field, value, normalized FROM current_values WHERE field IN ({fields})"
    " AND doc_id IN (SELECT value FROM json_each(?)) ORDER BY doc_id, field, source, ord",
    "SELECT doc_id, field, value, normalized FROM current_values INDEXED BY"
    " current_values_field_key WHERE field IN ({fields}) AND +doc_id IN"
    " (SELECT value FROM json_each(?)) ORDER BY doc_id, field, source, ord")


@dataclass(slots=True)
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
    show = list(dict.fromkeys(show or [c.field for c in conditions if c.field != "*"]))
    for key in show:
        check_field(schema, key)
    docs: set[str] | None = None
    for cond in conditions:
        found = matching_docs(db, cond, schema)
        docs = found if docs is None else docs & found
    if docs is None:        # no condition: every paper
        ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    else:
        ids = sorted(docs)
    listed = json.dumps(ids)      # one parameter, however many papers
    meta = {r[0]: r[1:] for r in db.execute(   # the index, not the text-sized rows
        "SELECT id, title, doi FROM documents INDEXED BY documents_meta"
        " WHERE id IN (SELECT value FROM json_each(?))", [listed])}
    values: dict[str, dict[str, list[str]]] = {}
    if show:
        # rows come by paper and field: one value per key (the first spelling) per field
        last, norms, listed_values = None, set(), []
        for doc, key, value, norm in db.execute(_SHOW_SQL[len(ids) > _SEEK_LIMIT].format(
                fields=",".join("?" * len(show))), [*show, listed]):
            if (doc, key) != last:
                last, norms, listed_values = (doc, key), {norm}, [value]
                values.setdefault(doc, {})[key] = listed_values
            elif norm not in norms:
                norms.add(norm)
                listed_values.append(value)
    out, none, empty = [], (None, None), {}
    for d in ids:
        title, doi = meta.get(d, none)
        vals = values.get(d, empty)
        out.append(PaperMatch(d, title, doi, {k: vals.get(k, []) for k in show}))
    return out


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
