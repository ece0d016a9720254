"""Plain-text files (.txt, .md): decoding with a recorded fallback, binary detection."""
from __future__ import annotations

import codecs
import re

from extractor.ingest.types import IngestError

# Text with a few control characters is still text (form feeds, a NUL where a PDF extractor lost a
# ligature); more than this share of C0 controls in the first 64 KiB means the file is binary.
MAX_CONTROL_SHARE = 0.01
_CONTROL = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1B), 0x1C, 0x1D, 0x1E, 0x1F, 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_CONTROL_RE = re.compile("[" + re.escape(_CONTROL.decode("ascii")) + "]")


def decode_text(data: bytes, name: str = "file") -> tuple[str, str | None]:
    """Decode the bytes of a text file. Returns (text, note); note says which fallback was used.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as is; anything else is decoded as
    cp1252 where possible (the common "Windows" legacy encoding), else latin-1, and the note records
    it so a human can see the text may contain wrong characters.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _check_text(data.decode("utf-16"), name), None
        except UnicodeDecodeError as e:
            raise IngestError(f"{name}: has a UTF-16 byte-order mark but is not valid UTF-16 "
                              f"({e.reason} at byte {e.start})") from None
    try:
        return _check_text(data.decode("utf-8-sig"), name), None
    except UnicodeDecodeError as e:
        where = e.start
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return _check_text(text, name), (f"not valid UTF-8 (first bad byte at offset {where}); "
                                         f"decoded as {enc}")
    raise AssertionError("latin-1 decodes any byte string")


def _check_text(text: str, name: str) -> str:
    sample = text[:65536]
    if sample:
        if sample.isascii():   # count at C speed on bytes (the usual case)
            controls = len(sample.encode("ascii").translate(None, _NOT_CONTROL))
        else:
            controls = len(_CONTROL_RE.findall(sample))
        if controls / len(sample) > MAX_CONTROL_SHARE:
            raise IngestError(f"{name}: binary content ({controls} control characters in the first "
                              f"{len(sample)}), not a text file")
    return text
