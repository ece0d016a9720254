"""The one sentence splitter: where a sentence (or, with ``clauses=True``, a clause) ends.

``sentence_spans(text)`` returns ``(start, end)`` offsets into ``text``, trimmed of white space,
in order and not overlapping; ``text[start:end]`` is the sentence. It serves ingestion's chunker
(which labels long paragraphs sentence by sentence), the rules and learned backends (hits,
sentence context and quotes, over their offset-mapped normal form) and the LLM sentence picker.

A sentence ends
  * after ".", "!" or "?" (and ";" with ``clauses=True``: a quote then stays one clause of a long
    enumeration) followed by white space and a character that can open a sentence (a capital,
    a digit, an opening bracket or quote), unless the "." ends
      - an abbreviation ("e.g.", "i.e.", "et al.", "Fig.", "Eq.", "vs.", "approx.", ... below),
      - a single letter (an initial: "J. Smith", "A. thaliana"), but not a lower-case unit
        after a number ("beyond 50 m. Latency ..."), or
      - a URL or DOI cut after a dot by a line break ("doi.org/10.5061/dryad. 7h44j",
        urlcut.url_continues);
  * at a paragraph break (a blank line in ``text``) and at any offset listed in ``breaks``,
    unless the sentence runs on across it: a page or column break inside a sentence leaves a
    paragraph of prose (8+ words) ending in a lower-case word or a comma, and a next paragraph
    that starts with a lower-case word and ends the sentence (table cells do neither);
  * at the end of the text.
A "." inside a token ("0.001", "3.5", "www.example.org", "e.g.,") is never an end: an end needs
white space after it. Text with no end is one sentence.

It is a few regular expressions, not spaCy's sentencizer: spaCy does not cut at ";" and ends a
sentence after "Fig." or "et al." before a lower-case word, and loading it costs a second.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from extractor.ingest.urlcut import url_continues

_END = re.compile(r"[.!?]\s+(?=[A-Z0-9(\[\"\u201c])")
_CLAUSE_END = re.compile(r"[.!?;]\s+(?=[A-Z0-9(\[\"\u201c])")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_LAST_WORD = re.compile(r"[A-Za-z.]+$")
_PROSE_WORDS = 8      # a paragraph this long is prose, not a table cell or a heading
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_AFTER_NUMBER = re.compile(r"\d\s?$")
# Words a "." follows without ending the sentence (lower case, inner dots kept: "e.g").
ABBREVIATIONS = frozenset("al e.g i.e fig figs eq eqs vs approx ca no ref refs sect sec tab cf "
                          "resp et mr dr st ver vol pp".split())


def _abbreviation(text: str, dot: int) -> bool:
    """True if the "." at ``text[dot]`` ends an abbreviation or an initial."""
    w = _LAST_WORD.search(text, max(0, dot - 12), dot)
    word = w.group().lower().strip(".") if w else ""
    if len(word) == 1 and word.isalpha() and w.group().islower() \
            and _AFTER_NUMBER.search(text, max(0, w.start() - 2), w.start()):
        return False        # a unit after a number ends the sentence: "beyond 50 m. Latency ..."
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _runs_on(text: str, a: int, b: int, prev: int, nxt: int) -> bool:
    """Does the sentence run on across the paragraph break text[a:b]? A page or column break
    inside a sentence ("... for training the" / "network, we used ... images.") leaves a
    lower-case word or a comma before it, at the end of a paragraph of prose, and a lower-case
    word after it that starts the sentence's end (table cells are short or end no sentence).
    ``prev``/``nxt``: where the paragraph before the break starts and the one after it ends."""
    i = a
    while i > 0 and text[i - 1].isspace():
        i -= 1
    j = b
    while j < len(text) and text[j].isspace():
        j += 1
    return (i > 0 and j < len(text) and (text[i - 1].islower() or text[i - 1] == ",")
            and text[j].islower() and len(text[prev:i].split()) >= _PROSE_WORDS
            and _SENTENCE_END.search(text, j, nxt) is not None)


def sentence_spans(text: str, clauses: bool = False, breaks: Iterable[int] = (),
                   lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[lo:hi]`` as offsets into ``text`` (see the module doc);
    ``breaks``: further offsets where a sentence always ends (paragraph breaks folded away)."""
    hi = len(text) if hi is None else hi
    cuts = [lo]
    for m in (_CLAUSE_END if clauses else _END).finditer(text, lo, hi):
        p = m.start()
        if text[p] == ".":
            if _abbreviation(text, p):
                continue
            if url_continues(text[cuts[-1]:p + 1], text[m.end():min(hi, m.end() + 80)]):
                continue    # "doi.org/10.5061/dryad. 7h44j": a URL cut by a line break
        cuts.append(p + 1)
    paragraphs = sorted([(m.start(), m.end()) for m in _PARAGRAPH.finditer(text, lo, hi)]
                        + [(b, b) for b in breaks if lo < b < hi])
    prev = lo
    for k, (a, b) in enumerate(paragraphs):
        nxt = paragraphs[k + 1][0] if k + 1 < len(paragraphs) else hi
        if not _runs_on(text, a, b, prev, nxt):
            cuts.append(a)
        prev = b
    cuts = sorted(set(cuts)) + [hi]
    out = []
    for a, b in zip(cuts, cuts[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out
