"""Cheap text classifiers: unreadable text, reference entries, boilerplate, the paper's DOI.

All of them are regular expressions over the normalised text; they are tuned to err towards
"ordinary text", because a methods sentence wrongly hidden as a reference is lost evidence,
while a reference entry wrongly kept only costs a little retrieval noise.
"""
from __future__ import annotations

import bisect
import re

from extractor.ingest import gibberish

# --- unreadable text --------------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")
CID_MAX_SHARE = 0.5        # share of non-space characters inside (cid:NN) codes
LETTER_MIN_SHARE = 0.35    # share of non-space characters that are letters
MIN_LETTERS = 40           # fewer letters than this: nothing to extract from


_NOT_ASCII_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def count_letters(text: str) -> int:
    """Letters in ``text``; bytes.translate does the (dominant) ASCII part at C speed."""
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTER))
    if text.isascii():
        return ascii_letters
    return ascii_letters + sum(c.isalpha() for run in _NON_ASCII_RUN.findall(text) for c in run)


def unreadable_reason(text: str) -> str | None:
    """One-line reason why ``text`` cannot be used, or None when it is readable."""
    nonspace = len(text) - sum(text.count(c) for c in " \n")
    if nonspace == 0:
        return "no text (empty after extraction)"
    cid = sum(len(m) for m in _CID.findall(text)) if "(cid:" in text else 0
    if cid / nonspace > CID_MAX_SHARE:
        return (f"text is mostly (cid:NN) font codes ({cid / nonspace:.0%} of characters): the PDF's "
                f"fonts have no Unicode mapping")
    letters = count_letters(_CID.sub("", text) if cid else text)
    if letters < MIN_LETTERS:
        return f"almost no text ({letters} letters)"
    if letters / nonspace < LETTER_MIN_SHARE:
        return f"text is mostly non-letters (only {letters / nonspace:.0%} letters)"
    if gibberish.is_gibberish(text):
        share, n = gibberish.common_word_share(text)
        return (f"text is not words (only {share:.0%} of {n} words are common words): the PDF's "
                f"font maps letters to wrong codes and no constant shift decodes it")
    return None


# --- reference entries -------------------------------------------------------------------------

_NAME = r"[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?"
_INITIALS = r"(?:[A-Z]\.[ -]?){1,3}"
# Where an entry starts: optional number, then "Surname, A. B.," / "Surname, A. et al." /
# "Surname AB," (Vancouver) / "A. B. Surname," or "A. B. Surname et al." (IEEE)
_NOT_NAMES = (r"(?!(?:Appendix|Table|Figure|Fig|Section|Supplementary|Step|Eq|Equation|Phase|Class|"
              r"Type|Model|Group|Stage|Part|Experiment|Case|Scenario|Layer|Block|Level|Site|Area|"
              r"Zone|Plot|Region|Species|Batch|Dataset|Task|Method|Test)\b)")
_ENTRY_START = re.compile(
    r"^(?:\[\d{1,3}\]\s*|\d{1,3}\.\s+|•\s*)?" + _NOT_NAMES +
    rf"(?:{_NAME},\s{_INITIALS}(?:,|\s?&|\s?et al|\sand\b)"
    rf"|{_NAME} [A-Z]{{1,3}}(?:,|\s\(|\.\s)"
    rf"|{_INITIALS}{_NAME}(?:,|\set al\.))"
)
# Signals of a reference entry, each with a weight. They are searched once over a whole document
# (RefSignals), and most start with a literal so the regex engine can skip text quickly.
_SIGNALS: list[tuple[re.Pattern, float]] = [
    # author list "Surname, A.B.," (several in an entry)
    (re.compile(r",(?<=[a-z'’],)\s(?:[A-Z]\.[ -]?){1,3}"), 1.0),
    # year right after the authors: "Doe, A., 2019." / "Doe AB (2019)" / "(2017)." at an end
    (re.compile(r"\.(?<=[A-Z]\.),? \(?(?:19|20)\d\d[a-z]?\)?[.,:]"), 1.5),
    (re.compile(r" \((?<=\b[A-Z] \()(?:19|20)\d\d[a-z]?\)|"
                r" \((?<=[A-Z][A-Z] \()(?:19|20)\d\d[a-z]?\)"), 1.5),
    (re.compile(r"\((?:19|20)\d\d[a-z]?\)\.(?:\s|$)"), 1.0),
    # volume (issue), pages: "12, 34–56" / "11 (7), 887" / "107 (11): 1577-1587"
    # (after a journal word, so lists of numbers such as "[32, 64, 128, 256]" do not count)
    (re.compile(r"\d(?<=[A-Za-z.] \d)\d{0,3} ?(?:\(\d{1,4}(?:[-–]\d{1,4})?\))?(?:, |: ?)"
                r"(?:e|[A-Z]{0,2})?(?:\d{1,7}[-–‐]\d{1,7}(?=[.,;]|\s\(|$)|\d{3,7}(?=[.;]|$))"), 1.5),
    # full-name author lists end with the year: "Li, Hui, 2022. Title"
    (re.compile(r", (?<=[a-z], )(?:19|20)\d\d[a-z]?\. [A-Z]"), 1.5),
    (re.compile(r"p(?<!\wp)p?\. ?\d"), 1.0),
    # a DOI, except those of data repositories (Dryad, Zenodo, figshare, PANGAEA): data availability
    # (Dryad, Zenodo, figshare, PANGAEA, OSF, GBIF, Mendeley Data; and see _AVAILABILITY below)
    (re.compile(r"10\.(?<!\d10\.)(?!5061/|5281/|6084/|1594/|17605/|15468/|17632/)\d{4,9}/\S"), 2.0),
    # pages then year: "2818–2826 (2016)" (one literal pattern per dash: faster than a class)
    (re.compile(r"–(?<=\d–)\d{1,6} \((?:19|20)\d\d[a-z]?\)"), 1.0),
    (re.compile(r"-(?<=\d-)\d{1,6} \((?:19|20)\d\d[a-z]?\)"), 1.0),
    # venue words; one literal each, as a literal scan is several times faster than an alternation
    *((re.compile(re.escape(k)), 1.0) for k in (
        "In: ", "Proc.", "Proceedings of", "Conference on", "arXiv", "ArXiv", "Retrieved from",
        "(Ed", "(ed", "Accessed", "Journal of", "URL:")),
    (re.compile(r"Vol\. ?\d"), 1.0),
    # abbreviated journal words: "Remote Sens. Environ.", "Ecol. Inform." (word checked below)
    (re.compile(r"\. [A-Z]"), 0.75),
    (re.compile(r"et al\. [A-Z][a-z]"), 0.5),
]
_ABBREV_END = _SIGNALS[-2][0]
_DOI_SIGNAL = next(p for p, _ in _SIGNALS if p.pattern.startswith("10"))
_AVAILABILITY = re.compile(r"[Aa]vailab|[Dd]eposit|[Aa]rchiv|[Rr]epositor|[Dd]ownload|[Ss]upplementa|"
                           r"[Aa]ccessible|[Cc]ode (?:is|at)|[Dd]ata (?:is|are|at)")
_JOURNAL_ABBREV = frozenset(
    "J Proc Trans Rev Lett Sci Ecol Inform Sens Res Int Conf Comput Biol Environ Appl Stat Mach "
    "Intell Anal Syst Geosci Med Evol Natl Acad Mar Zool Bot Technol Eng Neural Vis Recognit "
    "Process Agric Conserv Manag Ann Annu Soc Am Eur Geogr Hydrol Remote Earth Obs".split())
# In-text citations look reference-like but sit inside prose: "(Smith et al., 2019; Doe, 2020)".
# A bare "(2016)" is not one: Nature-style entries end with it.
_IN_TEXT_CITATION = re.compile(r"\((?=[^()]{0,300}?[A-Za-z])[^()]{0,300}?(?:19|20)\d\d[a-z]?[^()]{0,300}?\)")
_PROSE_WORDS = frozenset("we our was were is are used using trained training model data network "
                         "image images result results this these which available code here".split())
_REF_HEADING = re.compile(
    # plural only: a lone "Reference" is usually a table column header
    r"^(?:\d{1,2}\.?\s*)?(?:references(?: cited)?|reference list|bibliography|literature cited|"
    r"works cited|cited literature)\s*:?$", re.I)
_SECTION_AFTER_REFS = re.compile(r"^(?:appendix|supplementary|supporting information)\b", re.I)


def is_reference_heading(s: str) -> bool:
    return len(s) < 40 and _REF_HEADING.match(s.strip()) is not None


def ends_reference_section(s: str) -> bool:
    return len(s) < 80 and _SECTION_AFTER_REFS.match(s.strip()) is not None


class RefSignals:
    """Reference-entry signals of one text, found once; ``score(a, b)`` rates any span of it."""

    def __init__(self, text: str):
        self.text = text
        cites = [m.span() for m in _IN_TEXT_CITATION.finditer(text)] if "(" in text else []
        events = []
        for pat, w in _SIGNALS:
            if pat is _DOI_SIGNAL:
                # a DOI announced as where data or code is kept is availability, not a citation
                events += [(m.start(), w) for m in pat.finditer(text)
                           if not _AVAILABILITY.search(text, max(0, m.start() - 80), m.start())]
            elif pat is _ABBREV_END:
                events += [(m.start(), w) for m in pat.finditer(text)
                           if text[max(0, m.start() - 9):m.start()].rsplit(" ", 1)[-1] in _JOURNAL_ABBREV]
            else:
                events += [(m.start(), w) for m in pat.finditer(text)]
        if cites:
            starts = [a for a, _ in cites]
            events = [(p, w) for p, w in events
                      if not (i := bisect.bisect_right(starts, p)) or p >= cites[i - 1][1]]
        events.sort()
        self._pos = [p for p, _ in events]
        self._cum = [0.0]
        for _, w in events:
            self._cum.append(self._cum[-1] + w)

    def score(self, a: int, b: int) -> float:
        """How reference-entry-like text[a:b] is, per 150 characters (0 = prose)."""
        if b - a < 8:
            return 0.0
        s = self.text[a:b]
        raw = 2.0 if _ENTRY_START.match(s) else 0.0
        raw += self._cum[bisect.bisect_left(self._pos, b)] - self._cum[bisect.bisect_left(self._pos, a)]
        scale = 150 / max(b - a, 150)
        if raw * scale < 0.3:
            return raw * scale     # too weak to matter: skip the prose count
        # Prose words pull the score down; reference titles have some, so only a little.
        prose = len(_PROSE_WORDS.intersection(s.lower().split()))
        return max(raw - 0.25 * prose, 0.0) * scale


def reference_score(s: str) -> float:
    """How reference-entry-like ``s`` is, per 150 characters (0 = prose)."""
    return RefSignals(s).score(0, len(s))


REFERENCE_THRESHOLD = 1.5


def looks_like_reference(s: str) -> bool:
    return reference_score(s) >= REFERENCE_THRESHOLD


# --- boilerplate ---------------------------------------------------------------------------------

# Only unmistakable publisher furniture: phrases that also occur in methods text ("images were
# downloaded from iNaturalist", "data are available online at", "the code is licensed under MIT",
# "each image received 3 labels") are matched only in their publisher form.
_DATE = r"\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+,? \d{4}"
_BOILERPLATE = re.compile(
    r"©|\(c\) ?(?:19|20)\d\d|all rights reserved|journal homepage|contents lists available|"
    r"corresponding authors?(?: at)?[:.]|e-?mail(?: address(?:es)?)?:|\S+@\S+\.[a-z]{2,}|"
    r"creative commons|open access article|downloaded from \S+ by|downloaded on [A-Z][a-z]+ \d|"
    r"authorized licensed use|restrictions apply(?! to\b)|"
    rf"received:? {_DATE}|accepted:? {_DATE}|available online:? {_DATE}|received in revised form|"
    r"published by elsevier|this article was submitted to|specialty section:",
    re.I)
# Running header (case-sensitive, so the word pieces cannot backtrack into each other):
# "EcologicalInformatics70(2022)101733 A. Toosi et al."
# and a page header "2 Sahraoui M et al" / "Smith et al. 7"
_RUNNING_HEADER = re.compile(r"^[A-Z][a-z]+(?: ?[A-Z][a-z]+)* ?\d+ ?\((?:19|20)\d\d\) ?\d+"
                             r"|^\d{1,4} [A-Z][^\s,]+(?: [A-Z]{1,3})? et al\.?$"
                             r"|^[A-Z][^\s,]+(?: [A-Z]{1,3})? et al\.? \d{1,4}$")
# An address: institution word, commas, a postcode or a trailing place name; never with a verb.
_AFFILIATION = re.compile(r"\b(?:department|university|institute|faculty|school of|laborator|"
                          r"college|centre|center)\b.*\b(?!(?:19|20)\d\d\b)\d{4,6}\b|\b(?:department|university|"
                          r"institute|faculty)\b.*,\s*[A-Z][a-z]+$", re.I)
_VERB = re.compile(r"\b(?:we|was|were|is|are|used|using|has|have|had|been)\b", re.I)
BOILERPLATE_MAX_CHARS = 400


_BOILER_GATE = ("©", "(c", "(C", "ights reserved", "omepage", "ontents lists", "uthor", "mail",
                "@", "ommons", "pen access", "ownloaded", "estrictions", "eceived",
                "ccepted", "vailable online", "ublished by", "his article", "epartment",
                "niversity", "nstitute", "aculty", "chool of", "aborator", "ollege", "entre",
                "enter", "(20", "(19", "et al", "ubmitted to", "pecialty section")


def boilerplate_keys(text: str) -> tuple[str, ...]:
    """The gate keywords present in a whole document: a unit without any cannot be boilerplate."""
    return tuple(k for k in _BOILER_GATE if k in text)


def looks_like_boilerplate(s: str, keys: tuple[str, ...] = _BOILER_GATE) -> bool:
    """Short lines that are publisher furniture: copyright, licences, emails, affiliations.

    ``keys`` (from boilerplate_keys of the whole text) narrows the cheap substring gate."""
    if len(s) > BOILERPLATE_MAX_CHARS or not any(k in s for k in keys):
        return False
    if _BOILERPLATE.search(s) is not None or _RUNNING_HEADER.match(s) is not None:
        return True
    return ("," in s and len(s) <= 250 and _AFFILIATION.search(s) is not None
            and _VERB.search(s) is None)


def furniture_start(s: str) -> int | None:
    """Offset of the first unmistakable publisher phrase in s (where a page footer such as
    "Authorized licensed use limited to: ... Restrictions apply." begins), or None."""
    m = _BOILERPLATE.search(s)
    return None if m is None else m.start()


# --- DOI ------------------------------------------------------------------------------------------

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_DOI_CUE = re.compile(r"(?:doi\.org/|doi:?\s?|DOI:?\s?)$", re.I)
_STEM_DOI = re.compile(r"^10\.\d{4,9}_")


def doi_from_stem(stem: str) -> str | None:
    """Corpus files are named by DOI with '/' written as '_' (the first '_' is the slash)."""
    if _STEM_DOI.match(stem):
        return stem.replace("_", "/", 1)
    return None


def clean_doi(doi: str) -> str:
    return doi.rstrip(".,;:)]}'\"").rstrip(".")


def before_references(text: str) -> str:
    """``text`` up to its first reference-list heading line."""
    pos = 0
    for line in text.splitlines(keepends=True):
        if is_reference_heading(line):
            return text[:pos]
        pos += len(line)
    return text


def find_doi(text: str, exclude: list[tuple[int, int]] = (), head_chars: int = 3000,
             header: int = 0) -> str | None:
    """The paper's own DOI, or None.

    Candidates are DOIs outside the ``exclude`` spans (reference entries); one announced by
    "doi.org/" or "doi:" within the first ``head_chars`` characters is preferred. A cued DOI in the
    first ``header`` characters (a PDF's first-page header, where journals print the article's own
    DOI) counts even inside an excluded span, because a header line with a DOI looks like a
    reference entry.
    """
    found = []
    for m in _DOI.finditer(text):
        cued = _DOI_CUE.search(text[max(0, m.start() - 12):m.start()]) is not None
        if cued and m.start() < header:
            return clean_doi(m.group())
        if any(a <= m.start() < b for a, b in exclude):
            continue
        found.append((m.start(), cued, clean_doi(m.group())))
    for pos, cued, doi in found:
        if cued and pos < head_chars:
            return doi
    return found[0][2] if found else None
