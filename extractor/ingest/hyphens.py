"""A hyphen at a line end: a word broken into syllables ("opti-|mizer") or a compound that keeps
its hyphen ("data-|driven")? No dictionary ships with methex, and the paper itself is the best
one for its own words: the document's vocabulary (every word and hyphenated compound outside
line-end breaks) decides.

Rule, for left part L and right part R (letters only):
  1. the paper writes the word elsewhere: the more frequent of "LR" and "L-R" wins;
  2. R opens with a capital ("non-|European"), or L is an acronym before a lower-case word
     ("CNN-|based"): a compound;
  3. L and R are both words of three or more letters that the paper uses on their own
     ("data", "driven"): a compound;
  4. otherwise a syllable break: the hyphen goes.
"""
from __future__ import annotations

import re
from collections import Counter

HYPHENS = "-\u2010"
_BREAK = re.compile(rf"[A-Za-z][{HYPHENS}][ \t]*\r?\n[ \t]*[A-Za-z]")
_BROKEN_WORD = re.compile(rf"[A-Za-z]+[{HYPHENS}][ \t]*\r?\n[ \t]*[A-Za-z]+")
_WORD = re.compile(rf"[A-Za-z]+(?:[{HYPHENS}][A-Za-z]+)*")
_PARTS = re.compile(rf"[{HYPHENS}]")
_COMPOUND_PART_MIN = 3


class Vocabulary:
    """Word counts of one document (lower case), line-end breaks left out."""

    def __init__(self, text: str):
        counts = Counter(_WORD.findall(_BROKEN_WORD.sub(" ", text).lower()))
        for w, n in [(w, n) for w, n in counts.items() if "-" in w or "\u2010" in w]:
            for part in _PARTS.split(w):       # a compound's parts are words too
                counts[part] += n
        self.counts = counts

    def keep_hyphen(self, left: str, right: str) -> bool:
        return keep_hyphen(left, right, self)


def vocabulary(text: str) -> Vocabulary | None:
    """The document's vocabulary, or None when it has no line-end hyphen to decide."""
    return Vocabulary(text) if _BREAK.search(text) else None


def keep_hyphen(left: str, right: str, vocab: Vocabulary | None) -> bool:
    """True if "left-" at a line end and "right" on the next line are a hyphenated compound."""
    if not left or not right:
        return True
    counts = vocab.counts if vocab is not None else {}
    joined = counts.get((left + right).lower(), 0)
    hyphenated = counts.get(f"{left}-{right}".lower(), 0)
    if joined or hyphenated:
        return hyphenated > joined
    if right[0].isupper() and not (left.isupper() and right.isupper()):
        return True
    if len(left) >= 2 and left.isupper() and right.islower():
        return True
    return (len(left) >= _COMPOUND_PART_MIN and len(right) >= _COMPOUND_PART_MIN
            and counts.get(left.lower(), 0) > 0 and counts.get(right.lower(), 0) > 0)
