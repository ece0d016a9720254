"""Text normalisation that keeps a map back to the original string.

Stored form (``normalize``), the text every database offset points into:
  * Unicode NFKC, which also expands the Latin ligatures U+FB00-FB06 (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ);
  * soft hyphens, zero-width characters and control characters removed;
  * a word hyphenated across a line end is joined (letter, hyphen, line break, letter, so
    "Sentinel-\\n2" keeps its dash): "classi-\\nfication" -> "classification", while a compound
    keeps its hyphen: "data-\\ndriven" -> "data-driven" (hyphens.py decides, from the document's
    own vocabulary when the caller passes it);
  * a blank line (two or more line breaks, with any white space around them) becomes exactly
    "\\n\\n": a paragraph break, which chunking uses as a preferred boundary;
  * every other run of white space (including single line breaks) becomes one space;
  * leading and trailing white space is dropped.

Match form (``normalize_for_match``), used to compare a quote with the stored text:
the same, plus case folding, paragraph breaks folded to a space, typographic quotes and dashes
folded to ASCII, and a hyphen followed by white space between lowercase letters joined (so a quote
copied from the raw PDF text still matches).

Both have a ``*_with_map`` variant returning ``(text, omap)`` where ``omap[i]`` is the index in the
input of output character ``i``; ``omap`` has one extra final entry, ``len(input)``, so an output
span ``[s, e)`` maps to the input span ``[omap[s], omap[e])``.

Folded view (``normalize_folded``), what the rules and learned backends match on: the stored form
with each paragraph break folded to one space (its offset kept in ``breaks``: a sentence always
ends there), as a ``MappedText`` whose ``span`` maps a span back to the input's characters, so a
quote cut from it is an exact substring of the input.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from extractor.ingest.hyphens import HYPHENS as _HYPHENS
from extractor.ingest.hyphens import Vocabulary, keep_hyphen

LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
             "\ufb05": "st", "\ufb06": "st"}

# Quote and dash folding for matching only (the stored text keeps the paper's characters).
_MATCH_CHARS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
}

# Characters dropped outright: soft hyphen, zero-width space/joiners, BOM, bidi embeddings,
# overrides and isolates (U+202A-202E, U+2066-2069: invisible, and able to make a quote read
# differently from the stored text), C0 controls other than tab/newline/vertical tab/form
# feed/carriage return (those are white space), DEL.
_DROP = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e" \
    "\u2066\u2067\u2068\u2069" + "".join(
        chr(c) for c in range(0x20) if chr(c) not in "\t\n\x0b\x0c\r") + "\x7f"
# An ANSI escape sequence goes whole: dropping only its ESC would leave "[31m" in the text.
# CSI ("ESC [ params final"), OSC ("ESC ] ... BEL or ESC \\") and two-character escapes.
_ANSI = r"\x1b(?:\[[0-9:;<=>?]*[ -/]*[@-~]|\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)?|[@-Z\\-_])"

# A non-ASCII character together with any combining marks after it (and the base character in
# front of a leading combining mark), so NFKC can compose it; ASCII runs are never touched.
_NON_ASCII = re.compile(r".?[^\x00-\x7f]+", re.S)

# Every branch starts with a character class, so the regex engine can skip plain text quickly.
_STORE_RULES = re.compile(
    # 1. word hyphenated at a line end: drop the hyphen and the line break
    rf"(?P<hy>[{_HYPHENS}](?<=[A-Za-z].)[ \t]*\r?\n[ \t]*(?=[A-Za-z]))"
    # 2. a run of white space that is not already a single space (a run holding two or more line
    #    breaks is a paragraph break; see _apply_rules)
    r"|(?P<ws>\s{2,}|[^\S ])"
)
_MATCH_RULES = re.compile(
    # hyphen followed by any white space between lowercase letters: "classi- fication"
    rf"(?P<hy>[{_HYPHENS}](?<=[a-z].)\s+(?=[a-z]))"
    r"|(?P<ws>\s{2,}|[^\S ])"
)
_DROP_RE = re.compile(rf"(?:{_ANSI}|[{re.escape(_DROP)}])+")
# One literal pattern per hyphen character: a literal first character is far faster to scan for.
_HYPHEN_BREAKS = [(h, re.compile(rf"{h}(?<=[A-Za-z]{h})[ \t]*\r?\n[ \t]*(?=[A-Za-z])"))
                  for h in _HYPHENS]
_BLANK_LINE = re.compile(r"\n\s*\n")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _map_non_ascii(s: str, casefold: bool) -> tuple[str, list[int]]:
    """NFKC (and optionally casefold + quote/dash folding) on non-ASCII clusters only."""
    out: list[str] = []
    omap: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(s):
        a, b = m.span()
        cluster = m.group()
        if a < b and cluster[0] < "\x80" and not unicodedata.combining(cluster[1]):
            # The optional leading char is a plain ASCII char that is not a combining base:
            # keep it outside the cluster.
            a += 1
            cluster = cluster[1:]
        if pos < a:
            out.append(s[pos:a])
            omap.extend(range(pos, a))
        rep = unicodedata.normalize("NFKC", cluster)
        if casefold:
            rep = "".join(_MATCH_CHARS.get(c, c) for c in rep).casefold()
        out.append(rep)
        if len(rep) == len(cluster):
            omap.extend(range(a, b))
        else:
            # Expansion or contraction (e.g. a ligature): every output char maps to the cluster.
            omap.extend([a] * len(rep))
        pos = b
    if pos == 0:
        return s, list(range(len(s)))
    out.append(s[pos:])
    omap.extend(range(pos, len(s)))
    return "".join(out), omap


_LETTERS_AFTER = re.compile(rf"\s*([A-Za-z]+)([{_HYPHENS}](?=[A-Za-z]))?")


def _hyphen_rep(s: str, a: int, vocab: Vocabulary | None) -> str:
    """What a hyphen at s[a] before a line break becomes: itself when hyphens.keep_hyphen says
    its word is a compound ("data-|driven", and, without the paper's word for it, a word that
    goes on hyphenated on either side: "state-of-the-|art", "off-|the-shelf"), else nothing
    ("classi-|fication", "con-|nected-component" when the paper writes "connected")."""
    i, compound = a, False
    while i > 0 and a - i < 40 and (s[i - 1].isalnum() or s[i - 1] in _HYPHENS):
        if s[i - 1] in _HYPHENS:
            compound = True
            break
        i -= 1
    m = _LETTERS_AFTER.match(s, a + 1)
    compound = compound or bool(m and m.group(2))
    return s[a] if keep_hyphen(s[i:a], m.group(1) if m else "", vocab, compound) else ""


def _apply_rules(s: str, rules: re.Pattern, para: str,
                 vocab: Vocabulary | None = None) -> tuple[str, list[int]]:
    out: list[str] = []
    omap: list[int] = []
    pos = 0
    for m in rules.finditer(s):
        a, b = m.span()
        if pos < a:
            out.append(s[pos:a])
            omap.extend(range(pos, a))
        if m.lastgroup == "ws":
            rep = para if b - a > 1 and m.group().count("\n") >= 2 else " "
        elif m.lastgroup == "hy":
            rep = _hyphen_rep(s, a, vocab)
        else:
            rep = ""
        out.append(rep)
        omap.extend([a] * len(rep))
        pos = b
    out.append(s[pos:])
    omap.extend(range(pos, len(s)))
    return "".join(out), omap


def _strip(s: str, omap: list[int]) -> tuple[str, list[int]]:
    lead = len(s) - len(s.lstrip())
    trail = len(s) - len(s.rstrip())
    if lead or trail:
        s = s[lead:len(s) - trail]
        omap = omap[lead:len(omap) - trail]
    return s, omap


def _normalize(s: str, *, match: bool, vocab: Vocabulary | None = None) -> tuple[str, list[int]]:
    t0, m0 = _apply_rules(s, _DROP_RE, "")
    t1, m1 = _map_non_ascii(t0, casefold=match)
    if match:
        t1 = t1.translate(_ASCII_LOWER)
    t2, m2 = _apply_rules(t1, _MATCH_RULES if match else _STORE_RULES, " " if match else "\n\n",
                          vocab)
    t2, m2 = _strip(t2, m2)
    omap = [m0[m1[i]] for i in m2]
    omap.append(len(s))
    return t2, omap


def normalize_with_map(s: str, vocab: Vocabulary | None = None) -> tuple[str, list[int]]:
    """Stored form of ``s`` and the map from its indices to indices in ``s``; ``vocab``: the
    document's words, which decide line-end hyphens (hyphens.vocabulary)."""
    return _normalize(s, match=False, vocab=vocab)


def normalize(s: str, vocab: Vocabulary | None = None) -> str:
    """Stored form of ``s``; same result as ``normalize_with_map(s, vocab)[0]``, built with string
    methods instead of a per-match map, because ingestion needs only the text and must be fast."""
    if any(c in s for c in _DROP):          # a substring test per character is a fast memchr
        s = _DROP_RE.sub("", s)
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    if "\n" in s:
        for h, pat in _HYPHEN_BREAKS:
            if h in s:
                s = pat.sub(lambda m: _hyphen_rep(m.string, m.start(), vocab), s)
    paras = (" ".join(p.split()) for p in _BLANK_LINE.split(s)) if "\n" in s else [" ".join(s.split())]
    return "\n\n".join(p for p in paras if p)


def normalize_for_match_with_map(s: str) -> tuple[str, list[int]]:
    """Match form of ``s`` (see module doc) and the map from its indices to indices in ``s``."""
    return _normalize(s, match=True)


def normalize_for_match(s: str) -> str:
    """Casefolded, ligature-free, white-space-folded, hyphen-joined form for quote matching."""
    return _normalize(s, match=True)[0]


@dataclass
class MappedText:
    """Normalised text and the map from its characters back to the text it came from."""
    text: str           # normalised text that matching runs on
    idx: list[int]      # idx[i] = index in the original text of normalised char i
    breaks: set[int]    # normalised offsets where the original had a paragraph break
    ends: list[int] | None = None   # ends[i] = original end of normalised char i

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original [start, end) of normalised [a, b)."""
        return self.idx[a], (self.ends[b - 1] if self.ends else self.idx[b - 1] + 1)


def normalize_folded(text: str) -> MappedText:
    """Folded view of ``text`` (see the module doc)."""
    s, omap = normalize_with_map(text)
    # end of each stored char: where the next one starts (a ligature's two letters share one
    # original character, so the first ends after it too)
    ends = [omap[k + 1] if omap[k + 1] > omap[k] else omap[k] + 1 for k in range(len(s))]
    if "\n\n" not in s:
        return MappedText(s, omap[:len(s)], set(), ends)
    out: list[str] = []
    idx: list[int] = []
    oends: list[int] = []
    breaks: set[int] = set()
    pos = 0
    for para in s.split("\n\n"):
        if out:
            breaks.add(len(idx))
            out.append(" ")
            idx.append(omap[pos - 2])
            oends.append(omap[pos - 2] + 1)
        out.append(para)
        idx.extend(omap[pos:pos + len(para)])
        oends.extend(ends[pos:pos + len(para)])
        pos += len(para) + 2
    return MappedText("".join(out), idx, breaks, oends)
