"""Is a value grounded in its quote, and how?

A value is a short name or phrase; its quote is the sentence of the paper that states it. Values
are rarely copied letter for letter ("random horizontal flip" from "images were randomly flipped
horizontally"), so grounding is decided in steps, strictest first, and the step that succeeded is
stored with the value as its *grounding kind*:

  verbatim    the value occurs in the quote (case, white space, quotes and dashes folded);
  alias       a known spelling of the value (schema vocabulary: canonical value and aliases)
              occurs in the quote ("drone imagery" from "UAV");
  words       every content word of the value occurs in the quote, after case, number (plural),
              hyphen, British/American spelling and suffix folding ("ResNet-50" ~ "ResNet50",
              "augmented" ~ "augmentation");
  number      every number of the value occurs in the quote (1e-4 = 0.0001 = 10^-4), and at least
              half of its other content words do ("batch size = 32" from "mini-batches of 32");
  paraphrase  only for fields the schema marks `descriptive`: at least PARAPHRASE_MIN of the
              value's content words occur in the quote, and all of its numbers do.

An acronym stands for the words it abbreviates (kind "alias"): a value or known alias whose
words occur in the quote in order, except that an upper-case acronym on one side spells the
initials of a run of words on the other ("area under the ROC curve" states "area under the
receiver operating characteristic curve", an alias of "AUC-ROC"; "RNN" is stated by "recurrent
neural network").

In every kind a number in the value must be in the quote, so no step lets a number be invented.
"""
from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

import snowballstemmer

from extractor.ingest.normalize import normalize_for_match

KINDS = ("verbatim", "alias", "words", "number", "paraphrase")
PARAPHRASE_MIN = 0.6

_STOP = frozenset("""a an the of and or for to in on with by from at as is are was were be been
using used use via into than this that these those its their our we it per each all both only
also which who whose where when while such other based own new one two three""".split())
# Tokens like evaluate.tokens: letter runs and numbers, so "ResNet50" and "ResNet-50" agree.
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
# Scientific notation in its common spellings: 1e-4, 1 x 10-4, 1×10^-4, 10^-4, 10-4 after "x".
_SCI = re.compile(r"(?:(\d+(?:\.\d+)?)\s*(?:[x×*]\s*10\s*\^?\s*|e\s*)|\b10\s*\^\s*)([-+]?)\s*(\d{1,2})\b")
_NUM = re.compile(r"\d+(?:\.\d+)?")
# Counts papers spell out ("trained for ten epochs"), read as the numbers annotators write.
# Not "one": it is as often a pronoun ("one of the models") as a count.
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split()) if w not in ("zero", "one")}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
                     "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100"})
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)


def number_words_as_digits(text: str) -> str:
    """ "ten epochs" -> "10 epochs", "five-fold" -> "5-fold"."""
    return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)
_SPELLING = [(re.compile(p), r) for p, r in (
    (r"(?<=[a-z]{3})is(ation|er|ed|ing|es|e)\b", r"iz\1"), (r"(?<=[a-z]{2})yse\b", "yze"),
    (r"(?<=[a-z]{3})our\b", "or"), (r"(?<=[a-z]{2})tre\b", "ter"),
    # a step named as a noun grounds in its verb: "conversion" in "converted" (the stemmer
    # leaves "convers")
    (r"(?<=[a-z]{2})ersion\b", "ert"))]

# snowballstemmer objects keep state between calls: one per thread (verification runs in the
# --concurrency worker threads; a shared one raised IndexError now and then)
_local = threading.local()


def _stemmer():
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = _local.stemmer = snowballstemmer.stemmer("english")
    return st


def stem_word(word: str) -> str:
    """The Snowball English stem of one lower-case word (safe in any thread)."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    if token[0].isdigit():
        return token
    for rx, rep in _SPELLING:
        token = rx.sub(rep, token)
    return stem_word(token)


def content_tokens(text: str) -> list[str]:
    """Lower-cased letter runs and numbers of text, stop words dropped."""
    return [t for t in _TOKEN.findall(normalize_for_match(text)) if t not in _STOP]


def numbers(text: str) -> set[float]:
    """Every number of text as a float; scientific notation read as one number."""
    t = normalize_for_match(text).replace("\u2212", "-")
    out: set[float] = set()

    def sci(m: re.Match) -> str:
        base = float(m.group(1)) if m.group(1) else 1.0
        exp = int(m.group(3)) * (-1 if m.group(2) == "-" else 1)
        out.add(round(base * 10 ** exp, 12))
        return " "
    # "10-3" is often 10^-3 whose superscript the PDF lost: read it both ways
    for m in re.finditer(r"\b10\s*-\s*(\d{1,2})\b", t):
        out.add(round(10 ** -int(m.group(1)), 12))
    # a split ratio in tenths ("8:2", "7:1:2") is also read in percent ("80/20")
    for m in re.finditer(r"(?<![\d.:])(\d)\s?:\s?(\d)(?:\s?:\s?(\d))?(?![\d.:])", t):
        parts = [int(g) for g in m.groups() if g]
        if sum(parts) == 10:
            out.update(float(10 * p) for p in parts)
    t = _SCI.sub(sci, t)
    for n in _NUM.findall(number_words_as_digits(t)):
        out.add(round(float(n), 12))
    return out


def _numbers_in(value_nums: set[float], quote_nums: set[float]) -> bool:
    return all(any(math.isclose(v, q, rel_tol=1e-9) for q in quote_nums) for v in value_nums)


class _Quote:
    """A quote prepared once for the checks of several values."""

    def __init__(self, quote: str):
        self.folded = normalize_for_match(quote)
        toks = _TOKEN.findall(self.folded)
        self.token_line = f" {' '.join(toks)} "
        self.tokens = set(toks)
        # "pre-trained" also reads as "pretrained", "data set" as "dataset"
        joined = {a + b for a, b in zip(toks, toks[1:]) if a.isalpha() and b.isalpha()}
        self.stems = {_stem(t) for t in self.tokens | joined}
        self.nums = numbers(quote)
        self.implied: set[str] = set()     # stems of canonical values the quote names by alias
        self.acronyms = _acronyms(quote)
        self.words = toks

    def has_phrase(self, phrase: str) -> bool:
        f = normalize_for_match(phrase)
        if len(f) < 2:
            return False
        if re.search(r"(?<![a-z0-9])" + re.escape(f) + r"(?![a-z0-9])", self.folded):
            return True
        # the same tokens in the same order, whatever joins them ("Sentinel-2" ~ "Sentinel 2")
        toks = _TOKEN.findall(f)
        if toks and f" {' '.join(toks)} " in self.token_line:
            return True
        # a URL or DOI that the PDF broke across a line ("dryad. 7h2k") is still the same string
        return "/" in f and len(f) >= 12 and "".join(f.split()) in "".join(self.folded.split())

    def has_word(self, token: str) -> bool:
        if token[0].isdigit():
            return token in self.tokens
        if token + "s" in self.tokens or token + "es" in self.tokens:    # "CNN" ~ "CNNs"
            return True
        if len(token) > 3 and token.endswith("s") and token[:-1] in self.tokens:
            return True
        s = _stem(token)
        if s in self.stems:
            return True
        # "imagery" (stem imageri) and "images" (imag): one stem is the start of the other word
        return len(s) >= 4 and any(len(q) >= 4 and (q.startswith(s) or s.startswith(q))
                                   for q in self.stems)


    def has_expansion(self, phrase: str) -> bool:
        """The phrase's words in order in the quote, where an acronym of either side may stand
        for a run of words of the other whose initials it spells (module docstring)."""
        p_acr = _acronyms(phrase)
        if not (p_acr or self.acronyms):
            return False
        return _spelled(tuple(_TOKEN.findall(normalize_for_match(phrase))), p_acr,
                        tuple(self.words), self.acronyms)


_ACRONYM = re.compile(r"(?<![A-Za-z])([A-Z]{2,6})s?(?![A-Za-z])")


def _acronyms(text: str) -> frozenset[str]:
    """Upper-case words of 2-6 letters ("ROC", "CNNs"), lower-cased."""
    return frozenset(a.lower() for a in _ACRONYM.findall(text))


def _initials(run: tuple[str, ...]) -> set[str]:
    # "area under the curve" is AUC and AUTC: stop words may or may not give a letter
    if not all(t.isalpha() for t in run) or run[0] in _STOP or run[-1] in _STOP:
        return set()
    return {"".join(t[0] for t in run), "".join(t[0] for t in run if t not in _STOP)}


def _spelled(p: tuple[str, ...], p_acr: frozenset[str], q: tuple[str, ...],
             q_acr: frozenset[str]) -> bool:
    """Do the tokens p occur contiguously in q, an acronym token of one side standing for a run
    of 2-8 tokens of the other that it spells? At least one acronym must be used (else it is
    the plain phrase match)."""
    if not p:
        return False

    @lru_cache(maxsize=None)
    def match(i: int, j: int, used: bool) -> bool:
        if i == len(p):
            return used
        if j == len(q):
            return False
        if p[i] == q[j] and match(i + 1, j + 1, used):
            return True
        if q[j] in q_acr:
            for n in range(2, min(8, len(p) - i) + 1):
                if q[j] in _initials(p[i:i + n]) and match(i + n, j + 1, True):
                    return True
        if p[i] in p_acr:
            for n in range(2, min(8, len(q) - j) + 1):
                if p[i] in _initials(q[j:j + n]) and match(i + 1, j + n, True):
                    return True
        return False

    return any(match(0, j, False) for j in range(len(q)))


_QUALIFIED = re.compile(r"^(?P<head>[^()]*[^\s()])\s*\((?P<qual>[^()]+)\)\s*$")


def grounding_kind(value: str, quote: str, aliases: tuple[str, ...] = (),
                   descriptive: bool = False,
                   vocabulary: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The strictest kind (see module docstring) by which value is grounded in quote, or None.

    A value with a trailing qualifier in parentheses ("ImageNet (pretraining)", "TITAN Xp (3
    GPUs)") is grounded when its head is, and at least PARAPHRASE_MIN of the qualifier's words
    (all of its numbers) are in the quote too; a qualifier that is not fully there makes the
    kind "paraphrase".

    vocabulary (canonical -> aliases, the field's known values): a quote naming an alias also
    names its canonical value, so "Sentinel-2 satellite imagery" is grounded in "Sentinel-2
    scenes" (kind "alias").
    """
    q = _Quote(quote)
    if vocabulary:
        q.implied = {_stem(t) for canon, al in vocabulary.items()
                     if any(q.has_phrase(a) for a in (canon, *al))
                     for t in content_tokens(canon) if not t[0].isdigit()}
    whole = _kind(value, q, aliases, descriptive)
    m = _QUALIFIED.match(value.strip())
    if whole is not None or not m:
        return whole
    head = _kind(m["head"], q, aliases, descriptive)
    if head is not None and _is_acronym(m["qual"], m["head"]):
        return head         # "Feature Pyramid Network (FPN)"
    qual = _kind(m["qual"], q, (), True)
    if head is None or qual is None:
        return None
    return head if qual != "paraphrase" else "paraphrase"


def _is_acronym(short: str, long: str) -> bool:
    short = short.strip()
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", long)).lower()
    return 1 < len(short) <= 8 and " " not in short and short.lower().rstrip("s") in initials


def _kind(value: str, q: "_Quote", aliases: tuple[str, ...], descriptive: bool) -> str | None:
    value_nums = numbers(value)
    if value_nums and not _numbers_in(value_nums, q.nums):
        return None
    if q.has_phrase(value):
        return "verbatim"
    if any(q.has_phrase(a) for a in aliases if a.lower() != value.lower()):
        return "alias"
    words = [t for t in content_tokens(value) if not t[0].isdigit()]
    if not words:
        # only numbers (all present, checked above) or symbols ("C++", already tried verbatim)
        return "number" if value_nums else None
    hits = sum(q.has_word(t) for t in words)
    if hits == len(words):
        return "words"
    if any(q.has_expansion(a) for a in dict.fromkeys((value, *aliases))):
        return "alias"
    if value_nums and hits * 2 >= len(words):
        return "number"
    if q.implied:
        implied = sum(q.has_word(t) or _stem(t) in q.implied for t in words)
        if implied == len(words):
            return "alias"
        hits = implied
    if descriptive and hits >= 1 and hits >= PARAPHRASE_MIN * len(words):
        return "paraphrase"
    return None


STRICT_KINDS = ("verbatim", "alias", "words")


def grounded(value: str, quote: str, aliases: tuple[str, ...] = (),
             descriptive: bool = False, strict: bool = False) -> bool:
    """strict: only the kinds that leave no word of the value out (the rules backend picks
    between value templates with it, so a template never claims a word the quote lacks)."""
    kind = grounding_kind(value, quote, aliases, descriptive)
    if strict and kind == "number":     # "65/35": numbers only, so no word is left out
        return not any(not t[0].isdigit() for t in content_tokens(value))
    return kind in STRICT_KINDS if strict else kind is not None
