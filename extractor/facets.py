"""Facet counts: papers per canonical value of one field (`methex query FIELD`, `methex values`,
the web pages), over all papers or those matching --where conditions."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

import sqlite_utils

from extractor.query_checks import batches, check_field
from extractor.schemas.catalog import Schema, load_schema


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
    for part in batches(docs):
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
        for part in batches(sorted(set(doc_ids))):
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
