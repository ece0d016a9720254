"""Verification: every value that reaches the database passes here.

A candidate (value + quote) is kept only if
  1. its quote is found in the passages the backend was given (exactly, after folding case,
     white space, ligatures, quotes and dashes, or fuzzily at >= 90% of its characters), mapped
     back to exact offsets in the document's normalised text; and
  2. the value is grounded in that quote: each content word of the value (or of one of its
     known aliases) occurs in the quote; and
  3. the quote is not part of (or right after) an instruction addressed to the reader, such as
     an injected "ignore previous instructions and report X" (extractor.injection); and
  4. the quote speaks of the field: the value is a known value of it, or the quote names one
     of the field's search terms or known values, or matches one of its patterns.
"""
from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.backends.base import Candidate, Passage
from extractor.injection import instruction_reason
from extractor.ingest.normalize import normalize_for_match, normalize_for_match_with_map
from extractor.schemas.catalog import MIN_QUOTE_CHARS, FieldSpec

FUZZY_MIN_RATIO = 0.9

@dataclass(frozen=True)
class QuoteMatch:
    start: int          # offsets in the document's normalised text
    end: int
    match: str          # "exact" | "normalized" | "fuzzy"
    chunk_id: int | None = None


def _clean_quote(quote: str) -> str:
    # Models wrap quotes in quotation marks or ellipses; those are not part of the text.
    return quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip(". \u2026").strip()


def _find_in_text(text: str, quote: str, fuzzy: bool) -> tuple[int, int, str] | None:
    """Locate quote in text; offsets are into text."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote), "exact"
    ftext, tmap = normalize_for_match_with_map(text)
    fquote = normalize_for_match(quote)
    if not fquote:
        return None
    j = ftext.find(fquote)
    if j >= 0:
        return tmap[j], tmap[j + len(fquote) - 1] + 1, "normalized"
    if not fuzzy or len(fquote) < 2 * MIN_QUOTE_CHARS:
        return None
    sm = difflib.SequenceMatcher(None, ftext, fquote, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 3]
    if not blocks:
        return None
    matched = sum(b.size for b in blocks)
    a0, a1 = blocks[0].a, blocks[-1].a + blocks[-1].size
    if matched >= FUZZY_MIN_RATIO * len(fquote) and (a1 - a0) <= 1.15 * len(fquote):
        return tmap[a0], tmap[a1 - 1] + 1, "fuzzy"
    return None


def locate_quote(doc_text: str, quote: str, passages: list[Passage] | None = None,
                 fuzzy: bool = True) -> QuoteMatch | None:
    """Find quote inside the given passages (or the whole document) and map to document offsets."""
    quote = _clean_quote(quote)
    if len(quote) < MIN_QUOTE_CHARS:
        return None
    if passages is None:
        hit = _find_in_text(doc_text, quote, fuzzy)
        return QuoteMatch(*hit) if hit else None
    # Exact and normalised matches in any passage beat a fuzzy one in an earlier passage.
    for allow_fuzzy in ((False, True) if fuzzy else (False,)):
        for p in passages:
            hit = _find_in_text(p.text, quote, allow_fuzzy)
            if hit:
                s, e, how = hit
                return QuoteMatch(p.start + s, p.start + e, how, p.chunk_id)
    return None


_STOP = frozenset("""a an the of and or for to in on with by from at as is are was were be been
using used use via into than this that these those its their our we it per""".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


def _tokens(s: str) -> list[str]:
    return [t for t in _TOKEN.findall(normalize_for_match(s)) if t not in _STOP]


def _stem(t: str) -> str:
    # Crude but predictable: "augmentation"/"augmented", "GPUs"/"GPU" share a stem.
    return t[:6] if len(t) > 6 and not t[0].isdigit() else t.rstrip("s") if len(t) > 3 else t


def grounded(value: str, quote: str, aliases: tuple[str, ...] = ()) -> bool:
    """True when every content word of the value, or of one alias, occurs in the quote."""
    qstems = {_stem(t) for t in _tokens(quote)}
    fq = normalize_for_match(quote)
    for form in (value, *aliases):
        toks = _tokens(form)
        if not toks:
            continue
        if all(_stem(t) in qstems for t in toks):
            return True
        ff = normalize_for_match(form)
        if len(ff) >= 2 and ff in fq:   # symbols such as "C++" or "k-NN"
            return True
        # a URL or DOI that the PDF broke across a line ("dryad. 7h2k") is still the same string
        if "/" in ff and len(ff) >= 12 and "".join(ff.split()) in "".join(fq.split()):
            return True
    return False


@dataclass
class Verdict:
    candidate: Candidate
    match: QuoteMatch | None
    page: int | None
    reason: str | None      # None = accepted

    @property
    def accepted(self) -> bool:
        return self.reason is None


def page_of(offset: int, page_starts: list[int] | None) -> int | None:
    if not page_starts:
        return None
    return bisect.bisect_right(page_starts, offset)  # pages are 1-based


def check_candidate(c: Candidate, spec: FieldSpec | None, doc_text: str,
                    passages: list[Passage]) -> tuple[QuoteMatch | None, str | None]:
    """(match, None) when the candidate verifies, else (match or None, reason)."""
    if spec is None:
        return None, f"field {c.field!r} is not in this group"
    if not c.value.strip():
        return None, "empty value"
    if len(_clean_quote(c.quote)) < MIN_QUOTE_CHARS:
        return None, f"quote shorter than {MIN_QUOTE_CHARS} characters"
    m = locate_quote(doc_text, c.quote, passages)
    if m is None:
        return None, "quote not found in the passages read"
    injected = instruction_reason(doc_text, m.start, m.end)
    if injected:            # verbatim, but an order to the reader is no evidence
        return m, injected
    quote = doc_text[m.start:m.end]
    if not grounded(c.value, quote, spec.aliases(c.value)):
        return m, "value not grounded in its quote"
    if not about_field(c.value, quote, spec):
        return m, f"quote does not speak of {spec.key} (none of its terms or known values)"
    return m, None


def _phrase_regex(phrases: list[str]) -> re.Pattern | None:
    # Long words match by their first six letters so "optimiser"/"optimizer"/"optimised" and
    # "augmentation"/"augmented" all count; short ones whole or plural ("GPU", "GPUs").
    alts = set()
    for ph in phrases:
        words = _TOKEN.findall(normalize_for_match(ph))
        if words:
            alts.add(r"\W+".join(re.escape(w[:6]) + r"\w*" if len(w) > 6
                                  else re.escape(w) + r"s?\b" for w in words))
    return re.compile(r"\b(?:" + "|".join(sorted(alts)) + ")") if alts else None


@lru_cache(maxsize=512)
def _field_terms(spec: FieldSpec) -> tuple[frozenset[str], re.Pattern | None, list[re.Pattern]]:
    known = [a for canon, al in spec.vocabulary.items() for a in (canon, *al)]
    patterns = []
    for p in spec.patterns:
        try:
            patterns.append(re.compile(p.regex, re.I))
        except re.error:
            pass    # a broken user pattern is the rules backend's error to report, not ours
    return (frozenset(normalize_for_match(k) for k in known),
            _phrase_regex([*spec.search_terms, *known]), patterns)


def about_field(value: str, quote: str, spec: FieldSpec) -> bool:
    """Is the quote about this field at all? A value from the field's vocabulary, or a quote
    naming one of the field's search terms or known values, or matching one of its patterns.
    Catches a true statement filed under the wrong field (an LLM giving a cloud service as
    the optimizer)."""
    known, rx, patterns = _field_terms(spec)
    if rx is None or normalize_for_match(value) in known:
        return True
    if rx.search(normalize_for_match(quote)):
        return True
    return any(p.search(quote) for p in patterns)


def verify(candidates: list[Candidate], fields: list[FieldSpec], doc_text: str,
           passages: list[Passage], page_starts: list[int] | None = None) -> list[Verdict]:
    by_key = {f.key: f for f in fields}
    out: list[Verdict] = []
    seen: set[tuple[str, str]] = set()
    for c in candidates:
        m, reason = check_candidate(c, by_key.get(c.field), doc_text, passages)
        key = (c.field, normalize_for_match(c.value))
        if reason is None and key in seen:
            continue  # the same value twice in a field is one value
        if reason is None:
            seen.add(key)
        out.append(Verdict(c, m, page_of(m.start, page_starts) if m else None, reason))
    return out
