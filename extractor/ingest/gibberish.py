"""Text that has letters but no words: fonts whose codes map to shifted characters.

A PDF font can map its glyphs to the wrong code points, often a constant distance away
("%DW1HW $ 5REXVW 'HHS" for "BatNet A Robust Deep", every code 29 below). Such text passes a
letter count but holds no words. The test is the share of word tokens that are common function
words (several languages, so a German or Spanish paper is not mistaken for gibberish); a page
below the threshold is tried with every constant shift, and a shift that yields words is applied.
"""
from __future__ import annotations

import re

_COMMON = frozenset((
    # English
    "the of and in to a is for with on that by we are as from this be was were an at or which "
    "it not can our these using used each data model has have than its also between two all "
    "more after been into most only other such their then there they when where while both "
    "but one per training images species network results based"
    # German, French, Spanish, Portuguese, Italian
    " der die das und ist mit von den zu für auf im nicht eine ein des dem sich auch "
    " le la les et des du est une un pour dans que sur par au aux avec ce sont "
    " el los las y en del que por con para una se es al como "
    " o os as e do da em com um uma não "
    " il di che è per gli della con nel").split())
_WORD = re.compile(r"[^\W\d_]{1,12}")
MIN_WORDS = 40            # too few words to judge: never gibberish
COMMON_MIN_SHARE = 0.08   # real prose: 30-50 % function words; shifted text: about 0
SAMPLE = 20_000
DECODED_MIN_SHARE = 0.2   # a shift is accepted only if it yields this many function words
MAX_MEAN_TOKEN = 12     # longer mean tokens: text without spaces ("Deeplearning,")


def common_word_share(text: str) -> tuple[float, int]:
    """Share of word tokens that are common function words, and the number of word tokens."""
    words = _WORD.findall(text[:SAMPLE].lower())    # one lower() for the sample, not per word
    if not words:
        return 0.0, 0
    hits = sum(1 for w in words if w in _COMMON)
    return hits / len(words), len(words)


def is_gibberish(text: str) -> bool:
    sample = text[:SAMPLE]
    tokens = sample.split()
    if not tokens or len(sample) / len(tokens) > MAX_MEAN_TOKEN:
        return False      # words run together (a lost space glyph): real letters, not judged here
    share, n = common_word_share(text)
    return n >= MIN_WORDS and share < COMMON_MIN_SHARE


def _shifted(text: str, k: int) -> str:
    # white space stays (fonts keep the space glyph); other characters move by k
    out = []
    for c in text:
        if c.isspace():
            out.append(c)
        else:
            o = ord(c) + k
            out.append(chr(o) if 0x20 < o < 0x110000 and not 0xD800 <= o < 0xE000 else c)
    return "".join(out)


def find_shift(text: str) -> int | None:
    """The constant code shift that turns ``text`` into prose, if one does; else None."""
    sample = " ".join(text[:4000].split())
    best, best_share = None, DECODED_MIN_SHARE
    for k in range(-96, 97):
        if k == 0:
            continue
        decoded = _shifted(sample, k)
        share, n = common_word_share(decoded)
        letters = sum(c.isalpha() for c in decoded) / max(1, len(decoded.replace(" ", "")))
        # a decoding must read like prose: many function words, mostly letters
        if n >= MIN_WORDS and share > DECODED_MIN_SHARE and letters >= 0.7:
            # the same words in capitals are one shift away: prefer mostly lower case
            lower = sum(c.islower() for c in decoded) / max(1, sum(c.isalpha() for c in decoded))
            if share + 0.1 * lower > best_share:
                best, best_share = k, share + 0.1 * lower
    return best


def decode_shift(text: str, k: int) -> str:
    return _shifted(text, k)
