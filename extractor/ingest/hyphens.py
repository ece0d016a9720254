"""A hyphen at a line end: a word broken into syllables ("opti-|mizer") or a compound that keeps
its hyphen ("data-|driven")? No dictionary ships with methex, and the paper itself is the best
one for its own words: the document's vocabulary (every word and hyphenated compound outside
line-end breaks) decides.

Rule, for left part L and right part R (letters only):
  1. the paper writes the word elsewhere: the more frequent of "LR" and "L-R" wins;
  2. the word goes on hyphenated ("state-of-the-|art", "off-|the-shelf"): a compound;
  3. R opens with a capital ("non-|European"), or L is an acronym before a lower-case word
     ("CNN-|based"): a compound;
  4. L and R are both words of three or more letters that the paper uses on their own
     ("data", "driven"): a compound;
  5. otherwise a syllable break: the hyphen goes.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

HYPHENS = "-\u2010"
_BREAK = re.compile(rf"[A-Za-z][{HYPHENS}][ \t]*\r?\n[ \t]*[A-Za-z]")
# the break itself, found from the hyphen (a pattern opening with a letter run is slow to scan)
_BREAK_AT = re.compile(rf"[{HYPHENS}](?<=[A-Za-z].)[ \t]*\r?\n[ \t]*([A-Za-z]+)")
# every byte but ASCII letters and the hyphen becomes a space
_TOKENS = bytes(c if chr(c).isascii() and chr(c).isalpha() or c == ord("-") else 32
                for c in range(256))
_COMPOUND_PART_MIN = 3


class Vocabulary:
    """Word counts of one document (lower case), line-end breaks left out."""

    def __init__(self, text: str):
        if not unicodedata.is_normalized("NFKC", text):   # as normalize sees it: "ﬁ" -> "fi"
            text = unicodedata.normalize("NFKC", text)
        # bytes.translate + split tokenise at C speed (a regex findall was most of the cost);
        # non-ASCII characters end a word (the hyphen rule looks at ASCII letters only)
        ascii_text = text.lower().encode("ascii", "replace").translate(_TOKENS).decode("ascii")
        counts = Counter(ascii_text.split())
        for w, n in [(w, n) for w, n in counts.items() if "-" in w]:
            del counts[w]
            if w[-1] == "-":           # "opti-" before a line break: half of a broken word
                continue
            core = w.strip("-")
            counts[core] += n
            if len(parts := core.split("-")) > 1:
                for part in parts:     # a compound's parts are words too
                    counts[part] += n
        for m in _BREAK_AT.finditer(text):     # nor is the broken word's second half
            half = m.group(1).lower()
            if counts.get(half, 0) > 0:
                counts[half] -= 1
        self.counts = counts

    def keep_hyphen(self, left: str, right: str, compound: bool = False) -> bool:
        return keep_hyphen(left, right, self, compound)


def vocabulary(text: str) -> Vocabulary | None:
    """The document's vocabulary, or None when it has no line-end hyphen to decide."""
    return Vocabulary(text) if _BREAK.search(text) else None


def keep_hyphen(left: str, right: str, vocab: Vocabulary | None, compound: bool = False) -> bool:
    """True if "left-" at a line end and "right" on the next line are a hyphenated compound;
    ``compound``: the word goes on hyphenated before or after the break ("state-of-the-|art")."""
    if not left or not right:
        return True
    counts = vocab.counts if vocab is not None else {}
    joined = counts.get((left + right).lower(), 0)
    hyphenated = counts.get(f"{left}-{right}".lower(), 0)
    if joined or hyphenated:
        return hyphenated > joined
    if compound:
        return True
    if right[0].isupper() and not (left.isupper() and right.isupper()):
        return True
    if len(left) >= 2 and left.isupper() and right.islower():
        return True
    return (len(left) >= _COMPOUND_PART_MIN and len(right) >= _COMPOUND_PART_MIN
            and counts.get(left.lower(), 0) > 0 and counts.get(right.lower(), 0) > 0)
