"""Verification: every value that reaches the database passes here.

A candidate (value + quote) is kept only if
  1. its quote is found in the passages the backend was given (exactly, after folding case,
     white space, ligatures, quotes and dashes, or fuzzily at >= 90% of its characters), mapped
     back to exact offsets in the document's normalised text; and
  2. the value is grounded in that quote, by one of the kinds of extractor.grounding (verbatim,
     alias, words, number, or paraphrase for descriptive fields), stored with the value; and
  3. the quote is not part of (or right after) an instruction addressed to the reader, such as
     an injected "ignore previous instructions and report X" (extractor.injection); and
  4. the quote speaks of the field: the value is a known value of it, or the quote names one
     of the field's search terms or known values, or matches one of its patterns, or (failing
     all of those) the learned sentence classifier scores the quote for the field
     (extractor.relevance).

Evidence relocation. A model (or an annotator) often names a true value but hands over the
wrong sentence: one quote for several values, a neighbouring sentence, the sentence about
another setting. When the quote is found (1) and is no instruction (3) but fails 2 or 4, the
sentences of the passages read are searched for one that grounds the value by the same kinds
*and* speaks of the field by itself (its own words, not the value's); the best such sentence
becomes the evidence, stored with match kind "relocated" so audit shows that verification, not
the backend, chose it. The quote check itself is unchanged: relocation never rescues a quote
that is not in the passages read, and the relocated sentence is from those same passages.
"""
from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.core import Candidate, Passage
from extractor import relevance
from extractor.canonical import spec_canonical
from extractor.grounding import _stem, content_tokens, grounding_kind
from extractor.injection import instruction_reason
from extractor.ingest.normalize import normalize_for_match, normalize_for_match_with_map
from extractor.ingest.sentences import sentence_spans as split_sentences
from extractor.schemas.catalog import MIN_QUOTE_CHARS, FieldSpec

FUZZY_MIN_RATIO = 0.9

@dataclass(frozen=True)
class QuoteMatch:
    start: int          # offsets in the document's normalised text
    end: int
    match: str          # "exact" | "normalized" | "fuzzy" | "relocated" (chosen by verification)
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
    # A sentence longer than a chunk (no full stop in a table dump) is cut at white space, so a
    # quote may run across two passages that were read and meet in the text: exact match only.
    ordered = sorted(passages, key=lambda p: p.start)
    for p, q in zip(ordered, ordered[1:]):
        end = p.start + len(p.text)
        if end <= q.start and not doc_text[end:q.start].strip():
            joined = doc_text[p.start:q.start + len(q.text)]
            hit = _find_in_text(joined, quote, False)
            if hit and hit[1] > end - p.start:
                s, e, how = hit
                return QuoteMatch(p.start + s, p.start + e, how, p.chunk_id)
    return None


_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


@dataclass
class Verdict:
    candidate: Candidate
    match: QuoteMatch | None
    page: int | None
    reason: str | None      # None = accepted
    grounding: str | None = None    # how the value is grounded in its quote (grounding.KINDS)
    canonical: str | None = None    # the schema's canonical form (extractor.canonical)
    extra: tuple[QuoteMatch, ...] = ()   # where candidate.extra_quotes were found
    extra_pages: tuple[int | None, ...] = ()

    @property
    def matches(self) -> list[tuple[QuoteMatch, int | None]]:
        """(match, page) of every quote: the first, then the further ones."""
        if self.match is None:
            return []
        return [(self.match, self.page), *zip(self.extra, self.extra_pages)]

    @property
    def accepted(self) -> bool:
        return self.reason is None

    @property
    def relocated(self) -> bool:
        """Verification, not the backend, chose the evidence (the quote given did not verify
        the value; see the module docstring)."""
        return self.match is not None and self.match.match == "relocated"


def page_of(offset: int, page_starts: list[int] | None) -> int | None:
    if not page_starts:
        return None
    return bisect.bisect_right(page_starts, offset)  # pages are 1-based


def check_candidate(c: Candidate, spec: FieldSpec | None, doc_text: str,
                    passages: list[Passage], relocate: bool = True
                    ) -> tuple[QuoteMatch | None, str | None]:
    """(match, None) when the candidate verifies, else (match or None, reason). As in verify,
    a value its quote does not verify may verify through a relocated sentence (relocate)."""
    m, reason, _ = check_grounded(c, spec, doc_text, passages, relocate)
    return m, reason


def check_grounded(c: Candidate, spec: FieldSpec | None, doc_text: str, passages: list[Passage],
                   relocate: bool = True) -> tuple[QuoteMatch | None, str | None, str | None]:
    """(match, reason, grounding kind): reason None when the candidate verifies."""
    m, _, reason, kind = _check(c, spec, doc_text, passages, relocate)
    return m, reason, kind


def _check(c: Candidate, spec: FieldSpec | None, doc_text: str, passages: list[Passage],
           relocate: bool | list[Passage] = False
           ) -> tuple[QuoteMatch | None, tuple[QuoteMatch, ...], str | None, str | None]:
    """(match, matches of the further quotes, reason, grounding kind).

    relocate: True (search the passages read) or the passages to search for a sentence that
    verifies the value when its own quote does not (module docstring); the match returned is
    then that sentence's, of kind "relocated"."""
    if spec is None:
        return None, (), f"field {c.field!r} is not in this group", None
    if not c.value.strip():
        return None, (), "empty value", None
    if len(_clean_quote(c.quote)) < MIN_QUOTE_CHARS:
        return None, (), f"quote shorter than {MIN_QUOTE_CHARS} characters", None
    m = locate_quote(doc_text, c.quote, passages)
    if m is None:
        return None, (), "quote not found in the passages read", None
    found = [locate_quote(doc_text, q, passages) for q in c.extra_quotes]
    if None in found:
        return m, (), "a further quote is not found in the passages read", None
    extra = tuple(found)
    for x in (m, *extra):
        injected = instruction_reason(doc_text, x.start, x.end)
        if injected:            # verbatim, but an order to the reader is no evidence
            return m, extra, injected, None
    quote = " … ".join(doc_text[x.start:x.end] for x in (m, *extra))
    shape = value_shape_reason(c.value, spec)
    if shape:
        return m, extra, shape, None
    aliases = _aliases(c.value, spec)
    kind = grounding_kind(c.value, quote, aliases, spec.descriptive, spec.vocabulary)
    if kind is None:
        reason = "value not grounded in its quote"
    elif not about_field(c.value, quote, spec, learned=True):
        reason = (f"quote does not speak of {spec.key} (none of its terms or known values)")
    else:
        return m, extra, None, kind
    if relocate is not False:
        moved = relocate_evidence(c.value, spec, doc_text,
                                  passages if relocate is True else relocate, near=m.start)
        if moved is not None:
            return moved[0], (), None, moved[1]
    return m, extra, reason, kind


def _aliases(value: str, spec: FieldSpec) -> tuple[str, ...]:
    # a qualified value ("drone imagery (six sites)") is grounded through its head's aliases
    return tuple(dict.fromkeys((*spec.aliases(value), *spec.aliases(_QUALIFIER.sub("", value)))))


# --- evidence relocation ---------------------------------------------------------------------

# A relocated sentence is one statement: longer "sentences" are tables or run-together text, in
# which every word of a value is somewhere without being said together.
RELOCATE_MAX_CHARS = 400
# Relocation searches many sentences, so it takes only the kinds that leave no word of the value
# out of the sentence (and "number": every number there, most words): a paraphrase found by
# search is too easily a coincidence.
RELOCATE_KINDS = ("verbatim", "alias", "words", "number")

@lru_cache(maxsize=4096)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans of a passage, cut by ingestion's one splitter, and split again at line
    ends where a "sentence" is longer than RELOCATE_MAX_CHARS (table rows, headings run into
    text)."""
    out = []
    for a, b in split_sentences(text):
        pieces = [(a, b)]
        if b - a > RELOCATE_MAX_CHARS:
            lines = [a] + [i + 1 for i in range(a, b) if text[i] == "\n"] + [b]
            pieces = list(zip(lines, lines[1:]))
        for x, y in pieces:
            while x < y and text[x].isspace():
                x += 1
            while y > x and text[y - 1].isspace():
                y -= 1
            if y > x:
                out.append((x, y))
    return tuple(out)


@lru_cache(maxsize=65536)
def _stems_of(text: str) -> frozenset[str]:
    return frozenset(_stem(t) for t in content_tokens(text) if not t[0].isdigit())


def relocate_evidence(value: str, spec: FieldSpec, doc_text: str, pool: list[Passage],
                      near: int = 0) -> tuple[QuoteMatch, str] | None:
    """(match of kind "relocated", grounding kind) of the sentence of pool that best states
    value for this field, or None. The sentence must ground the value by one of
    RELOCATE_KINDS, speak of the field in its own words (about_field on the sentence alone:
    the value naming the field is not enough, so a value filed under the wrong field is not
    moved to a sentence about the right one), and be no instruction to the reader. Best: the
    strictest grounding kind, then a sentence that names the field's terms over one only the
    classifier ties to it, then the one nearest the quote the backend gave."""
    aliases = _aliases(value, spec)
    want = _stems_of(" ".join((value, *aliases)))
    if not want:
        return None
    best: tuple | None = None
    for p in pool:
        for s, e in sentence_spans(p.text):
            if not MIN_QUOTE_CHARS <= e - s <= RELOCATE_MAX_CHARS:
                continue
            sent = p.text[s:e]
            if not want & _stems_of(sent):      # cheap: no word of the value at all
                continue
            kind = grounding_kind(value, sent, aliases, spec.descriptive, spec.vocabulary)
            if kind not in RELOCATE_KINDS:
                continue
            words = _names_field(sent, spec)
            if not words and not relevance.classifier_says(sent, spec.key):
                continue
            start, end = p.start + s, p.start + e
            if instruction_reason(doc_text, start, end):
                continue
            rank = (RELOCATE_KINDS.index(kind), not words, abs(start - near))
            if best is None or rank < best[0]:
                best = (rank, QuoteMatch(start, end, "relocated", p.chunk_id), kind)
    return (best[1], best[2]) if best else None


_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


_EDGE_STOP = frozenset("""a an the of and or for to in on with by from at as is are was were
be been which that this these those its their our we it into than via using can could have has
had will would may might should must do does did not also then there here so but if when while
where how what""".split())
# words that name no particular thing on their own
_GENERIC = frozenset("""model models data dataset datasets method methods approach approaches
algorithm algorithms system systems technique techniques result results study studies paper
analysis value values parameter parameters information process procedure network networks
tool tools software setting settings type types""".split())
_WORD = re.compile(r"[\w'+#.-]*\w")


def fragment_reason(value: str, spec: FieldSpec) -> str | None:
    """Why the value is junk rather than a value (a cut-off phrase, a generic word, a
    sentence), or None."""
    words = _WORD.findall(value.lower())
    if not words:
        return "value has no word"
    for w, where in ((words[0], "starts"), (words[-1], "ends")):
        if w in _EDGE_STOP:
            return f"value is a fragment ({where} with {w!r})"
    if all(w in _GENERIC for w in words):
        return f"value {value!r} is a generic word, not a named thing"
    if len(value) > spec.max_value_chars:
        return f"value longer than {spec.max_value_chars} characters (a sentence, not a value)"
    return None


def value_shape_reason(value: str, spec: FieldSpec) -> str | None:
    """Why the value cannot be a value of this field whatever its quote says, or None."""
    junk = fragment_reason(value, spec)
    if junk:
        return junk
    if spec.value_pattern and not re.search(spec.value_pattern, value, re.I):
        return f"value does not have the shape of a {spec.key} value"
    head = normalize_for_match(_QUALIFIER.sub("", value))
    # a known value of another field, unless this field's own terms or patterns claim it too
    # (a Jetson board is hardware and a deployment platform)
    if head in spec.foreign_values and not about_field(value, value, spec):
        return f"{_QUALIFIER.sub('', value)!r} is a known value of another field, not of {spec.key}"
    return None


def verdict_of(c: Candidate, spec: FieldSpec | None, doc_text: str, passages: list[Passage],
               page_starts: list[int] | None = None,
               relocate: bool | list[Passage] = True) -> Verdict:
    """The verdict on one candidate; relocate as in _check (on by default: every backend's
    values go through verify, which relocates)."""
    m, extra, reason, kind = _check(c, spec, doc_text, passages, relocate)
    if reason is not None:
        extra = ()
    return Verdict(c, m, page_of(m.start, page_starts) if m else None, reason,
                   kind if reason is None else None,
                   spec_canonical(spec, c.value) if reason is None else None, extra,
                   tuple(page_of(x.start, page_starts) for x in extra))


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


def about_field(value: str, quote: str, spec: FieldSpec, learned: bool = False) -> bool:
    """Is the quote about this field at all? A value from the field's vocabulary, or a quote
    naming one of the field's search terms or known values, or matching one of its patterns;
    with learned, failing those, a quote the learned sentence classifier scores for the field
    (extractor.relevance). Catches a true statement filed under the wrong field (an LLM giving
    a cloud service as the optimizer)."""
    known, rx, patterns = _field_terms(spec)
    if rx is None or normalize_for_match(value) in known:
        return True
    # a value that names one of the field's terms ("patch extraction", "5-fold split") says
    # what it is about even when its quote words it otherwise
    if rx.search(normalize_for_match(value)) or _names_field(quote, spec):
        return True
    return learned and relevance.classifier_says(quote, spec.key)


def _names_field(text: str, spec: FieldSpec) -> bool:
    """Does text itself name one of the field's search terms or known values, or match one of
    its patterns?"""
    _, rx, patterns = _field_terms(spec)
    if rx is None:
        return True
    return bool(rx.search(normalize_for_match(text))) or any(p.search(text) for p in patterns)


def verify(candidates: list[Candidate], fields: list[FieldSpec], doc_text: str,
           passages: list[Passage], page_starts: list[int] | None = None) -> list[Verdict]:
    by_key = {f.key: f for f in fields}
    out: list[Verdict] = []
    seen: set[tuple[str, str]] = set()
    for c in candidates:
        out_v = verdict_of(c, by_key.get(c.field), doc_text, passages, page_starts)
        key = (c.field, normalize_for_match(c.value))
        if out_v.accepted and key in seen:
            continue  # the same value twice in a field is one value
        if out_v.accepted:
            seen.add(key)
        out.append(out_v)
    return out
