"""Sentence-aware chunking with reference and boilerplate labels.

Pipeline per page: paragraphs ("\\n\\n"-separated) -> units -> labelled units -> chunks.

* A paragraph that is short, or plainly prose and small enough, or a block of reference entries
  without a prose verb, is one unit: its label cannot change by splitting it, and skipping the
  splitter for it keeps ingestion fast (the stored text keeps PDF-extractor paragraph
  boundaries, so such a paragraph ends where its last sentence ends, or where the source cut it).
* Longer or mixed paragraphs (prose with reference entries glued on, as PDF extraction produces)
  are split into sentences by the project's one splitter (sentences.py) and every sentence is
  labelled on its own.
* Every unit also gets its section kind (sections.py). In a PDF a chunk never spans two sections,
  nor in a text file whose headings run in a paper's order (a whole paper saved as text); in
  other text files (excerpts, paragraphs in any order) chunks are cut as before and take the
  section of their first unit.
* Labels: "ref" (reference-list entry), "boiler" (publisher furniture) or "text". Chunks are
  runs of units with one label on one page, 800-1,500 characters where the text allows (a
  paragraph break is the preferred place to end a chunk once it has 800), so reference entries
  form their own chunks and never hide methods text.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from extractor.ingest import detect
from extractor.ingest.sections import SectionTracker
from extractor.ingest.sentences import sentence_spans
from extractor.ingest.types import Chunk

CHUNK_MIN = 800
CHUNK_MAX = 1500
SPLIT_MIN = 300          # paragraphs shorter than this are never sentence-split
PROSE_MAX_SCORE = 0.3    # a paragraph scoring below this is plain prose (no split needed if it fits)
MAX_PARA = 50_000       # longer paragraphs are cut before sentence splitting
TAIL_MAX = 80            # a paragraph shorter than this joins the chunk before it if it fits
FURNITURE_PROSE_MIN = 40  # prose before a spliced footer worth keeping as text
SMOOTH_MAX = 150         # a short unit between two reference units is part of the reference list

_PARA = re.compile(r"\n\n")
_PROSE_GATE = re.compile(r"\b(?:we|our|was|were|is|are|has|have|had|been|used|trained|performed|"
                         r"applied|obtained|collected|implemented|consists?|contains?)\b", re.I)
_CAPTION = re.compile(r"(?:Fig\.|Figure|Table|Tab\.)\s?[A-Z]?\d")
_LETTERS = re.compile(r"[A-Za-z]+")
_STRONG_PROSE = re.compile(r"\b(?:we|our|was|were|is|are|has|have|had|been)\b", re.I)


@dataclass
class _Unit:
    start: int
    end: int
    page: int | None
    label: str              # "text" | "ref" | "boiler"
    para_start: bool        # first unit of its paragraph: a preferred chunk boundary
    weak: bool = False      # no signal either way: may take its neighbours' label
    section: str = "front"  # section kind (sections.SECTION_KINDS)


def _paragraph_spans(text: str, lo: int, hi: int):
    pos = lo
    for m in _PARA.finditer(text, lo, hi):
        yield pos, m.start()
        pos = m.end()
    yield pos, hi


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _label(sig: detect.RefSignals, a: int, b: int, score: float | None = None,
           keys: tuple[str, ...] = ()) -> tuple[str, bool]:
    s = sig.text[a:b]
    if score is None:
        score = sig.score(a, b)
    if score >= detect.REFERENCE_THRESHOLD:
        return "ref", False
    if keys and detect.looks_like_boilerplate(s, keys):
        return "boiler", False
    weak = score > 0 or (len(s) < 60 and not _STRONG_PROSE.search(s))
    return "text", weak


def _units(text: str, page_starts: list[int]) -> list[_Unit]:
    bounds = page_starts + [len(text)] if page_starts else [0, len(text)]
    pages = [(bounds[i], bounds[i + 1], (i + 1) if page_starts else None)
             for i in range(len(bounds) - 1)]
    paras = []       # (start, end, page)
    for lo, hi, page in pages:
        for a, b in _paragraph_spans(text, lo, hi):
            a, b = _trim(text, a, b)
            # A giant paragraph (a text file with no blank lines) is cut at white space into
            # pieces that are each labelled and sentence-split on their own.
            while b - a > MAX_PARA:
                cut = text.rfind(" ", a + MAX_PARA // 2, a + MAX_PARA)
                cut = cut if cut > a else a + MAX_PARA
                paras.append((a, cut, page))
                a, b = _trim(text, cut, b)
            if a < b:
                paras.append((a, b, page))

    sig = detect.RefSignals(text)
    keys = detect.boilerplate_keys(text)
    to_split = []
    decided: dict[int, tuple[str, bool]] = {}
    for i, (a, b, _) in enumerate(paras):
        if b - a < SPLIT_MIN:
            decided[i] = _label(sig, a, b, keys=keys)
            continue
        score = sig.score(a, b)
        if b - a <= CHUNK_MAX and (score < PROSE_MAX_SCORE or (
                score >= detect.REFERENCE_THRESHOLD and not _PROSE_GATE.search(text, a, b))):
            # plain prose, or a reference block without a single finite verb of prose in it:
            # splitting it into sentences could not change its label
            decided[i] = _label(sig, a, b, score, keys)
        else:
            to_split.append(i)

    sents = {i: sentence_spans(text, lo=paras[i][0], hi=paras[i][1]) for i in to_split}

    units: list[_Unit] = []
    in_refs = False
    sections = SectionTracker()
    for i, (a, b, page) in enumerate(paras):
        first = True
        for sa, sb in sents.get(i, [(a, b)]):
            s = text[sa:sb]
            section = sections.feed(s, first)
            label, weak = decided[i] if i in decided else _label(sig, sa, sb, keys=keys)
            if detect.is_reference_heading(s):
                in_refs, label, weak = True, "ref", False
            elif in_refs:
                # Inside a reference list, units with some reference signal and tiny ones (entry
                # numbers) are entries; anything else ends the list (excerpts put paragraphs in
                # any order after a heading, so what follows it may be a caption or prose).
                if label == "text" and (len(s) < 20 or (sig.score(sa, sb) > 0
                                                        and not _CAPTION.match(s))):
                    label = "ref"
                elif detect.ends_reference_section(s) or label == "text":
                    in_refs = False
            cut = _furniture_cut(text, sa, sb) if label == "boiler" else None
            if cut is not None:
                # a page footer spliced into a paragraph: the prose before it stays text
                ha, hb = _trim(text, sa, cut)
                hl, hw = _label(sig, ha, hb, keys=keys)
                units.append(_Unit(ha, hb, page, hl, first, hw, section))
                sa, first = cut, False
            units.append(_Unit(sa, sb, page, label, first, weak, section))
            first = False
    _smooth(units, ordered=bool(page_starts))
    return units


def _furniture_cut(text: str, a: int, b: int) -> int | None:
    """Where publisher furniture begins in a boilerplate unit that holds prose before it, or None.

    PDF extraction splices a page's footer ("Authorized licensed use limited to: ... Downloaded
    on ... Restrictions apply.", a copyright line) into the paragraph that runs over the page
    break, and the whole unit would be dropped as boilerplate with the methods sentences in it.
    The cut is at the start of the sentence holding the furniture when whole sentences precede
    it, else at the furniture itself (a sentence interrupted by the footer)."""
    at = detect.furniture_start(text[a:b])
    if at is None or at < FURNITURE_PROSE_MIN:
        return None
    cut = a + at
    for sa, sb in sentence_spans(text, lo=a, hi=b):
        if sa <= cut < sb:
            cut = sa if sa > a else cut
            break
    words = [w for w in _LETTERS.findall(text, a, cut) if len(w) > 2]
    lower = [w for w in words if w[0].islower()]
    # prose, not an address or a name list: mostly lower-case words
    if cut - a < FURNITURE_PROSE_MIN or len(lower) < 5 or 2 * len(lower) < len(words):
        return None
    return cut


def _smooth(units: list[_Unit], ordered: bool = False) -> None:
    """Weak or short text units between reference units on one page are references too (the title
    sentence of an entry, a wrapped author list, an entry number "81.")."""
    # A short prose sentence right after an entry glued onto prose must not be swallowed:
    # the scan below only bridges gaps of weak units, or short units within one paragraph.
    i = 0
    while i < len(units):
        if units[i].label != "ref":
            i += 1
            continue
        # units[i] is a reference: find the next reference on the same page within a short gap
        j, gap = i + 1, 0
        while (j < len(units) and units[j].label == "text" and units[j].page == units[i].page
               and (units[j].weak or units[j].end - units[j].start <= SMOOTH_MAX)):
            gap += units[j].end - units[j].start
            j += 1
        # Short non-weak units (a paper title) are only taken inside one paragraph: across a
        # paragraph break they may be real prose that happens to sit between two entries.
        # PDF text (``ordered``) is in reading order, so there a short unit between two entries is
        # part of the list (a "Comment:" line); text files may be excerpts in any order.
        same_para = ordered or not any(u.para_start for u in units[i + 1:j + 1])
        if (j > i + 1 and j < len(units) and units[j].label == "ref" and units[j].page == units[i].page
                and gap <= 2 * SMOOTH_MAX and (same_para or all(u.weak for u in units[i + 1:j]))):
            for u in units[i + 1:j]:
                u.label = "ref"
        i = j if j > i + 1 else i + 1
    # A weak unit between two boilerplate units (a journal name line inside a page header)
    # is boilerplate too.
    for i in range(1, len(units) - 1):
        u = units[i]
        if (u.label == "text" and u.weak and units[i - 1].label == "boiler"
                and units[i + 1].label == "boiler" and units[i - 1].page == u.page == units[i + 1].page):
            u.label = "boiler"
    # A weak unit at the edge of a reference run, in the same paragraph, joins the run.
    for i, u in enumerate(units):
        if u.label == "text" and u.weak:
            nxt = units[i + 1] if i + 1 < len(units) else None
            prev = units[i - 1] if i else None
            if (nxt and nxt.label == "ref" and not nxt.para_start) or \
                    (prev and prev.label == "ref" and not u.para_start):
                u.label = "ref"


def _hard_split(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split a span longer than CHUNK_MAX (a sentence with no full stop, e.g. a table dump) at
    white space."""
    out = []
    while b - a > CHUNK_MAX:
        cut = text.rfind(" ", a + CHUNK_MIN, a + CHUNK_MAX)
        if cut <= a:
            cut = a + CHUNK_MAX
        s, e = _trim(text, a, cut)
        if s < e:
            out.append((s, e))
        a, _ = _trim(text, cut, b)
    if a < b:
        out.append((a, b))
    return out


def make_chunks(text: str, page_starts: list[int] | None = None) -> list[Chunk]:
    """Chunks of whole sentences over ``text``; ``text[c.start:c.end] == c.text`` for each."""
    page_starts = list(page_starts or [])
    chunks: list[Chunk] = []
    cur: list | None = None     # [start, end, label, page, section]

    def flush():
        if cur:
            s, e, label, page, section = cur
            chunks.append(Chunk(ord=len(chunks), start=s, end=e, text=text[s:e], page=page,
                                is_reference=label == "ref", is_boilerplate=label == "boiler",
                                section=section))

    units = _units(text, page_starts)
    # sections cut chunks in PDFs, and in a text file that reads as a whole paper (its headings
    # run introduction -> methods -> results ... in order), not in excerpts of paragraphs
    by_section = bool(page_starts) or reads_in_order(units)
    for u in units:
        pieces = _hard_split(text, u.start, u.end) if u.end - u.start > CHUNK_MAX else [(u.start, u.end)]
        for k, (a, b) in enumerate(pieces):
            boundary = u.para_start and k == 0
            if (cur is not None and cur[2] == u.label and cur[3] == u.page
                    and (cur[4] == u.section or not by_section)
                    and b - cur[0] <= CHUNK_MAX
                    # a full chunk ends at a paragraph break, unless the next paragraph is only
                    # a scrap (a wrapped line, a page number) that would make a chunk of its own
                    and not (boundary and cur[1] - cur[0] >= CHUNK_MIN and b - a >= TAIL_MAX)):
                cur[1] = b
            else:
                flush()
                cur = [a, b, u.label, u.page, u.section]
    flush()
    return chunks


_ORDER = {"introduction": 0, "related_work": 1, "methods": 2, "results": 3, "discussion": 4,
          "references": 5}


def reads_in_order(units: list[_Unit]) -> bool:
    """Do the units' sections run through at least three of introduction, methods, results,
    discussion and references, each after the one before (a whole paper, not an excerpt)?"""
    seen: list[int] = []
    for u in units:
        k = _ORDER.get(u.section)
        if k is not None and (not seen or seen[-1] != k):
            seen.append(k)
    return len(set(seen)) >= 3 and seen == sorted(seen)


def page_of(page_starts: list[int], offset: int) -> int | None:
    """1-based page holding ``offset`` (None for text without pages)."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))
