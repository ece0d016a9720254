"""Author names from a PDF's first page: the line(s) of names right below the title, or the
author cards of a repository cover page ("3 authors:" then a name above each "N PUBLICATIONS").

A names line is split at commas, "and", "&", "·" and "|"; every part must read as a name once
its affiliation and footnote marks are gone ("Villon¹", "Fujisawa#,*", "Titheridge^1", a lone
"b" of "a,b"). Lines that hold no name but sit between title and names ("Running title: ...")
are skipped; an address, e-mail, "Abstract" or "Received" line ends the names.
"""
from __future__ import annotations

import re

_NOT_AUTHOR = re.compile(r"@|\d{3}|\b(?:universit|department|institut|abstract|received|faculty|"
                         r"school|college|laborator|centre|center|journal|doi|http|edited|"
                         r"correspond)", re.I)
_SKIP = re.compile(r"^(?:running|short)\s+title\b", re.I)
# "Ali Khalighifar", "S. N. Longmore", "P.Fergus", "R.B. Fisher", "Alcaraz-Segura"
_NAME = re.compile(r"^(?:[A-Z][\w'’\-]*\.?\s?){1,3}[A-Z][\w'’\-]+$")
_MARKS = re.compile(r"\^?[\d⁎∗*†‡§¶#]+")
_SEPARATORS = re.compile(r",|\band\b|&|·|\|")
_GLUED = re.compile(r"^([A-Z][a-z]+)([A-Z][\w'’\-]+)$")      # "EmilioGuirado": a lost space
_COVER_COUNT = re.compile(r"^\d+\s+authors?\b", re.I)
_CARD_END = re.compile(r"\bPUBLICATIONS\b|@")
_CARD_CLOSE = re.compile(r"@|^SEE PROFILE$")
CARD_LINES = 4        # a card: name, then up to three lines of affiliation, then the e-mail
MAX_LINES = 12    # a names line can come as several pieces (one per name) at one height


def names_below_title(lines: list) -> str | None:
    """Names on the lines right after the title (``lines``: the page's lines from there on)."""
    names: list[str] = []
    glued = False
    for k, ln in enumerate(lines[:MAX_LINES + 1]):
        text = _text(ln).strip()
        if not names and k == 0 and _SKIP.match(text):
            continue
        if _NOT_AUTHOR.search(text):
            break
        parts = [_clean(s) for s in _SEPARATORS.split(text)]
        # a lone letter after a name ("Villona,b"): affiliation letters, the first glued on
        glued = glued or any(len(s) == 1 and s.islower() for s in parts)
        parts = [s for s in parts if s and not (len(s) == 1 and s.islower())]
        if not parts and names and not any(c.isalnum() for c in text):
            continue          # a piece holding only the comma between two names
        if not parts or not all(_is_name(s) for s in parts):
            break
        names += parts
    if glued:   # every name carries its first affiliation letter: "Sébastien Villona" -> "Villon"
        names = [n[:-1] if n[-1].islower() and n[-2].islower() else n for n in names]
    return "; ".join(names) or None


def title_end(lines: list, title: str) -> int | None:
    """Index of the first line after ``title`` on the page (its lines matched letters and digits
    only, case folded), or None when the page does not print it."""
    want = _fold(title)
    for i, ln in enumerate(lines):
        got = _fold(_text(ln))
        if len(got) < 8 or not want.startswith(got):
            continue
        j = i + 1
        while len(got) < len(want) and j < len(lines) and want.startswith(got + _fold(_text(lines[j]))):
            got += _fold(_text(lines[j]))
            j += 1
        if got == want:
            return j
    return None


def _fold(s: str) -> str:
    return "".join(c for c in s.casefold() if c.isalnum())


def card_names(lines: list, start: int = 0) -> str | None:
    """Names set one per card: a name line with its affiliation and e-mail below it (IEEE), or a
    repository cover page's author cards ("3 authors:", then a name above "N PUBLICATIONS").
    Cards are read from ``start`` (the line after the title) or from the "N authors:" line, up
    to the abstract."""
    texts = [_text(ln).strip() for ln in lines]
    cover = next((i for i, t in enumerate(texts) if _COVER_COUNT.match(t)), None)
    names = []
    first = start if cover is None else cover + 1
    for i in range(first, len(texts) - 1):
        if texts[i].lower().startswith("abstract"):
            break
        # a card opens at the start or right after the line that closed the card before
        if i > first and not _CARD_CLOSE.search(texts[i - 1]):
            continue
        name = _clean(texts[i])
        if _is_name(name) and any(_CARD_END.search(t) for t in texts[i + 1:i + CARD_LINES + 1]):
            names.append(name)
    return "; ".join(names) or None


def page_authors(lines: list, start: int) -> str | None:
    """Names after the title (``lines[start]`` is the first line below it): a names line, or
    cards when the names line yields at most one name (IEEE sets one card per author)."""
    below = names_below_title(lines[start:])
    if below and ";" in below:
        return below
    cards = card_names(lines, start)
    return cards if cards and (not below or ";" in cards) else below


def _is_name(s: str) -> bool:
    return bool(_NAME.match(s)) and any(c.islower() for c in s)     # not "SEE PROFILE"


def _text(ln) -> str:
    return ln if isinstance(ln, str) else ln.text


def _clean(part: str) -> str:
    s = " ".join(_MARKS.sub("", part).split()).strip(" ,")
    m = _GLUED.match(s)
    return f"{m.group(1)} {m.group(2)}" if m else s
