"""Names listed beside a known value: "fine-tuned ESM2, ProtT5 and Ankh" names three models
when one of them is known.

Papers name their models (and datasets, metrics, hardware) in coordinated lists, and the
vocabulary knows only some of the members; a list's members are things of one kind, so the
known member vouches for the others. Fields opt in with the schema flag `list_siblings` (on
for model_architecture only: for the other name fields lists mix kinds, and F1 fell there;
BENCHMARKS.md, eighth round). A sibling must look like a name (a capital after its first
letter, a digit, or a capitalised word that does not open the sentence), be at most
MAX_TOKENS words, and be joined to the chain by a comma, "and", "or" or "&". The caller checks
what every value of the field must pass (statement filters, grounding, another field's known
value is never this field's).
"""
from __future__ import annotations

import re

MAX_TOKENS = 4

_TOKEN = re.compile(r"[A-Za-z0-9][\w.+'-]*[\w+]|[A-Za-z0-9]|[^\sA-Za-z0-9]")
_JOIN = frozenset(("and", "or", "&"))

# capitalised words that open clauses, point into the paper or name a general kind of thing
_STOP = frozenset("""a an the in on at for of to by with from as and or but we our this these
that those it its their table tab fig figs figure figures section sec eq eqs equation appendix
supplementary however moreover furthermore finally first second third then thus also while
when where which both all each other others several many some various respectively e.g i.e
etc et al using based see compared versus vs method methods approach approaches baseline
baselines data set sets gpu gpus cpu cpus tpu tpus test tests training validation january
february march april may june july august september october november december""".split())
# kind words after a name ("TITAN-X GPUs", "GFP tasks", "ESM2 models"): the name is the words
# before them, unless the kind word is capitalised as part of it ("Deep Neural Networks")
_HEADS = frozenset("gpu gpus cpu cpus tpu tpus cards card models model networks network "
                   "datasets dataset corpus corpora benchmark benchmarks tasks task".split())
# words that point into the paper: "Figure 3b, MLP 1" lists no "3b"
_POINTERS = frozenset("figure figures fig figs table tables tab section sec eq eqs equation "
                      "appendix step steps".split())
# words glued by a PDF ("andF1-score", "size0.10.20.3ScorePrecision") are no names
_GLUED = re.compile(r"^(?:and|or|the|of|in|with|for)[A-Z0-9]|.{21,}|[A-Z0-9]{11,}$")


def _name_like(tok: str, first_in_sentence: bool) -> bool:
    if tok.lower() in _STOP or not tok[:1].isalnum() or _GLUED.match(tok):
        return False
    if any(c.isdigit() for c in tok):
        return any(c.isalpha() for c in tok)      # "A10G", "ProtT5"; not "2020" or "3"
    if any(c.isupper() for c in tok[1:]):
        return True                                # "GraphSeq", "MNLI", "TITAN-X"
    return tok[:1].isupper() and not first_in_sentence and len(tok) > 2


def siblings(text: str, start: int, end: int, sentence: tuple[int, int]) -> list[tuple[int, int]]:
    """Spans of the names coordinated with the known value at text[start:end], within the
    sentence text[sentence[0]:sentence[1]]."""
    s0, s1 = sentence
    toks = [(m.start() + s0, m.end() + s0, m.group()) for m in _TOKEN.finditer(text[s0:s1])]
    inside = [i for i, (a, b, _) in enumerate(toks) if a >= start and b <= end]
    if not inside:
        return []
    n = len(toks)

    def name(i: int) -> bool:
        return 0 <= i < n and _name_like(toks[i][2], i == 0)

    def head(i: int) -> bool:
        return 0 <= i < n and toks[i][2].lower() in _HEADS and not toks[i][2].istitle()

    def pointer(i: int) -> bool:
        return 0 <= i < n and toks[i][2].lower().rstrip(".") in _POINTERS

    def word(i: int) -> str:
        return toks[i][2].lower() if 0 <= i < n else ""

    out: list[tuple[int, int]] = []
    j = inside[-1] + 1                              # walk right: ", X", " and X", ", and X"
    while head(j):
        j += 1
    while len(out) < 12:
        if word(j) == ",":
            j += 1 + (word(j + 1) in _JOIN)
        elif word(j) in _JOIN:
            j += 1
        else:
            break
        k = j
        while k - j < MAX_TOKENS and name(k):
            k += 1
        if k == j or name(k) or (k < n and toks[k][2][:1] in "-/") or pointer(j - 1):
            break                                   # no name, or a longer title-case phrase
        out.append((toks[j][0], toks[k - 1][1]))
        while head(k):
            k += 1
        j = k
    j = inside[0] - 1                               # walk left: "X, ", "X and "
    while len(out) < 24:
        if word(j) in _JOIN:
            j -= 1 + (word(j - 1) == ",")
        elif word(j) == ",":
            j -= 1
        else:
            break
        while head(j):
            j -= 1
        k = j
        while j - k < MAX_TOKENS and name(k):
            k -= 1
        if k == j or name(k) or (k >= 0 and toks[k][2][-1:] in "-/") or pointer(k):
            break
        out.append((toks[k + 1][0], toks[j][1]))
        j = k
    # a list of cited authors ("Smith, Jones and Lee et al.") is no list of names of things,
    # and a name with its own citation ("and FCN [19]") is someone else's
    return [sp for sp in out if not re.match(r"\s*(?:et\.?\s?al\b|\[\d)", text[sp[1]:sp[1] + 8])]
