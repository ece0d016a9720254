"""Retrieval recall of gold evidence: would the backends have read the gold quote at all?

For every gold document that is ingested in the database and every field the gold marks
*reported*, retrieval runs live (``retrieve(db, doc, group, k)``, the passages a backend reads for
that field's group) and the field counts as recalled when at least one of its gold evidence quotes
lies inside those passages.

A quote "lies inside" the passages when, after locating it in the document in match form
(white space runs folded to one space, case folded, typographic quotes/dashes and line-end
hyphenation folded: ``normalize_for_match``), some occurrence of it is either

* contained in one passage's span, or
* covered to at least ``COVER_MIN`` (80%) of its characters by the union of the passages' spans.
  This is for quotes that run across a passage boundary (two sentences cut between chunks, or a
  long quote wider than a sentence window): a backend that read those passages can quote most of it.

A quote that cannot be found in the document at all is a miss and is counted as ``unlocated``
(gold copied from a different text, or a normalisation gap), so it is visible, not hidden.

Secondary number: quote recall, the share of gold quotes (of reported fields) that lie inside.
Also reported: characters of passage text read per document x group (the cost of the budget).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from extractor.evaluate import REPORTED, _quotes, _status, load_gold
from extractor.ingest.normalize import normalize_for_match, normalize_for_match_with_map
from extractor.ingest.urlcut import url_wraps
from extractor.retrieve import DEFAULT_TOP_K, retrieve
from extractor.schemas.catalog import Schema

COVER_MIN = 0.8


def quote_spans(doc_text: str, quote: str, _cache: dict | None = None) -> list[tuple[int, int]]:
    """Every occurrence of quote in doc_text (match form), as spans of doc_text."""
    fq = normalize_for_match(quote.strip())
    if not fq:
        return []
    if _cache is not None and id(doc_text) in _cache:
        ftext, fmap = _cache[id(doc_text)]
    else:
        ftext, fmap = normalize_for_match_with_map(doc_text)
        if _cache is not None:
            _cache[id(doc_text)] = (ftext, fmap)
    return [(fmap[m.start()], fmap[m.end() - 1] + 1)
            for m in _quote_pattern(quote, fq).finditer(ftext)]


_LINE_HYPHEN = re.compile(r"(?<=[A-Za-z])[-\u2010]\s+(?=[A-Za-z])")
_SPACE = re.compile(r"\s+")


def _quote_pattern(quote: str, fq: str) -> re.Pattern:
    """The quote's match form as a pattern. A quote copied from older or raw text may break a
    word at a line-end hyphen ("cross- validation", "observa- tion"), which the match form joins,
    while ingestion keeps the hyphen where the document's vocabulary says it is a compound's
    ("cross-validation"); or hold a URL cut by a space ("https://github. com/x") that ingestion
    now joins. At each such break the text may hold the word or URL with or without it."""
    quote = quote.strip()
    cuts = [(m.start(), m.end(), "-?") for m in _LINE_HYPHEN.finditer(quote)]
    cuts += [(m.start(), m.end(), " ?") for m in _SPACE.finditer(quote)
             if url_wraps(quote[:m.start()], quote[m.end():])]
    if not cuts:
        return re.compile(re.escape(fq))
    parts, pos = [], 0
    for a, b, joint in sorted(cuts):
        parts += [re.escape(normalize_for_match(quote[pos:a])), joint]
        pos = b
    return re.compile("".join(parts) + re.escape(normalize_for_match(quote[pos:])))


def covered(span: tuple[int, int], passage_spans: list[tuple[int, int]]) -> bool:
    """span inside one passage, or at least COVER_MIN of it covered by the passages together."""
    a, b = span
    if any(s <= a and b <= e for s, e in passage_spans):
        return True
    pos, got = a, 0
    for s, e in sorted(passage_spans):
        lo, hi = max(s, pos), min(e, b)
        if hi > lo:
            got += hi - lo
            pos = hi
    return got >= COVER_MIN * (b - a)


@dataclass
class _Count:
    fields: int = 0
    fields_hit: int = 0
    quotes: int = 0
    quotes_hit: int = 0
    unlocated: int = 0
    misses: list[str] = field(default_factory=list)   # "doc" of missed fields

    def report(self) -> dict[str, Any]:
        return {"fields": self.fields, "fields_recalled": self.fields_hit,
                "retrieval_recall": self.fields_hit / self.fields if self.fields else None,
                "quotes": self.quotes, "quotes_recalled": self.quotes_hit,
                "quote_recall": self.quotes_hit / self.quotes if self.quotes else None,
                "unlocated_quotes": self.unlocated, "missed_docs": self.misses}


def evaluate_retrieval(db: sqlite_utils.Database, gold_dir: str | Path, schema: Schema,
                       k: int | None = DEFAULT_TOP_K) -> dict[str, Any]:
    """Retrieval recall of gold evidence, overall and per field (see the module docstring).

    Returns {"retrieval_recall", "quote_recall", "overall": {...}, "fields": {key: {...}},
    "docs", "missing", "top_k", "chars_per_group", "passages_per_group"}.
    """
    gold = load_gold(gold_dir)
    docs = {r[0]: r[1] for r in db.execute(
        "SELECT id, text FROM documents WHERE status = 'ok'").fetchall()}
    present = [d for d in sorted(gold) if d in docs]
    overall, per_field = _Count(), {f.key: _Count() for f in schema.fields}
    chars = units = n_passages = 0
    cache: dict = {}
    for doc in present:
        text = docs[doc]
        for group in schema.groups:
            passages = retrieve(db, doc, group, k=k)
            units += 1
            n_passages += len(passages)
            chars += sum(len(p.text) for p in passages)
            spans = [(p.start, p.start + len(p.text)) for p in passages]
            for f in group.fields:
                entry = gold[doc].get(f.key)
                if _status(entry) != REPORTED:
                    continue
                c = per_field[f.key]
                hit_any = False
                for q in _quotes(entry.get("evidence")):
                    occ = quote_spans(text, q, cache)
                    hit = any(covered(s, spans) for s in occ)
                    hit_any |= hit
                    c.quotes += 1
                    c.quotes_hit += hit
                    c.unlocated += not occ
                c.fields += 1
                c.fields_hit += hit_any
                if not hit_any:
                    c.misses.append(doc)
    for c in per_field.values():
        overall.fields += c.fields
        overall.fields_hit += c.fields_hit
        overall.quotes += c.quotes
        overall.quotes_hit += c.quotes_hit
        overall.unlocated += c.unlocated
    ov = overall.report()
    ov.pop("missed_docs")
    return {"retrieval_recall": ov["retrieval_recall"], "quote_recall": ov["quote_recall"],
            "overall": ov,
            "fields": {k_: c.report() for k_, c in per_field.items() if c.fields},
            "docs": len(present), "missing": [d for d in sorted(gold) if d not in docs],
            "top_k": k, "chars_per_group": chars / units if units else None,
            "passages_per_group": n_passages / units if units else None}
