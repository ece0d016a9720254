"""Hyperparameter tables laid out column by column, as PDF text extraction gives them.

A two-column table "Hyperparameter | Value" comes out of the PDF as one paragraph of row names
followed by one paragraph of their values:

    Optimizer Learning rate Batch size Epochs Dropout rate

    SGD 0.01 16 50 0.2

A paragraph made only of known setting names (at least two of them numeric settings), followed
by a paragraph whose stand-alone numbers (outside parentheses) are exactly as many as the numeric
names, is read row by row: the k-th number belongs to the k-th numeric name. Anything that does not
line up (more or fewer numbers, an epoch count that is not an integer, a learning rate of 5) drops
the whole table: a misaligned table would give wrong pairs, and a wrong value is worse than none.
The quote runs from the name to its value, so it holds both (at most MAX_QUOTE_CHARS).

PDF text also gives each cell a paragraph of its own ("Learning rate", "Batch size",
"Subdivisions", then "0.001", "16", "64"). A run of such name paragraphs, started by a known
name, may hold other short capitalised headers (a setting we have no name for, labelled by its
own words), and the run of number-only paragraphs after it is read the same way: as many numbers
as numeric names, or nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# name regex -> (value label, kind); kind says what a plausible value looks like
_NUMERIC = [
    (r"(?:initial\s|base\s)?learning\s?rate|lr", "learning rate", "rate"),
    (r"(?:minimum|min\.?)\slearning\s?rate", "minimum learning rate", "rate"),
    (r"(?:maximum|max\.?)\slearning\s?rate", "maximum learning rate", "rate"),
    (r"(?:mini[\s-]?)?batch[\s-]?size", "batch size", "int"),
    (r"(?:number\sof\s|no\.\sof\s|max(?:imum)?\s|training\s)?epochs?", "epochs", "int"),
    (r"(?:number\sof\s|training\s)?iterations", "iterations", "int"),
    (r"momentum", "momentum", "frac"),
    (r"weight[\s-]decay", "weight decay", "rate"),
    (r"dropout(?:\s(?:rate|ratio|probability))?", "dropout rate", "frac"),
    (r"patience", "patience", "int"),
    (r"(?:input|image)\s(?:size|resolution)", "input size", "size"),
]
# names that may sit in the same column but have no numeric value
_OTHER = (r"optimi[sz]er|optimi[sz]ation\s(?:algorithm|method)|loss(?:\sfunction)?|"
          r"activation(?:\sfunction)?|(?:learning\s?rate\s)?scheduler|lr\sschedule|"
          r"(?:pre-?trained\s)?weights|backbone|framework|kernel(?:\sinitiali[sz]er)?")

_NAME = re.compile("|".join(f"(?P<n{i}>{rx})" for i, (rx, _, _) in enumerate(_NUMERIC))
                   + f"|(?P<other>{_OTHER})", re.I)
_SEP = re.compile(r"[\s,;:]*")
_NUMBER = re.compile(
    r"(?<![\w.\-/])(\d+(?:\.\d+)?(?:\s?[x×]\s?10\s?[-−–]\s?\d+|\s?e\s?[-−–]\s?\d+)?"
    r"(?:\s?[×x]\s?\d+)?%?)(?![\w.]\w|[\-/]\d)")
_PARA = re.compile(r"\n\s*\n")
# a header cell of one to three capitalised words ("Subdivisions", "Anchor scales")
_HEADER = re.compile(r"\s*((?-i:[A-Z])[a-z]+(?:[\s-][a-z]+){0,2})\s*")


@dataclass
class TableHit:
    value: str          # "learning rate = 0.003"
    start: int          # passage offsets of the quote
    end: int


def _names(par: str, base: int) -> list[tuple[str | None, str | None, int, int]] | None:
    """(label, kind, start, end) per name if the paragraph is only names, else None."""
    out, pos = [], 0
    pos = _SEP.match(par, pos).end()
    while pos < len(par):
        m = _NAME.match(par, pos)
        if not m or (m.end() < len(par) and par[m.end()].isalnum()):
            return None
        label = kind = None
        for i, (_, lab, k) in enumerate(_NUMERIC):
            if m.group(f"n{i}") is not None:
                label, kind = lab, k
        out.append((label, kind, base + m.start(), base + m.end()))
        pos = _SEP.match(par, m.end()).end()
    return out


def _outside_parens(par: str) -> list[re.Match]:
    depth, spans = 0, []
    for i, ch in enumerate(par):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        spans.append(depth)
    return [m for m in _NUMBER.finditer(par) if spans[m.start()] == 0]


def _plausible(kind: str, v: str) -> bool:
    s = v.replace(" ", "")
    if kind == "any":
        return not re.search(r"[x×]", s)
    if kind == "size":
        return bool(re.fullmatch(r"\d{2,4}[x×]\d{2,4}|\d{2,4}", s))
    if re.search(r"[x×](?!10[-−–])", s):
        return False        # "64 × 64" is a size, not a rate or a count
    if kind == "int":
        return s.isdigit()
    try:
        f = float(re.sub(r"[x×]10[-−–]", "e-", s).replace("−", "-").replace("–", "-").rstrip("%"))
    except ValueError:
        return False
    if kind == "frac":
        return 0 < f < 1 or (s.endswith("%") and f < 100)
    return 0 < f < 1      # a rate or decay


def _header_cell(par: str, base: int) -> tuple[str, str, int, int] | None:
    """A short capitalised header without digits ("Subdivisions"): a setting of its own name."""
    m = _HEADER.fullmatch(par)
    if not m:
        return None
    return (" ".join(m.group(1).lower().split()), "any", base + m.start(1), base + m.end(1))


def _numbers_only(par: str) -> list[re.Match] | None:
    """The numbers of a paragraph made of nothing else ("16"), else None."""
    nums = list(_NUMBER.finditer(par))
    rest = _NUMBER.sub("", par)
    return nums if nums and not rest.strip() else None


def _pair(names, nums, base_of, max_quote: int) -> list[TableHit]:
    """The k-th number to the k-th numeric name, if they line up and every value is plausible;
    base_of(m) is the text offset of the paragraph a number was found in."""
    numeric = [n for n in names if n[0]]
    if len([n for n in numeric if n[1] != "any"]) < 2 or len(nums) != len(numeric):
        return []
    pairs = [(n, base_of(m) + m.end(), m.group(1)) for n, m in zip(numeric, nums)]
    if not all(_plausible(n[1], v) for n, _, v in pairs):
        return []
    return [TableHit(f"{label} = {' '.join(v.split())}", ns, ve)
            for (label, _, ns, _), ve, v in pairs if ve - ns <= max_quote]


def table_hits(text: str, max_quote: int) -> list[TableHit]:
    """Name = value pairs from column-wise hyperparameter tables in ``text``."""
    paras = []
    pos = 0
    for m in _PARA.finditer(text):
        paras.append((pos, m.start()))
        pos = m.end()
    paras.append((pos, len(text)))
    out: list[TableHit] = []
    i = 0
    while i < len(paras) - 1:
        a, b = paras[i]
        names = _names(text[a:b], a)
        if not names:
            i += 1
            continue
        # names paragraph, then its values paragraph
        c, d = paras[i + 1]
        hits = _pair(names, _outside_parens(text[c:d]), lambda m, c=c: c, max_quote)
        if not hits:
            # one cell per paragraph: a run of names (and headers), then a run of numbers
            j = i + 1
            while j < len(paras):
                more = _names(text[slice(*paras[j])], paras[j][0])
                cell = None if more else _header_cell(text[slice(*paras[j])], paras[j][0])
                if not (more or cell):
                    break
                names = names + (more or [cell])
                j += 1
            nums: list[tuple[int, re.Match]] = []
            while j < len(paras):
                got = _numbers_only(text[slice(*paras[j])])
                if got is None:
                    break
                nums += [(paras[j][0], m) for m in got]
                j += 1
            starts = {id(m): base for base, m in nums}
            hits = _pair(names, [m for _, m in nums], lambda m: starts[id(m)], max_quote)
            if hits:
                out += hits
                i = j
                continue
        out += hits
        i += 1
    return out
