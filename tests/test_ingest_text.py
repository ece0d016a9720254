"""Decoding text files: encodings, recorded fallbacks, binary detection."""
from __future__ import annotations

import pytest

from extractor.ingest.text import decode_text
from extractor.ingest.types import IngestError

SAMPLE = "Na\u00efve Bayes and a caf\u00e9-grade GPU \u2013 trained for 12 epochs."


def test_utf8_with_and_without_bom():
    assert decode_text(SAMPLE.encode("utf-8")) == (SAMPLE, None)
    assert decode_text(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8")) == (SAMPLE, None)


def test_utf16_with_bom():
    assert decode_text(SAMPLE.encode("utf-16")) == (SAMPLE, None)


def test_cp1252_fallback_is_recorded():
    text, note = decode_text(SAMPLE.encode("cp1252"), "x.txt")
    assert text == SAMPLE
    assert "decoded as cp1252" in note and "offset 2" in note


def test_latin1_when_cp1252_cannot_decode():
    data = "caf\u00e9 ".encode("latin-1") + b"\x81 more words " * 3   # 0x81 is undefined in cp1252
    text, note = decode_text(data)
    assert text.startswith("caf\u00e9") and "latin-1" in note


def test_a_stray_nul_is_tolerated_but_binary_is_not():
    # (a PDF extractor wrote NUL for a lost ligature; the corpus has such a file)
    assert decode_text(b"an e\x00cient method. " + b"plain words here " * 100)[0].startswith("an e\x00cient")
    with pytest.raises(IngestError, match="binary content"):
        decode_text(bytes(range(256)) * 40, "junk.txt")
    with pytest.raises(IngestError, match="junk.txt"):
        decode_text(b"\x89PNG\r\n\x1a\n" + bytes(1000), "junk.txt")
