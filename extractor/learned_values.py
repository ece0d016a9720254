"""Open-vocabulary values: the phrase of a sentence that states a descriptive field.

A descriptive value ("random horizontal flips", "5-fold cross-validation by site") is rarely a
vocabulary word, but it is nearly always the clause around one of the field's words. The value
is that clause, cut to at most MAX_WORDS words around the word and trimmed of leading and
trailing function words, so it is a substring of its quote (verifiable by construction: every
number of the value is in the quote).
"""
from __future__ import annotations

import re
from functools import lru_cache

from extractor.ingest.normalize import normalize_for_match
from extractor.schemas.catalog import FieldSpec
from extractor.statements import clause_of

MAX_WORDS = 7
WORDS_BEFORE = 2        # words kept before the field's word (the rest of the budget after it)

# function words a value never starts or ends with (verification rejects such fragments)
_EDGE = frozenset("""a an the of and or for to in on with by from at as is are was were be been
which that this these those its their our we it into than via using can could have has had will
would may might should must do does did not also then there here so but if when while where how
what each all both such after before during per were being used use then thus further first
finally respectively""".split())
_WORD = re.compile(r"\S+")
_STRIP = "\"'()[]{},;:.\u201c\u201d\u2018\u2019"


@lru_cache(maxsize=256)
def trigger_regex(spec: FieldSpec) -> re.Pattern | None:
    """The field's words (search terms, known values and aliases); long words match by their
    first six letters ("augment" finds "augmentation", "augmented")."""
    alts = set()
    for ph in (*spec.search_terms, *(a for c, al in spec.vocabulary.items() for a in (c, *al))):
        words = re.findall(r"[a-z0-9]+", normalize_for_match(ph))
        if words:
            alts.add(r"\W+".join(re.escape(w[:6]) + r"\w*" if len(w) > 6
                                 else re.escape(w) + r"s?\b" for w in words))
    if not alts:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(alts, key=len, reverse=True)) + ")", re.I)


def phrase_value(sentence: str, spec: FieldSpec, max_words: int = MAX_WORDS) -> str | None:
    """The phrase of sentence stating the field, or None when the sentence names none of the
    field's words (verification would not accept it as about the field)."""
    rx = trigger_regex(spec)
    m = rx.search(sentence) if rx else None
    if m is None:
        for p in spec.patterns:
            try:
                m = re.search(p.regex, sentence, re.I)
            except re.error:
                m = None
            if m and m.end() > m.start():
                break
        else:
            return None
    clause = clause_of(sentence, m.start(), m.end())
    offset = sentence.find(clause) if clause else -1
    if offset < 0:
        clause, offset = sentence, 0
    words = [(w.start() + offset, w.end() + offset) for w in _WORD.finditer(clause)]
    # the word holding the trigger's start
    ti = next((i for i, (a, b) in enumerate(words) if a <= m.start() < b or a >= m.start()), 0)
    lo = max(0, ti - WORDS_BEFORE)
    hi = min(len(words), lo + max_words)
    lo = max(0, min(lo, hi - max_words))
    toks = [sentence[a:b].strip(_STRIP) for a, b in words[lo:hi]]
    toks = [t for t in toks if t]
    while toks and toks[0].lower() in _EDGE:
        toks.pop(0)
    while toks and toks[-1].lower() in _EDGE:
        toks.pop()
    value = " ".join(toks)
    if len(value) < 3 or len(value) > spec.max_value_chars:
        return None
    return value


# A name: a word with a capital after its first letter or a digit ("A10G", "AMDCN", "ProtT5",
# "Qwen2.5-7B"), optionally led by an upper-case maker word ("NVIDIA A10G").
_NAME = re.compile(r"(?:[A-Z]{2,}\s)?(?=[A-Za-z0-9.-]*(?:[0-9]|[A-Za-z][A-Z]))"
                   r"[A-Za-z][A-Za-z0-9.+-]*[A-Za-z0-9+]")
_NAME_BEFORE = 24       # characters between a name and the field's word ("A10G GPU")


def name_values(sentence: str, spec: FieldSpec) -> list[str]:
    """Names outside the vocabulary next to one of the field's words: "an NVIDIA A10G GPU",
    "our AMDCN network", "GPU (A10G)". Each is a verbatim substring of the sentence."""
    rx = trigger_regex(spec)
    if rx is None:
        return []
    out: list[str] = []
    for t in rx.finditer(sentence):
        before = sentence[max(0, t.start() - _NAME_BEFORE):t.start()]
        after = sentence[t.end():t.end() + _NAME_BEFORE]
        cands = [m for m in _NAME.finditer(before) if m.end() >= len(before.rstrip()) - 1]
        m2 = re.match(r"\s?[(:]\s?", after)
        if m2:
            cands += [m for m in _NAME.finditer(after, m2.end()) if m.start() == m2.end()]
        for m in cands:
            name = m.group(0).strip(" -.")
            if len(name) >= 2 and name.lower() not in _EDGE and name not in out \
                    and not rx.fullmatch(name):
                out.append(name)
    return out
