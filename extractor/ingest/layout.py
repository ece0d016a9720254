"""Visual lines of a PDF page from pdfium's character boxes, and the page text built from them.

pdfium's own text (``get_text_range``) is in content-stream order with "\\r\\n" between lines and
one text index per character box, so the whole page is read in one call and boxes are asked
for only where a decision needs them: the first and last character of a line, the character
around a glued hyphen, and the first character after a letter-digit boundary (superscripts).

Per page, a manuscript's line numbers (a number opening most lines from the left margin, rising
down the page) are taken off the lines (``_drop_line_numbers``).

Per document (``build_pages``):
  * running headers and footers (a line in the top or bottom margin band whose text, digits
    ignored, recurs at the same height on several pages; a bare page number) are dropped;
  * a two-column page is read band by band: full-width lines, then the left column, then the
    right one (pdfium's order is kept inside each column);
  * footnotes (a block of smaller-font lines at the bottom of a column opening with a marker)
    leave the flow and become their own paragraph, placed after the paragraph whose superscript
    marker points to them, else at the end of the page;
  * lines are joined: pdfium's glued line-end hyphen U+FFFE is dropped inside a word (kept in a
    compound or URL), a URL wrapped over lines is joined without a space, and a paragraph break
    is made at a vertical gap, a change of font size (headings, tables, captions) or a short
    line ending a sentence;
  * superscripts: after a number they are exponents ("10^-4"), after a short unit-like word
    powers ("m^2"); after a longer word they are footnote or citation markers and are removed
    from the word ("Tensorflow2" -> "Tensorflow").
"""
from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

from extractor.ingest.urlcut import url_wraps

HYPHEN_MARK = "\ufffe"        # pdfium's hyphen at a line end it has glued to the next line
_SPLIT_AT = re.compile("[\ufffe -]")       # where a pdfium line may hold two visual lines
_HYPHENS = re.compile("[\ufffe-]")
MARGIN_BAND = 0.09            # share of the page height at the top and bottom holding furniture
REPEAT_SHARE = 0.3            # a margin line on this share of pages (and at least 2) is furniture
SUP_SIZE = 0.85               # a superscript's font is at most this share of its base character's
FOOTNOTE_SIZE = 0.92          # footnote lines use a font at most this share of the body font
_SUP_CHARS = frozenset("0123456789\u2212-\u2013+*\u2020\u2021,")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_FOOTNOTE_START = re.compile(r"^(?:\d{1,2}|[*\u2020\u2021\u00a7\u00b6a-e])(?:[.)]?\s+|(?=[A-Z]|https?:|www\.))")
_URL_TAIL = re.compile(r"(?:https?://|www\.|doi\.org/)\S*$", re.I)
_LIST_START = re.compile(r"^(?:[•▪◦●\-–]\s|\[\d{1,3}\]|\(?\d{1,2}[.)]\s)")
_TERMINAL = (".", "!", "?", ":")
_UNIT_WORDS = frozenset("m cm mm km nm um μm µm s ms h ha g kg l ml r R x".split())


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    y: float                  # bottom of the first character (PDF points, origin bottom left)
    size: float               # font size of its first letter
    hyphen: bool = False      # ended with pdfium's glued hyphen (the next line continues the word)
    markers: list[str] = field(default_factory=list)   # footnote markers removed from the line
    col: int = 0              # 0 full width / single column, 1 left, 2 right
    start: int = -1           # index of its first character in pdfium's page text


@dataclass
class PageLines:
    lines: list[Line]
    width: float
    height: float


class _Boxes:
    """Loose character boxes (the font's full height, so one size of one font gives one box height
    whatever the glyph) through the raw API, one ctypes call each. Their height stands in for
    the font size: pdfium's FPDFText_GetFontSize ignores the text matrix (many PDFs set size 1
    and scale by the matrix)."""

    def __init__(self, textpage):
        self.raw = textpage.raw
        self._r = pdfium_c.FS_RECTF()
        self._p = ctypes.byref(self._r)

    def box(self, i: int) -> tuple[float, float, float, float]:
        pdfium_c.FPDFText_GetLooseCharBox(self.raw, i, self._p)
        r = self._r
        return r.left, r.bottom, r.right, r.top

    def wide_gap(self, a: int, b: int) -> bool:
        """True if pdfium's text runs (rectangles) of text[a:b] leave a horizontal gap wider than
        0.8 times their height anywhere: one call per run, instead of two box calls per space
        (_column_gap's test, 2.5 loose heights, is stricter: this only rules lines out). A table
        row that pdfium reports as one run keeps its cells on one line, read across."""
        n = pdfium_c.FPDFText_CountRects(self.raw, a, b - a)
        if n <= 1:
            return False
        l_, t_, r_, b_ = (ctypes.c_double() for _ in range(4))
        refs = [ctypes.byref(v) for v in (l_, t_, r_, b_)]
        prev_right = prev_bottom = None
        for i in range(n):
            pdfium_c.FPDFText_GetRect(self.raw, i, *refs)
            h = abs(t_.value - b_.value) or 1.0
            if prev_right is not None and abs(b_.value - prev_bottom) < h \
                    and l_.value - prev_right > 0.8 * h:
                return True
            prev_right, prev_bottom = r_.value, b_.value
        return False

    def size(self, i: int) -> float:
        pdfium_c.FPDFText_GetLooseCharBox(self.raw, i, self._p)
        return abs(self._r.top - self._r.bottom)


def page_lines(textpage, width: float, height: float) -> PageLines | None:
    """Visual lines of one page, or None when pdfium's text and character indices disagree (then
    the caller falls back to plain text)."""
    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():
        return None
    boxes = _Boxes(textpage)
    lines: list[Line] = []
    for m in re.finditer(r"[^\r\n]+", text):
        a = m.start()
        # spaces are asked about a column gap only on a line whose runs show a wide gap
        gaps = boxes.wide_gap(m.start(), m.end())
        # pdfium glues a word hyphenated at a line end into one "line"; split it where the
        # character after the mark sits on another visual line.
        for k in [h.start() for h in (_SPLIT_AT if gaps else _HYPHENS).finditer(text, a, m.end())]:
            if text[k] == " ":
                # pdfium puts two columns' lines at one height on one line, with a space
                # between them: a wide gap there ends the line
                if gaps and a < k and k + 1 < m.end() and _column_gap(boxes, k - 1, k + 1):
                    _add_line(lines, text, boxes, a, k)
                    a = k + 1
            elif k + 1 < m.end() and (text[k] == HYPHEN_MARK or text[k + 1].isalpha()) \
                    and _other_line(boxes, k, k + 1):
                # pdfium's mark, or a plain "-" some PDFs glue to the next visual line
                _add_line(lines, text, boxes, a, k, hyphen=True)
                a = k + 1
        _add_line(lines, text, boxes, a, m.end())
    return PageLines(_drop_line_numbers(lines, text, boxes, width), width, height)


def _column_gap(boxes: _Boxes, i: int, j: int) -> bool:
    _, b1, r1, t1 = boxes.box(i)
    l2, _, _, _ = boxes.box(j)
    return l2 - r1 > 2.5 * (t1 - b1)


def _other_line(boxes: _Boxes, i: int, j: int) -> bool:
    _, b1, _, t1 = boxes.box(i)
    l2, b2, _, t2 = boxes.box(j)
    return abs(b1 - b2) > max(t1 - b1, t2 - b2, 1.0)


def _add_line(lines: list[Line], text: str, boxes: _Boxes, a: int, b: int,
              hyphen: bool = False) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a >= b:
        return
    x0, y, _, _ = boxes.box(a)
    _, _, x1, _ = boxes.box(b - 1)
    first_letter = next((i for i in range(a, min(b, a + 8)) if text[i].isalnum()), a)
    s, markers = _render(text, boxes, a, b)
    lines.append(Line(s, x0, x1, y, boxes.size(first_letter), hyphen, markers, start=a))


# A line number a manuscript prints in the margin (bioRxiv, review copies), which pdfium reads
# as the line's first word or as a line of its own
_LINE_NUMBER = re.compile(r"(\d{1,5})(?:\s+|$)")
LINE_NUMBERS_MIN = 8          # numbered lines a page needs before its numbers count as such
MARGIN_SHARE = 0.2            # a line number starts in this share of the page width


def _drop_line_numbers(lines: list[Line], text: str, boxes: _Boxes, width: float) -> list[Line]:
    """Lines without the manuscript line numbers in their left margin: a page whose lines open,
    top to bottom, with numbers that mostly go up one to three at a time. A bare number line is
    dropped; a numbered line starts (position, font size) at its first word after the number,
    so that headings, indents and sentences read as without numbers."""
    numbered = [(ln, m) for ln in lines
                if ln.start >= 0 and ln.x0 < MARGIN_SHARE * width
                and (m := _LINE_NUMBER.match(ln.text))]
    if len(numbered) < LINE_NUMBERS_MIN:
        return lines
    order = sorted(numbered, key=lambda lm: -lm[0].y)
    nums = [int(m.group(1)) for _, m in order]
    rising = sum(1 for a, b in zip(nums, nums[1:]) if 0 < b - a <= 3)
    if rising < 0.8 * (len(nums) - 1):
        return lines
    drop = set()
    for ln, m in numbered:
        rest = ln.text[m.end():]
        if not rest:
            drop.add(id(ln))
            continue
        a = ln.start + m.end()          # the number's digits are never rewritten by _render
        first_letter = next((i for i in range(a, min(len(text), a + 8)) if text[i].isalnum()), a)
        ln.text, ln.start, ln.x0 = rest, a, boxes.box(a)[0]
        ln.size = boxes.size(first_letter)
    return [ln for ln in lines if id(ln) not in drop]


_SUP_START = re.compile(r"(?<=[A-Za-z)\]])[0-9*\u2020\u2021]|(?<=\d)[0-9\u2212-]|(?<=\de) ?[\u2212-]")


def _render(text: str, boxes: _Boxes, a: int, b: int) -> tuple[str, list[str]]:
    """Line text with superscripts written out or removed, and mid-line U+FFFE as a hyphen."""
    out, markers, pos = [], [], a
    seg = text[a:b]
    i = 0
    while True:
        m = _SUP_START.search(seg, i)
        if not m:
            break
        s = a + m.start()
        if text[s] == " ":                   # "1e -4": pdfium's space before a raised exponent
            s += 1
        base = s - 1 if text[s - 1] != " " else s - 2
        if not _raised(boxes, base, s):
            i = m.end()
            continue
        e = s + 1
        while e < b and text[e] in _SUP_CHARS and boxes.size(e) < SUP_SIZE * boxes.size(base):
            e += 1
        run = text[s:e].rstrip(",")
        e = s + len(run)
        word = re.search(r"[A-Za-z]*$", text[a:base + 1]).group()
        out.append(text[pos:base + 1])
        # "1e-4" is an exponent, "Caffe³" a footnote marker: an "e" counts only after a digit
        e_notation = text[base] == "e" and base > a and text[base - 1].isdigit()
        if text[base].isdigit() or e_notation or word in _UNIT_WORDS or len(word) <= 1:
            out.append("^" + run)              # exponent or power: "10^-4", "m^2"
        else:
            markers.append(run)                # footnote / citation marker: off the word
        pos = e
        i = e - a
    out.append(text[pos:b])
    return "".join(out).replace(HYPHEN_MARK, "-").replace("\x02", "-"), markers


def _raised(boxes: _Boxes, base: int, s: int) -> bool:
    fs_base = boxes.size(base)
    if fs_base <= 0 or boxes.size(s) >= SUP_SIZE * fs_base:
        return False
    _, b0, _, t0 = boxes.box(base)
    _, b1, _, _ = boxes.box(s)
    return b1 > b0 + 0.2 * fs_base


# --- across pages -------------------------------------------------------------------------------

def _margin_key(line: Line, height: float) -> str | None:
    """Key of a line in the top or bottom margin band (digits folded, height bucketed), else None."""
    band = MARGIN_BAND * height
    if band < line.y < height - band:
        return None
    return re.sub(r"\d+", "#", line.text.lower()).strip() + f"@{round(line.y / 6)}"


def drop_running_lines(pages: list[PageLines]) -> int:
    """Remove running headers/footers and margin page numbers from every page; returns how many
    lines were removed."""
    counts = Counter()
    for p in pages:
        counts.update({k for ln in p.lines if (k := _margin_key(ln, p.height))})
    need = max(2, int(REPEAT_SHARE * len(pages) + 0.999))
    removed = 0
    for p in pages:
        keep = []
        for ln in p.lines:
            k = _margin_key(ln, p.height)
            if k and (counts[k] >= need and len(pages) > 1 or _PAGE_NUMBER.match(ln.text.strip())):
                removed += 1
            else:
                keep.append(ln)
        p.lines = keep
    return removed


def body_size(pages: list[PageLines]) -> float:
    """The body text's font size: the size carrying the most characters."""
    c = Counter()
    for p in pages:
        for ln in p.lines:
            c[round(ln.size, 1)] += len(ln.text)
    return c.most_common(1)[0][0] if c else 10.0


# --- one page -------------------------------------------------------------------------------------

def _assign_columns(p: PageLines) -> bool:
    """Mark lines as left / right column on a two-column page; True if the page has two columns."""
    mid = p.width / 2
    left = [ln for ln in p.lines if ln.x1 < mid + 4 and ln.x0 < mid - 20]
    right = [ln for ln in p.lines if ln.x0 > mid - 4]
    if len(left) < 5 or len(right) < 5:
        return False
    # by identity: "ln in left" compares dataclasses field by field (quadratic, and slow)
    left_ids, right_ids = {id(ln) for ln in left}, {id(ln) for ln in right}
    for ln in p.lines:
        ln.col = 1 if id(ln) in left_ids else 2 if id(ln) in right_ids else 0
    return True


def _reading_order(p: PageLines) -> list[list[Line]]:
    """Flows of lines in reading order: on a two-column page, each band between full-width
    lines gives its left column then its right column."""
    if not _assign_columns(p):
        return [p.lines]
    flows: list[list[Line]] = []
    band: list[Line] = []

    def flush():
        if band:
            flows.append([ln for ln in band if ln.col == 1] + [ln for ln in band if ln.col == 2])
            band.clear()
    for ln in p.lines:
        if ln.col == 0 and len(ln.text) > 30:
            flush()
            flows.append([ln])
        else:
            band.append(ln)
    flush()
    # Consecutive flows are one text (a sentence goes on from column to column).
    return [[ln for f in flows for ln in f]]


def _split_footnotes(flow: list[Line], body: float) -> tuple[list[Line], list[list[Line]]]:
    """Body lines and footnote blocks: per column, the trailing run of small-font lines that
    starts with a marker."""
    out_body, notes = [], []
    for col in sorted({ln.col for ln in flow}):
        lines = [ln for ln in flow if ln.col == col]
        i = len(lines)
        while i > 0 and lines[i - 1].size < FOOTNOTE_SIZE * body:
            i -= 1
        tail = lines[i:]
        # the block must open with a marker, and be separated from the body by a wider gap
        starts = [k for k, ln in enumerate(tail) if _FOOTNOTE_START.match(ln.text)]
        if tail and starts and i > 0 and lines[i - 1].y - tail[0].y > 0:
            tail = tail[starts[0]:]
            i = len(lines) - len(tail)
            block: list[Line] = []
            for ln in tail:
                if block and _FOOTNOTE_START.match(ln.text) and ln.x0 <= block[0].x0 + 1:
                    notes.append(block)
                    block = []
                block.append(ln)
            notes.append(block)
            lines = lines[:i]
        out_body += lines
    order = {id(ln): k for k, ln in enumerate(flow)}
    out_body.sort(key=lambda ln: order[id(ln)])
    return out_body, notes


def _joiner(prev: Line, nxt: Line, gap: float, right: float, joined: str = "") -> str:
    """What goes between two consecutive lines: "" (joined word or URL), "\\n" (same paragraph)
    or "\\n\\n" (paragraph break). ``joined``: the text of earlier lines ``prev`` was joined to
    with "" (a URL wrapped over three lines)."""
    tail = prev.text.rsplit(None, 1)[-1] if prev.text.strip() else ""
    if prev.hyphen:
        # a word broken between letters: "-\n", and normalize decides syllable break or compound
        # from the document's vocabulary (hyphens.py); in a URL or before a digit the hyphen stays
        if _URL_TAIL.search(tail) or not (tail[-1:].isalpha() and nxt.text[:1].isalpha()):
            return "-"
        return "-\n"
    if url_wraps(joined + prev.text, nxt.text):
        return ""
    if abs(prev.size - nxt.size) > 0.1 * max(prev.size, nxt.size):
        return "\n\n"
    same_col = prev.col == nxt.col
    if same_col and gap > 0 and (prev.y - nxt.y) > 1.7 * gap:
        return "\n\n"
    if prev.text.rstrip().endswith(_TERMINAL) and prev.x1 < right - 0.12 * (right - prev.x0 + 1):
        return "\n\n"
    if _LIST_START.match(nxt.text):
        return "\n\n"
    return "\n"


def _line_gap(lines: list[Line]) -> float:
    gaps = sorted(a.y - b.y for a, b in zip(lines, lines[1:])
                  if a.col == b.col and 0 < a.y - b.y < 3 * a.size)
    return gaps[len(gaps) // 2] if gaps else 0.0


def _paragraphs(lines: list[Line]) -> list[tuple[str, list[str]]]:
    """(paragraph text, footnote markers in it) for a run of lines."""
    gap = _line_gap(lines)
    right = {c: max((ln.x1 for ln in lines if ln.col == c), default=0.0) for c in (0, 1, 2)}
    paras: list[tuple[str, list[str]]] = []
    parts, markers = [], []
    joined = ""
    for k, ln in enumerate(lines):
        parts.append(ln.text)
        markers += ln.markers
        if k + 1 < len(lines):
            j = _joiner(ln, lines[k + 1], gap, right[ln.col], joined)
            joined = joined + ln.text + j if j in ("", "-") else ""
            if j == "\n\n":
                paras.append(("".join(parts), markers))
                parts, markers = [], []
            else:
                parts.append(j)
    if parts:
        paras.append(("".join(parts), markers))
    return paras


def page_text(p: PageLines, body: float) -> tuple[str, int]:
    """The page's text in reading order with footnotes as paragraphs after their marker's
    paragraph; and the number of footnotes found."""
    (flow,) = _reading_order(p)
    lines, notes = _split_footnotes(flow, body)
    paras = _paragraphs(lines)
    placed: list[str] = [t for t, _ in paras]
    for block in notes:
        note = "".join(t for t, _ in _paragraphs(block)).strip()
        mark = _FOOTNOTE_START.match(block[0].text).group().strip(" .)")
        at = next((i for i, (_, ms) in enumerate(paras) if mark in ms), None)
        if at is None:
            placed.append(note)
        else:
            # after the paragraph that points to it (indices shift as notes go in)
            k = placed.index(paras[at][0]) + 1
            placed.insert(k, note)
    return "\n\n".join(t for t in placed if t.strip()), len(notes)
