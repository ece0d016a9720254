"""Section headings and the section kind of every unit of text; a title for plain-text files.

Kinds: front (title, authors, abstract, keywords), introduction, related_work, methods, results,
discussion (and conclusions), acknowledgements (and other back matter: funding, contributions,
availability statements), references, appendix (and supplementary material).

A heading is a paragraph of its own ("2.1 Study area", "MATERIALS AND METHODS") or the opening
words of a paragraph when the PDF set the heading in the body font ("Introduction Species new
to science..."): then it must be numbered, in capitals, or a word no sentence starts with.
Subsections with names of their own ("2.3 Network architecture") keep their parent's kind; an
unknown numbered top-level heading after the introduction starts the methods (CS-style papers
call them "Our approach", "Whale detection", ...).
"""
from __future__ import annotations

import re

SECTION_KINDS = ("front", "introduction", "related_work", "methods", "results", "discussion",
                 "acknowledgements", "references", "appendix")

_KINDS: list[tuple[str, str]] = [
    ("front", r"abstract|summary|keywords|highlights|graphical abstract"),
    ("introduction", r"introduction|background|motivation"),
    ("related_work", r"related works?|related studies|previous works?|prior works?|literature review|"
                     r"state of the art"),
    ("results", r"results(?: and discussion)?|evaluation|experiments? and results|"
                r"experimental results|performance"),
    ("methods", r"(?:materials? and )?methods?(?: and materials?)?|methodology|study (?:area|site)s?|"
                r"data(?:sets?)?(?: and methods)?|experiments?|experimental (?:setup|design|work|settings?)|"
                r"implementation|approach|proposed (?:method(?:ology)?|approach|framework|model)|model|"
                r"training"),
    ("discussion", r"discussion|conclusions?|concluding remarks|limitations|future work|outlook|"
                   r"summary and conclusions?"),
    ("acknowledgements", r"acknowledge?ments?|funding|author contributions?|"
                         r"(?:data|code|software)(?: and (?:data|code|software))? availability(?: statement)?|"
                         r"conflicts? of interest|competing interests|declarations?|ethics"),
    ("references", r"references(?: cited)?|bibliography|literature cited|works cited"),
    ("appendix", r"appendix(?: [A-Z\d])?|appendices|supplementary (?:material|information)s?|"
                 r"supporting information"),
]
_NUM = r"(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4}|[A-H])\.?(?:\s*\|)?\s+)"   # "2.1", "IV.", "1 |"
_HEADING = [(kind, re.compile(rf"^{_NUM}?(?:{words})\s*:?$", re.I)) for kind, words in _KINDS]
# Words that open a paragraph as a glued heading when followed by a capitalised word (no
# sentence starts "Methods We ..."), per kind.
_GLUED = {"front": "abstract", "introduction": "introduction", "methods": "(?:materials and )?methods",
          "results": "results", "discussion": "discussion(?: and conclusions?)?|conclusions?",
          "acknowledgements": "acknowledge?ments?|(?:data|code|software)(?: and (?:data|code|software))? "
                              "availability(?: statement)?|competing interests|conflicts? of interest",
          "references": "references"}
_LEAD = [(kind, re.compile(rf"^(?:{_NUM}(?:{words})|(?-i:[A-Z ]{{4,}})(?<=[A-Z])(?=\s[A-Z][a-z])"
                           + (rf"|(?:{_GLUED[kind]})(?=\s+(?:[A-Z]|\d\.\s))" if kind in _GLUED else "")
                           + r")\b", re.I))
         for kind, words in _KINDS]
_ABSTRACT = re.compile(r"\s*abstract\b", re.I)
_PROSE = re.compile(r"\b(?:we|our|is|are|was|were|the|this|these)\b", re.I)
_TOP_NUMBERED = re.compile(r"^(?:\d{1,2}|[IVX]{1,4})\.?\s+[A-Z][A-Za-z -]{2,60}$")
# The same heading set in the body font and glued to its first sentence: a number after the
# first (a "1." inside the introduction is a list item), two to six capitalised words, then a
# sentence ("4. Experimental Work In this section, we ...").
_TOP_GLUED = re.compile(r"^(?:[2-9]|[1-9]\d|I[IVX]{1,3}|[VX][IVX]{0,3})\.?\s+"
                        r"(?:[A-Z][\w-]*:?\s(?:(?:and|of|for|the|in|on|to|with)\s)?){2,6}"
                        r"(?=[A-Z][a-z]*\s)")


# A numbered heading on a line of its own ("2.5 Training settings", "B. Preprocessing", "IV.
# DISCUSSION"): no digit after the number, no sentence end.
_NUMBERED_LINE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?|[IVX]{1,4}\.|[A-H]\.)\s+[A-Z][A-Za-z&,'\u2019 -]{2,60}$")


def _whole_heading_kind(s: str) -> str | None:
    """The section kind of ``s`` (stripped) if it is a known heading and nothing else."""
    if len(s) <= 70:
        for kind, pat in _HEADING:
            if pat.match(s):
                return kind
    return None


def _heading_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and (_whole_heading_kind(s) is not None
                        or (len(s) <= 70 and bool(_NUMBERED_LINE.match(s))))


def separate_headings(text: str) -> str:
    """A heading on a line of its own, followed by its paragraph after a single line break
    ("Data and Code Availability" / "The code is on GitHub ..."), becomes a paragraph of its
    own, so that no sentence starts with the heading's words (plain-text files; a PDF's text
    runs a heading into its paragraph, which separate_glued_headings handles)."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i + 1 < len(lines) and lines[i + 1].strip() and _heading_line(line):
            out.append("")
    return "\n".join(out)


def _glued_lead_end(para: str) -> int | None:
    """Where a known heading glued to its paragraph's first sentence ends ("Data and Code
    Availability The source code ..."), or None."""
    if len(para.strip()) <= 70:
        return None     # a heading paragraph of its own, or a short line
    for kind, pat in _LEAD:
        m = pat.match(para)
        if m and _lead_is_heading(m.group(), kind) and _PROSE.search(para, m.end(), m.end() + 300):
            return m.end()
    return None


# A heading in capitals run into the middle of a paragraph by a PDF's reading order ("...
# Key words: seismology 1 INTRODUCTION Accurate arrival times ...", "... foundation model
# INTRODUCTION Single-cell ..."); not a table's or a figure's number ("Table 1 RESULTS OF"), and
# unnumbered only when long enough not to be an acronym ("DATA", "MODEL"); in title case only
# numbered and a top-level name ("... protein engineering 1 Introduction Predicting how ...")
_INLINE_CAPS = re.compile(r"(?<=[a-z.;:)])\s(?<!Table\s)(?<!Fig\.\s)(?<!Figure\s)(?<!Section\s)"
                          r"((?P<num>(?:\d{1,2}|[IVX]{1,4})\.?\s+)?[A-Z][A-Z &-]{2,40}[A-Z]"
                          r"|(?P<tnum>\d{1,2}\.?)\s(?:Introduction|Background|Related\s[Ww]orks?|"
                          r"Materials\sand\s[Mm]ethods|Methods|Methodology|Results|Discussion|"
                          r"Conclusions?))"
                          r"\s(?=[A-Z][a-z]|[A-H]\.\s[A-Z][a-z])")


_HEAD_NUMBER = re.compile(r"\s*(?:\d{1,2}|[IVX]{1,4})\.?\s*$")


def _split_inline_caps_headings(para: str) -> list[str]:
    # one left-to-right pass: a heading once split off is not searched again, so "II. RELATED
    # WORK" is not cut again between its number and its words
    out, start = [], 0
    for m in _INLINE_CAPS.finditer(para):
        head = m.group(1)
        if _HEAD_NUMBER.match(para, start, m.start()):
            continue    # the words of a numbered heading that opens the paragraph
        if _whole_heading_kind(head) is not None and (m.group("num") or m.group("tnum")
                                                       or len(head) >= 7):
            out.append(para[start:m.start()].rstrip())
            start = m.start(1)
    return [*out, para[start:]]


def separate_glued_headings(text: str) -> str:
    """A known heading that a PDF set in the body font, glued to the first sentence of its
    paragraph, becomes a paragraph of its own, so that no sentence starts with its words; a
    heading in capitals inside a paragraph starts a paragraph first."""
    out = []
    for para in (q for p in text.split("\n\n") for q in _split_inline_caps_headings(p)):
        end = _glued_lead_end(para)
        if end is not None and para[end:].strip():
            para = para[:end].rstrip() + "\n\n" + para[end:].lstrip()
        out.append(para)
    return "\n\n".join(out)


def heading_kind(s: str) -> str | None:
    """The section kind a heading starts, or None if ``s`` does not open with a known heading."""
    s = s.strip()
    kind = _whole_heading_kind(s)
    if kind is not None:
        return kind
    for kind, pat in _LEAD:
        m = pat.match(s)
        # the words after a glued heading are prose ("Methods Ecol Evol. 2021;12" is a header)
        if m and _lead_is_heading(m.group(), kind) and _PROSE.search(s, m.end(), m.end() + 300):
            return kind
    return None


def _lead_is_heading(lead: str, kind: str) -> bool:
    # the capitals branch matches any capitalised run: it must itself be a known heading
    if lead.isupper():
        return any(pat.match(lead.strip()) for k, pat in _HEADING if k == kind)
    return True


class SectionTracker:
    """Feed units in reading order; ``kind`` is the section the last unit belongs to."""

    def __init__(self):
        self.kind = "front"

    def feed(self, s: str, para_start: bool) -> str:
        if para_start:
            k = heading_kind(s)
            if k is None and self.kind in ("introduction", "related_work") and (
                    _TOP_NUMBERED.match(s.strip())
                    or (_TOP_GLUED.match(s) and _PROSE.search(s, 0, 300))):
                k = "methods"
            # front-matter headings later in a paper ("Keywords" set beside the introduction,
            # "Summary") do not end the section, but the abstract may follow the introduction's
            # heading in a PDF's reading order
            if k is not None and not (k == "front" and self.kind != "front" and not (
                    self.kind == "introduction" and _ABSTRACT.match(s))):
                self.kind = k
        return self.kind


_TITLE_BAD = re.compile(r"^(?:abstract|introduction|doi|https?:|www\.|keywords|received|\d)", re.I)
# A publisher's masthead line; the paper's title is the next block of lines (Elsevier page 1:
# "journal homepage: www.elsevier.com/locate/..." then the title, then the authors).
_MASTHEAD = re.compile(r"journal homepage:", re.I)
# What follows a title on a first page: authors (marked or listed), affiliations, e-mail, an
# abstract or keywords heading, dates. Without one of these after it, a first paragraph that
# looks like a title is a heading or a fragment of an excerpt's body, not the paper's title.
_FRONT_CUE = re.compile(r"^(?:abstract|summary|keywords?|key words|received|citation)\b|@|"
                        r"\b(?:universit|department|institute|faculty|school of|college)|"
                        r"^(?:[A-Z][\w'’.-]+\s){1,3}[A-Z][\w'’-]+[\d,*⁎†‡]*"
                        r"(?:\s*(?:,|and|&)\s*(?:[A-Z][\w'’.-]+\s){1,3}[A-Z][\w'’-]+[\d,*⁎†‡]*)+$",
                        re.I | re.M)
_AUTHOR_MARK = re.compile(r"[⁎*†‡✉]|@|\b[A-Z][a-z]+[a-z]?(?:,[a-z])*,?\s*$(?<=[a-z],)|"
                          r"^(?:[A-Z][\w'’.-]+\s){1,3}[A-Z][\w'’-]+[a-z](?:,[a-z])+")
TITLE_MAX_LINES = 4


def text_title(text: str) -> str | None:
    """A plain-text file's title: the block of lines after a publisher's masthead line (up to the
    authors' line), else the first paragraph if it reads like a title (3-30 words, no sentence
    end, starts with a capital, mostly letters, not a section heading) and front matter
    (authors, affiliations, abstract, keywords) follows it. Excerpts that start mid-paper get
    none: their first paragraph is body text."""
    lines = text[:20_000].splitlines()
    for i, line in enumerate(lines):
        if _MASTHEAD.search(line):
            block = []
            for ln in lines[i + 1:]:
                ln = ln.strip()
                if not ln and block or _AUTHOR_MARK.search(ln) or len(block) == TITLE_MAX_LINES:
                    break
                if ln:
                    block.append(ln)
            # a title after the masthead may open with a digit ("3DUNet...") or a quote mark
            title = _title_like(" ".join(" ".join(block).split()).strip("“”\"'"), numbered=True)
            if title:
                return title
    paras = text.strip().split("\n\n", 4)
    first = " ".join(paras[0].split())
    if heading_kind(first) is not None or not any(_FRONT_CUE.search(p) for p in paras[1:4]):
        return None
    return _title_like(first)


def _title_like(s: str, numbered: bool = False) -> str | None:
    words = s.split()
    # "A R T I C L E I N F O": letters spaced out are a block label
    if not words or sum(map(len, words)) < 2.5 * len(words) or not 3 <= len(words) <= 30 or len(s) > 250 or s.endswith((".", ",", ";")) \
            or not (s[:1].isupper() or numbered and s[:1].isdigit()) \
            or _TITLE_BAD.match(s) and not (numbered and s[:1].isdigit()):
        return None
    letters = sum(c.isalpha() for c in s)
    return s if letters >= 0.7 * len(s.replace(" ", "")) else None
