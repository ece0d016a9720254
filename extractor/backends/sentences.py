"""The sentences an LLM is shown for one field: passages cut into verbatim sentence pieces,
ranked by the field's own words (search terms, known values and their aliases, patterns).

A small model asked about one field over its few best sentences answers far better than one
asked about a whole group over whole passages (BENCHMARKS.md, "per-field calls").
"""
from __future__ import annotations

import re
from functools import lru_cache

from extractor.core import Candidate, Passage
from extractor.ingest.normalize import normalize_for_match
from extractor.ingest.sentences import sentence_spans
from extractor.schemas.catalog import MAX_QUOTE_CHARS, MIN_QUOTE_CHARS, FieldSpec

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_STOP = frozenset("a an the of and or for to in on with by from at as is are was were be "
                  "been using used use via into than this that these those its their our we "
                  "it per".split())
VALUE_WEIGHT = 2.0      # a known value ("Adam") says more than a topic word ("optimizer")


def quote_choices(passages: list[Passage]) -> list[str]:
    """The passages cut into sentence-sized pieces a quote may be.

    Sentences are cut as the rules backend cuts them (ingestion's one splitter, at ";" too), so
    a piece and a rules hint's quote usually coincide. Pieces stay verbatim substrings of their
    passage: long sentences are cut at spaces into pieces of at most MAX_QUOTE_CHARS, pieces
    shorter than MIN_QUOTE_CHARS are dropped. Order: passage rank, then position in the passage.
    """
    out: dict[str, None] = {}
    for p in passages:
        for a, b in sentence_spans(p.text, clauses=True):
            sent = p.text[a:b]
            while len(sent) > MAX_QUOTE_CHARS:
                cut = sent.rfind(" ", MIN_QUOTE_CHARS, MAX_QUOTE_CHARS)
                cut = cut if cut > 0 else MAX_QUOTE_CHARS
                out.setdefault(sent[:cut].strip(), None)
                sent = sent[cut:].strip()
            if len(sent) >= MIN_QUOTE_CHARS:
                out.setdefault(sent, None)
    return list(out)


def _stem(word: str) -> str:
    # the first six letters, so "optimiser"/"optimizer" and "augmented"/"augmentation" meet
    return word[:6] if len(word) > 6 and not word[0].isdigit() else word.rstrip("s") or word


def stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _WORD.findall(normalize_for_match(text))
                     if w not in _STOP)


@lru_cache(maxsize=512)
def _terms(spec: FieldSpec) -> tuple[tuple[frozenset[str], float], ...]:
    """(stems of one term, its weight) for every search term and known value of a field."""
    out: dict[frozenset[str], float] = {}
    for t in spec.search_terms:
        s = stems(t)
        if s:
            out[s] = max(out.get(s, 0.0), 1.0)
    for canon, aliases in spec.vocabulary.items():
        for t in (canon, *aliases):
            s = stems(t)
            if s:
                out[s] = VALUE_WEIGHT
    return tuple(out.items())


@lru_cache(maxsize=512)
def _patterns(spec: FieldSpec) -> tuple[re.Pattern, ...]:
    out = []
    for p in spec.patterns:
        try:
            out.append(re.compile(p.regex, re.I))
        except re.error:
            pass    # a broken user pattern is the rules backend's error to report
    return tuple(out)


def score(sentence: str, spec: FieldSpec) -> float:
    """How much of the field's vocabulary a sentence names: each term whose every word occurs
    counts once (known values twice), a matching pattern counts as a known value."""
    have = stems(sentence)
    total = sum(w for s, w in _terms(spec) if s <= have)
    if any(p.search(sentence) for p in _patterns(spec)):
        total += VALUE_WEIGHT
    return total


def top_sentences(spec: FieldSpec, passages: list[Passage], n: int,
                  hints: list[Candidate] = ()) -> list[str]:
    """Up to n sentences of the passages for one field, best first; [] when none names any of
    the field's terms (the field is then unknown without asking a model).

    Sentences holding a rules hint's quote for this field always come first, so the model can
    confirm or drop the hint."""
    choices = quote_choices(passages)
    pinned = [c for c in choices for h in hints
              if h.field == spec.key and (h.quote in c or c in h.quote)]
    pinned = list(dict.fromkeys(pinned))
    scored = [(score(c, spec), -i, c) for i, c in enumerate(choices) if c not in pinned]
    ranked = [c for s, _, c in sorted(scored, reverse=True) if s > 0]
    return (pinned + ranked)[:max(n, len(pinned))]
