"""Property-based tests (hypothesis) of the offset maps every stored quote relies on:
normalisation maps, chunk offsets and pages, quote location, verification.

Generated text mixes the hostile material papers bring: ligatures, line-end hyphenation,
control characters and ANSI escapes, RTL scripts and bidi controls, emoji (ZWJ sequences),
combining marks, typographic quotes and dashes, `(cid:N)` runs, very long lines and random
page breaks. The number of examples is bounded in CI (profile "ci", tests/conftest.py);
HYPOTHESIS_PROFILE=many (METHEX_HYPOTHESIS_EXAMPLES, default 2000) runs a larger number.
"""
from __future__ import annotations

import difflib
import unicodedata

import pytest
from hypothesis import example, given, note, strategies as st

from extractor.backends.base import Candidate, Passage
from extractor.ingest.chunk import make_chunks, page_of
from extractor.ingest.normalize import (normalize, normalize_for_match,
                                        normalize_for_match_with_map, normalize_with_map)
from extractor.schemas.catalog import MIN_QUOTE_CHARS, load_schema
from extractor.verify import FUZZY_MIN_RATIO, _clean_quote, locate_quote, verify

PIECES = [
    "the ", "model ", "was ", "trained ", "with ", "Adam ", "on ", "NVIDIA A100 ", "GPUs. ",
    "We ", "used ", "a ", "learning rate of 0.001. ", "Fig. 3 ", "et al. ", "e.g. ",
    "\ufb01ne-tuning ", "e\ufb00ect ", "o\ufb03ce ", "\ufb02ow ",                   # ligatures
    "classi-\nfication ", "pre-\ntrained ", "Sentinel-\n2 ", "soft\u00adhyphen ",    # hyphens
    "\x00", "\x07", "\x1b[31mred\x1b[0m ", "\x7f", "\x0c", "\r\n", "\x1b]0;title\x07",
    "\u05e9\u05dc\u05d5\u05dd ", "\u0645\u0631\u062d\u0628\u0627 ", "\u202eevil\u202c ",
    "\u2066iso\u2069 ", "\u200f", "\u200b", "\ufeff",                                  # bidi
    "\U0001F600 ", "\U0001F469\u200d\U0001F52C ", "\U0001F1EB\U0001F1F7 ",           # emoji
    "e\u0301 ", "\u0301", "n\u0303o ", "\u00c5ngstr\u00f6m ",                        # marks
    "\u201cquoted\u201d ", "\u2018it\u2019s\u2019 ", "10\u201320 ", "\u2014 ", "\u2212",
    "(cid:12)", "(cid:3)(cid:4)", "(cid:127) ",
    " ", "  ", "\n", "\n\n", "\n \n\n", "\t", "\u00a0", "\u2028", "\u3000",
]

piece = st.one_of(st.sampled_from(PIECES), st.sampled_from(PIECES),
                  st.text(max_size=6),                               # any code points
                  st.builds(lambda w, n: (w + " ") * n,              # a very long line
                            st.sampled_from(["data", "x\ufb01y", "\u05d0\u05d1"]),
                            st.integers(200, 1500)))
texts = st.lists(piece, max_size=60).map("".join)


def _check_map(src: str, out: str, omap: list[int], fold: bool) -> None:
    assert len(omap) == len(out) + 1 and omap[-1] == len(src)
    assert all(0 <= a <= b for a, b in zip(omap, omap[1:]))
    for i, ch in enumerate(out):
        j = omap[i]
        assert j < len(src)
        orig = src[j]
        # Known coarseness (see test_ligature_inside_a_non_ascii_run_maps_to_its_own_index):
        # when NFKC changes the length of a run of non-ASCII characters, every output
        # character of the run maps to the run's first index. The run is counted in the
        # source, where dropped controls (an ANSI escape: up to ~20 characters) may sit in it.
        # The run starts at the mapped character even when that one is ASCII: "A" + a combining
        # accent + an emoji sequence is one run for NFKC.
        k = j + 1
        while k < len(src) and (not src[k].isascii() or unicodedata.category(src[k]) == "Cc"):
            k += 1
        around = src[max(0, j - 1):k + (24 if k > j + 1 else 4)]
        forms = {unicodedata.normalize("NFKC", around), around}
        if fold:
            forms |= {f.casefold() for f in forms} | {normalize_for_match(around)}
        if ch.isspace():        # white space stands for white space (or a joined line end)
            assert (orig.isspace() or orig in "-\u2010"
                    or any(c.isspace() for f in forms for c in f)), (i, ch, around)  # "´"
        elif orig.isascii() and not fold and not unicodedata.combining(src[j + 1:j + 2] or "a"):
            assert ch == orig, (i, ch, orig)
        else:                   # NFKC (+ casefold) of the source character and its marks
            assert any(ch in f for f in forms) or ch in "'\"-", (i, ch, around)


@given(texts)
def test_normalize_map_points_back_at_the_original(s):
    out, omap = normalize_with_map(s)
    assert out == normalize(s)          # the fast path and the mapped path agree
    _check_map(s, out, omap, fold=False)
    assert normalize(out) == out        # stored text is a fixed point
    assert not any(c in out for c in "\x00\x1b\u202e\u00ad\u200b")


@given(texts)
@example("A\u0301\U0001F469\u200d\U0001F52C ")      # found by CI: an accent, then an emoji sequence
def test_match_form_map_points_back_at_the_original(s):
    out, omap = normalize_for_match_with_map(s)
    assert out == normalize_for_match(s)
    _check_map(s, out, omap, fold=True)


@pytest.mark.xfail(strict=True, reason="normalize._map_non_ascii maps a whole non-ASCII run "
                   "to its first index when NFKC changes its length (found by the property "
                   "test above); evidence spans then start early but still hold the quote")
@pytest.mark.parametrize("s", ["\u00e9\ufb01ne", "\x80\ufb01ne", "\U0001F600\ufb01ne"])
def test_ligature_inside_a_non_ascii_run_maps_to_its_own_index(s):
    out, omap = normalize_with_map(s)
    assert s[omap[out.index("f")]] == "\ufb01"


pages = st.lists(texts, min_size=1, max_size=5)


def _join_pages(raw_pages: list[str]) -> tuple[str, list[int]]:
    """As ingestion joins PDF pages: normalised pages, a blank line between non-empty ones."""
    parts, starts, pos = [], [], 0
    for part in map(normalize, raw_pages):
        if parts and part:
            parts.append("\n\n")
            pos += 2
        starts.append(pos)
        if part:
            parts.append(part)
            pos += len(part)
    return "".join(parts), starts


@given(pages, st.booleans())
def test_chunks_hold_their_text_tile_the_document_and_stay_on_one_page(raw_pages, paged):
    text, starts = _join_pages(raw_pages) if paged else (normalize("".join(raw_pages)), None)
    chunks = make_chunks(text, starts)
    covered = 0
    for k, c in enumerate(chunks):
        assert c.ord == k and text[c.start:c.end] == c.text and c.start < c.end
        assert c.start >= covered, "chunks overlap or are out of order"
        assert text[covered:c.start].strip() == "", "text between chunks is lost"
        covered = c.end
        if starts:
            assert page_of(starts, c.start) == page_of(starts, c.end - 1) == c.page
        else:
            assert c.page is None
    assert text[covered:].strip() == ""


def _quote_strategy(text_st):
    """(text, quote): a span of the text, often rewritten the way models rewrite quotes."""
    @st.composite
    def build(draw):
        text = normalize(draw(text_st))
        if len(text) < MIN_QUOTE_CHARS:
            text = normalize(text + " the model was trained with Adam")
        a = draw(st.integers(0, len(text) - 1))
        b = draw(st.integers(a + 1, min(len(text), a + 300)))
        quote = text[a:b]
        how = draw(st.sampled_from(["as is", "upper", "spaces", "ligature", "mutate",
                                    "random"]))
        if how == "upper":
            quote = quote.upper()
        elif how == "spaces":
            quote = quote.replace(" ", "\n  ")
        elif how == "ligature":
            quote = quote.replace("fi", "\ufb01")
        elif how == "mutate" and quote:
            i = draw(st.integers(0, len(quote) - 1))
            quote = quote[:i] + draw(st.characters()) + quote[i + 1:]
        elif how == "random":
            quote = draw(st.text(min_size=MIN_QUOTE_CHARS, max_size=40))
        note(f"{how}: {quote!r}")
        return text, quote, how
    return build()


def _holds(text: str, m, quote: str) -> bool:
    """The span at m's offsets holds the quote, in match form (fuzzy: up to its ratio)."""
    span = normalize_for_match(text[m.start:m.end])
    fq = normalize_for_match(_clean_quote(quote))
    if m.match != "fuzzy":
        return fq in span
    blocks = difflib.SequenceMatcher(None, span, fq, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks if b.size >= 3) >= FUZZY_MIN_RATIO * len(fq)


@given(_quote_strategy(texts), st.booleans())
@example(("Models were trained in PyTorch on two GPUs.", "trained in PYTORCH", "upper"), False)
def test_a_located_quote_is_at_its_offsets(tq, in_passages):
    text, quote, how = tq
    passages = None
    if in_passages:
        passages = [Passage(c.ord, c.text, c.start, c.page) for c in make_chunks(text)]
    m = locate_quote(text, quote, passages)
    if m is None:
        # a verbatim span of the stored text is always found (when long enough to count,
        # and inside one passage when passages are given)
        inside = not passages or any(quote in p.text for p in passages)
        assert not (how == "as is" and inside and len(_clean_quote(quote)) >= MIN_QUOTE_CHARS
                    and _clean_quote(quote) in text), quote
        return
    assert 0 <= m.start < m.end <= len(text)
    assert _holds(text, m, quote), (text[m.start:m.end], quote)


FRAMEWORKS = next(f for g in load_schema().groups for f in g.fields if f.key == "frameworks")


@given(_quote_strategy(texts.map(lambda t: t + " All models were implemented in PyTorch. "
                                 + t[::-1])), st.sampled_from(["PyTorch", "pytorch", "Keras"]))
def test_verification_stores_a_value_only_with_its_quote_at_its_offsets(tq, value):
    text, quote, _ = tq
    passages = [Passage(c.ord, c.text, c.start, c.page) for c in make_chunks(text)]
    cands = [Candidate("frameworks", value, quote),
             Candidate("frameworks", value, "implemented in PyTorch")]
    verdicts = verify(cands, [FRAMEWORKS], text, passages)
    if value != "Keras":        # the control: a true value with a true quote is accepted
        assert any(v.accepted for v in verdicts), [v.reason for v in verdicts]
    for v in verdicts:
        if not v.accepted:
            continue
        assert v.matches, "an accepted value without evidence"
        for m, _ in v.matches:
            if m.match == "relocated":
                # verification chose the sentence (the quote given did not verify the value):
                # it states the value, and the quote given is still found in the passages
                assert normalize_for_match(v.candidate.value) in normalize_for_match(
                    text[m.start:m.end])
                assert locate_quote(text, v.candidate.quote, passages) is not None
                continue
            assert _holds(text, m, v.candidate.quote), (text[m.start:m.end], v.candidate.quote)
            # inside one passage read, or across two read passages that meet in the text (a
            # sentence longer than a chunk is cut at white space)
            ordered = sorted(passages, key=lambda p: p.start)
            spans = [(p.start, p.start + len(p.text)) for p in ordered]
            spans += [(p.start, q.start + len(q.text)) for p, q in zip(ordered, ordered[1:])
                      if p.start + len(p.text) <= q.start
                      and not text[p.start + len(p.text):q.start].strip()]
            assert any(a <= m.start and m.end <= b for a, b in spans), \
                "evidence outside the passages read"
