"""Normalisation rules and the offset map back to the original text."""
from __future__ import annotations

import pytest

from extractor.ingest.normalize import (normalize, normalize_for_match,
                                        normalize_for_match_with_map, normalize_with_map)

CASES = [
    # (raw, stored form)
    ("\ufb01sh \ufb02ow e\ufb00ort o\ufb03ce wa\ufb04e \ufb05op \ufb06ep",
     "fish flow effort office waffle stop step"),
    ("the classi-\nfication step", "the classification step"),
    ("the classi-  \r\n  fication step", "the classification step"),
    ("Sentinel-\n2 imagery", "Sentinel- 2 imagery"),            # digit after the break: keep dash
    ("see Table-\nA", "see Table-A"),                           # capital after the break: keep
    ("a state-of-the-\nart model", "a state-of-the-art model"),  # compound: keep its hyphen
    ("a   b\t\tc\u00a0d", "a b c d"),
    ("line one\nline two", "line one line two"),
    ("para one.\n\n\n  para two.\n \n para three.", "para one.\n\npara two.\n\npara three."),
    ("  \n leading and trailing \n\n ", "leading and trailing"),
    ("soft\u00adhyphen zero\u200bwidth nul\x00byte", "softhyphen zerowidth nulbyte"),
    ("e\u0301te", "\u00e9te"),                                  # NFKC composes accents
    ("x\u00b2 \u2460 \uff21", "x2 1 A"),                          # NFKC compatibility forms
    ("", ""),
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_stored_form(raw, expected):
    assert normalize(raw) == expected
    text, omap = normalize_with_map(raw)
    assert text == expected
    assert len(omap) == len(text) + 1 and omap[-1] == len(raw)


@pytest.mark.parametrize("raw,_", CASES)
def test_map_points_at_the_source_characters(raw, _):
    text, omap = normalize_with_map(raw)
    assert omap == sorted(omap)                      # monotone
    for i, ch in enumerate(text):
        src = raw[omap[i]]
        if ch.isascii() and ch.isalnum() and src.isascii():
            assert src == ch                         # an ASCII letter maps to itself
        if ch == " " or ch == "\n":
            assert src.isspace()                     # folded white space maps to white space


def test_map_recovers_original_span():
    raw = "We  used the classi-\nfication net\ufb01ne on\n\n  new data."
    text, omap = normalize_with_map(raw)
    s = text.index("classification")
    e = s + len("classification")
    assert raw[omap[s]:omap[e]] == "classi-\nfication"
    s = text.index("fine")
    assert raw[omap[s]:omap[s + 4]] == "\ufb01ne"


def test_match_form_folds_case_quotes_dashes_and_hyphen_breaks():
    assert normalize_for_match("The \u201cBest\u201d Model \u2013 ResNet\u201150") == \
        'the "best" model - resnet-50'
    assert normalize_for_match("classi- fication") == "classification"
    assert normalize_for_match("classi-\nfication") == "classification"
    assert normalize_for_match("state-of-the- art") == "state-of-the-art"
    assert normalize_for_match("para one.\n\npara two") == "para one. para two"
    assert normalize_for_match("Stra\u00dfe \ufb01ne") == "strasse fine"


def test_match_map_is_consistent():
    raw = "A \u201cQuoted\u201d Stra\u00dfe, re-\nsized"
    text, omap = normalize_for_match_with_map(raw)
    assert text == normalize_for_match(raw) == 'a "quoted" strasse, resized'
    assert len(omap) == len(text) + 1
    s = text.index("resized")
    assert raw[omap[s]:omap[s + len("resized")]] == "re-\nsized"


def test_fast_and_mapped_stored_forms_agree_on_messy_text():
    raw = ("Intro\u00ad duc-\ntion \ufb01\ufb02  \n\n\n\u200b\n\nMore\u00a0text e\u0301 \u2013 "
           "end-\n\n of \t line\x0c page\r\nnext")
    assert normalize(raw) == normalize_with_map(raw)[0]


def test_bidi_controls_are_dropped_with_exact_offsets():
    raw = "We used \u202eModelX\u202c and \u2066data\u2069 here."
    text, omap = normalize_with_map(raw)
    assert text == normalize(raw) == "We used ModelX and data here."
    s = text.index("ModelX")
    assert raw[omap[s]:omap[s + len("ModelX") - 1] + 1] == "ModelX"
    for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert normalize(f"a{c}b") == "ab"


def test_ansi_escape_sequences_are_dropped_whole():
    raw = "The \x1b[1;31mlearning rate\x1b[0m was 0.01.\x1b]0;title\x07 Done\x1bM."
    text, omap = normalize_with_map(raw)
    assert text == normalize(raw) == "The learning rate was 0.01. Done."
    s = text.index("learning rate")
    assert raw[omap[s]:omap[s + len("learning rate") - 1] + 1] == "learning rate"
    # a lone escape character goes, the letter after it stays
    assert normalize("a\x1bb") == "ab"
