"""--where filters: papers whose current values satisfy every condition, with the values of the
fields to show, as a whole list or one page of it (`methex query --where`, the web pages).

A condition is decided once per distinct (key, spelling) of its field, read from the
(field, normalized, value, ...) index; the matching papers are that index's doc ids. Several
conditions start from the one matching the fewest papers; another condition is then checked
by primary-key seeks of the remaining papers when there are few of them, else by reading its
own papers and intersecting. Titles and shown values are fetched only for the papers returned,
so a page of 50 costs the same at 100k papers as at 500.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from extractor.query_checks import QueryError, check_field
from extractor.schemas.catalog import Schema, load_schema
from extractor.store import canonical_of, normalize_value


@dataclass(frozen=True)
class Condition:
    field: str
    op: str                          # a key of OPERATORS
    value: str

    def __str__(self) -> str:
        if self.op.startswith("agreement"):
            scope = "" if self.field == "*" else f"{self.field}."
            return f"{scope}{self.op}{self.value}"
        return f"{self.field}{self.op}{self.value}"


# A matcher decides one distinct (normalized, spelling) of the field: (needle, key of the
# condition's value, normalized, value as written) -> bool.
Matcher = Callable[[str, str, str, str], bool]


def _equals(needle: str, key: str, norm: str, value: str) -> bool:
    """The canonical key, or the spelling as written."""
    return norm == key or norm == needle or normalize_value(value) == needle


def _contains(needle: str, key: str, norm: str, value: str) -> bool:
    """A case-insensitive substring of the canonical key or of the spelling."""
    return needle in norm or needle in normalize_value(value)


# --where operators; the parser tries longer symbols first, so one like ">=" can be added
# beside "=" with its matcher.
OPERATORS: dict[str, Matcher] = {"=": _equals, "~": _contains}


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
    ops = "|".join(re.escape(op) for op in sorted(OPERATORS, key=len, reverse=True))
    m = re.match(rf"\s*([^=~]+?)\s*({ops})(.*)", text, re.S)
    if not m or not m.group(1):
        raise QueryError(f"condition {text!r} must look like FIELD=VALUE (exact value) or "
                         f"FIELD~TEXT (substring), e.g. frameworks=PyTorch")
    key, op, value = m.group(1), m.group(2), m.group(3).strip()
    check_field(schema, key)
    if not normalize_value(value):
        raise QueryError(f"condition {text!r} has an empty value")
    return Condition(key, op, value)


def _matching_pairs(db: sqlite_utils.Database, cond: Condition,
                    schema: Schema) -> list[tuple[str, str]]:
    """The distinct (normalized, value) of cond.field that satisfy cond."""
    key = canonical_of(db, cond.field, cond.value, schema.field(cond.field))[1]
    needle, match = normalize_value(cond.value), OPERATORS[cond.op]
    return [(norm, value) for norm, value in db.execute(
        "SELECT DISTINCT normalized, value FROM current_values WHERE field = ?", [cond.field])
        if match(needle, key, norm, value)]


# The papers of one (normalized, value) as one JSON array: one string decoded in C instead of a
# Python row per paper (30k rows cost ~10x more).
_PAIR_DOCS = ("SELECT json_group_array(doc_id) FROM current_values WHERE field = ?"
              " AND normalized = ? AND value = ?")


def _rows_counted(db: sqlite_utils.Database, field: str, pairs) -> int:
    """Value rows of the pairs: an upper bound of their papers, counted inside the index."""
    return sum(db.execute("SELECT count(*) FROM current_values WHERE field = ? AND"
                          " normalized = ? AND value = ?", [field, *pair]).fetchone()[0]
               for pair in pairs)


# A further condition with more than this many value rows per paper still matching is checked
# by seeking those papers' (doc, field) rather than by reading all of its papers.
_SEEK_RATIO = 8


def _still_matching(db: sqlite_utils.Database, field: str, pairs, docs: set[str]) -> set[str]:
    """Those of docs that have one of the pairs in field (primary-key seeks)."""
    wanted = set(pairs)
    return {doc for doc, norm, value in db.execute(
        "SELECT cv.doc_id, cv.normalized, cv.value FROM json_each(?) j"
        " CROSS JOIN current_values cv ON cv.doc_id = j.value AND cv.field = ?",
        [json.dumps(sorted(docs)), field]) if (norm, value) in wanted}


def _agreement_docs(db: sqlite_utils.Database, cond: Condition) -> set[str]:
    """Papers with a current value of a consensus run agreed by cond.value runs or more
    (or another comparison; consensus_values, db/014)."""
    op = cond.op.removeprefix("agreement")      # one of _AGREEMENT's operators
    scope = "" if cond.field == "*" else " AND cv.field = ?"
    return {r[0] for r in db.execute(
        "SELECT DISTINCT cv.doc_id FROM current_values cv JOIN consensus_values c"
        f" ON c.value_id = cv.value_id WHERE c.agree {op} ?{scope}",
        [int(cond.value)] + ([] if cond.field == "*" else [cond.field]))}


def matching_ids(db: sqlite_utils.Database, conditions: list[Condition],
                 schema: Schema | None = None) -> list[str]:
    """Ids of the papers matching ALL conditions (every paper without one), sorted."""
    schema = schema or load_schema()
    if not conditions:
        return [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    plans = []
    for cond in conditions:
        if cond.op.startswith("agreement"):
            agreed = _agreement_docs(db, cond)
            plans.append((len(agreed), cond.field, agreed))
            continue
        pairs = _matching_pairs(db, cond, schema)
        plans.append((_rows_counted(db, cond.field, pairs), cond.field, pairs))
    plans.sort(key=lambda p: p[0])          # the most selective condition first
    docs: set[str] | None = None
    for rows, field, pairs in plans:
        if docs is not None and not docs:
            break
        if isinstance(pairs, set):          # an agreement condition: its papers already
            docs = pairs if docs is None else docs & pairs
            continue
        if docs is not None and len(docs) * _SEEK_RATIO < rows:
            docs = _still_matching(db, field, pairs, docs)
            continue
        found = set()
        for pair in pairs:
            found.update(json.loads(db.execute(_PAIR_DOCS, [field, *pair]).fetchone()[0]))
        docs = found if docs is None else docs & found
    return sorted(docs or ())


@dataclass(slots=True)
class PaperMatch:
    doc_id: str
    title: str | None
    doi: str | None
    fields: dict[str, list[str]]


@dataclass
class PaperPage:
    total: int                       # papers matching
    papers: list[PaperMatch]         # those of the page asked for, by doc_id


# Values of the shown fields of the listed papers, in display order. Up to _SEEK_LIMIT papers:
# primary-key seeks per paper; more: one scan of each field's index range, filtered in SQLite.
_SEEK_LIMIT = 2000
_SHOW_SQL = (
    "SELECT cv.doc_id, cv.field, cv.value, cv.normalized FROM json_each(?) j CROSS JOIN"
    " current_values cv ON cv.doc_id = j.value AND cv.field IN ({fields})"
    " ORDER BY cv.doc_id, cv.field, cv.source, cv.ord",
    "SELECT doc_id, field, value, normalized FROM current_values INDEXED BY"
    " current_values_field_key WHERE field IN ({fields}) AND +doc_id IN"
    " (SELECT value FROM json_each(?)) ORDER BY doc_id, field, source, ord")


def _shown_values(db: sqlite_utils.Database, ids: list[str], listed: str,
                  show: list[str]) -> dict[str, dict[str, list[str]]]:
    """{doc: {field: values}}: one value per key (its first spelling) per field."""
    values: dict[str, dict[str, list[str]]] = {}
    many = len(ids) > _SEEK_LIMIT
    marks = ",".join("?" * len(show))
    params = [*show, listed] if many else [listed, *show]
    last, norms, listed_values = None, set(), []
    # rows come by paper and field
    for doc, key, value, norm in db.execute(_SHOW_SQL[many].format(fields=marks), params):
        if (doc, key) != last:
            last, norms, listed_values = (doc, key), {norm}, [value]
            values.setdefault(doc, {})[key] = listed_values
        elif norm not in norms:
            norms.add(norm)
            listed_values.append(value)
    return values


def papers_of(db: sqlite_utils.Database, ids: list[str], show: list[str]) -> list[PaperMatch]:
    """PaperMatch of each of ids (sorted), with title, DOI and the values of the show fields."""
    listed = json.dumps(ids)      # one parameter, however many papers
    meta = {r[0]: r[1:] for r in db.execute(   # the index, not the text-sized rows
        "SELECT d.id, d.title, d.doi FROM json_each(?) j CROSS JOIN documents d"
        " INDEXED BY documents_meta ON d.id = j.value", [listed])}
    values = _shown_values(db, ids, listed, show) if show and ids else {}
    out, none, empty = [], (None, None), {}
    for d in ids:
        title, doi = meta.get(d, none)
        vals = values.get(d, empty)
        out.append(PaperMatch(d, title, doi, {k: vals.get(k, []) for k in show}))
    return out


def _shown(conditions: list[Condition], show: list[str] | None, schema: Schema) -> list[str]:
    show = list(dict.fromkeys(show or [c.field for c in conditions if c.field != "*"]))
    for key in show:
        check_field(schema, key)
    return show


def papers_page(db: sqlite_utils.Database, conditions: list[Condition],
                show: list[str] | None = None, schema: Schema | None = None,
                limit: int | None = 50, offset: int = 0) -> PaperPage:
    """How many papers match ALL conditions, and `limit` of them from `offset` (None: all) with
    the values of `show` fields (default: the condition fields), ordered by doc_id."""
    schema = schema or load_schema()
    show = _shown(conditions, show, schema)
    ids = matching_ids(db, conditions, schema)
    page = ids[offset:] if limit is None else ids[offset:offset + limit]
    return PaperPage(len(ids), papers_of(db, page, show))


def find_papers(db: sqlite_utils.Database, conditions: list[Condition],
                show: list[str] | None = None, schema: Schema | None = None) -> list[PaperMatch]:
    """Every paper matching ALL conditions, with the values of `show` fields (default: the
    condition fields), ordered by doc_id."""
    return papers_page(db, conditions, show, schema, limit=None).papers
