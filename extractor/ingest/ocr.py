"""OCR of pages without a text layer, with tesseract when it is installed (found at run time).

tesseract is a system program (Debian/Ubuntu: ``apt-get install tesseract-ocr``; macOS:
``brew install tesseract``), not a Python package, so it is looked up on PATH for each PDF that
needs it. A page is rendered by pdfium at 300 dpi and handed over as a binary PGM (no imaging
library needed).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

OCR_DPI = 300
OCR_TIMEOUT = 120          # seconds per page
INSTALL_HINT = ("install tesseract to OCR it (Debian/Ubuntu: apt-get install tesseract-ocr; "
                "macOS: brew install tesseract), then ingest the file again")


def tesseract() -> str | None:
    return shutil.which("tesseract")


def ocr_page(page, exe: str) -> str:
    """Text of one pdfium page by OCR ("" if tesseract fails on it)."""
    bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
    try:
        w, h, stride = bitmap.width, bitmap.height, bitmap.stride
        buf = bytes(bitmap.buffer)
    finally:
        bitmap.close()
    # one byte per pixel (grey); rows may be padded to the stride
    pixels = b"".join(buf[y * stride:y * stride + w] for y in range(h))
    with tempfile.TemporaryDirectory() as d:
        img = Path(d) / "page.pgm"
        img.write_bytes(b"P5\n%d %d\n255\n" % (w, h) + pixels)
        try:
            r = subprocess.run([exe, str(img), "stdout"], capture_output=True, timeout=OCR_TIMEOUT)
        except subprocess.TimeoutExpired:
            return ""
    return r.stdout.decode("utf-8", "replace") if r.returncode == 0 else ""

