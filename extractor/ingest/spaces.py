"""Text whose words run together: a PDF extractor that lost the space glyph.

Some extractors return "Deeplearningisusedhere,andthe..." for a whole paper: letters and
punctuation but no spaces, so no vocabulary word or pattern ever matches. A paragraph whose
tokens are far longer than words is cut back into words with wordninja (a word-frequency
segmenter, the standard for this), and a space is put back after punctuation. Paragraphs with
normal spacing are never touched.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

MEAN_TOKEN_MAX = 12     # longer mean tokens than this: the words run together
GLUED_SHARE = 0.5       # share of the text in run-together paragraphs for it to be re-spaced
MIN_CHARS = 40          # a short line (a formula, a URL) is left alone

_RUN = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]+)*")
# punctuation glued to the next word: ",the" ";we" ":(1)" ")are" ".Deep" (not "e.g." or "3.5")
_AFTER = re.compile(r"(?<=[,;:%)\]])(?=[A-Za-z(])|(?<=[A-Za-z)\]][.?!])(?=[A-Z][a-z])")
# a word glued to the bracket that follows it: "networks(CNNs)"
_BEFORE = re.compile(r"(?<=[a-z]{2})(?=\()")
# a number glued to the word after it ("8band", "100epochs"; not "3D", "2nd", "10cm") or
# before it ("achieved94")
_NUM_WORD = re.compile(r"(?<=\d)(?=(?!st\b|nd\b|rd\b|th\b)[a-z]{3,})|(?<=[a-z]{2})(?=\d)")
# an address keeps its letters as they are (split() with a group keeps it at odd places)
_ADDRESS_SPLIT = re.compile(r"((?:https?://|www\.)[^\s,;()\[\]<>\"\u201c\u201d]*|"
                            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_LONG_RUN = re.compile(r"[A-Za-z]{20,}")


_ACRONYM = re.compile(r"[A-Z]+s?")
# a one-word name of three letters or more
_NAME = re.compile(r"[A-Za-z]{3,}")


def runs_together(paragraph: str) -> bool:
    tokens = paragraph.split()
    if len(paragraph) < MIN_CHARS or not tokens or len(paragraph) / len(tokens) <= MEAN_TOKEN_MAX:
        return False
    # long tokens of letters, not of digits or addresses
    letters = sum(c.isalpha() for c in paragraph)
    return sum(len(r) for r in _LONG_RUN.findall(paragraph)) > 0.3 * letters


# a method's names read as one word, not as the English words inside them ("Keras", not
# "Ker as"; "TensorFlow", not "Tensor Flow"): each costs what a common word costs
NAME_RANK = 2000


@lru_cache(maxsize=1)
def _model():
    """wordninja's English model, with the words of the default schema's vocabularies
    ("ResNet", "GeForce", "sigmoid") added as common words."""
    import wordninja

    from extractor.schemas.catalog import load_schema

    base = wordninja.DEFAULT_LANGUAGE_MODEL
    model = object.__new__(wordninja.LanguageModel)
    model._wordcost = dict(base._wordcost)
    cost = math.log(NAME_RANK * math.log(len(base._wordcost)))
    for f in load_schema().fields:
        for canon, aliases in f.vocabulary.items():
            for name in (canon, *aliases):
                for part in re.split(r"[\s-]+", name):
                    if _NAME.fullmatch(part):
                        key = part.lower()
                        model._wordcost[key] = min(model._wordcost.get(key, cost), cost)
    model._maxword = max(len(w) for w in model._wordcost)
    return model


def _words(run: str) -> str:
    split = _model().split

    # a word hyphenated across a lost line end ("algo-rithms") is one word when that reads as
    # fewer words than its parts; a compound ("eight-band", "end-to-end") keeps its hyphens
    parts = run.split("-")
    # an acronym, perhaps plural, is one word ("OA", "CNNs"), not letters
    pieces = [[p] if _ACRONYM.fullmatch(p) else split(p) for p in parts]
    out: list[str] = []
    i = 0
    while i < len(parts):
        j = i + 1
        while j < len(parts):
            joined = split("".join(parts[i:j + 1]))
            if len(joined) < sum(len(p) for p in pieces[i:j + 1]):
                j += 1
                continue
            break
        out.append(" ".join(split("".join(parts[i:j])) if j > i + 1 else pieces[i]))
        i = j
    return "-".join(out)


def restore_spaces(text: str) -> str:
    """The text with the words of its run-together paragraphs parted, when most of it runs
    together; otherwise the text unchanged."""
    paragraphs = text.split("\n\n")
    glued = [runs_together(p) for p in paragraphs]
    # the extractor lost the spaces of the whole text (page), not a header or a figure's labels
    # ("EcologicalInformatics64(2021)", "EpochsAccuracy"), which stay as they are
    if sum(len(p) for p, g in zip(paragraphs, glued) if g) <= GLUED_SHARE * len(text):
        return text
    for k, para in enumerate(paragraphs):
        if not glued[k]:
            continue
        paragraphs[k] = "".join(
            piece if n % 2 else _RUN.sub(lambda m: _words(m.group(0)), _NUM_WORD.sub(
                " ", _BEFORE.sub(" ", _AFTER.sub(" ", piece))))
            for n, piece in enumerate(_ADDRESS_SPLIT.split(para)))
    return "\n\n".join(paragraphs)
