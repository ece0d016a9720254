"""URLs wrapped over lines and pages, on PDFs made here with reportlab: each class of cut seen in
real papers (closing bracket after the rest, three lines, a cut inside a file name, a page
break with a figure caption in between, pdfium's plain-text fallback)."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.ingest.pdf import paragraphs_from_lines
from extractor.ingest.pipeline import parse_bytes
from extractor.ingest.urlcut import url_continues

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

W, H = A4
FILLER = ["Further body text about the recordings of owls in the forest at night."] * 6


def pdf_text(p: Path, pages: list[list[str]], caption: str | None = None) -> str:
    c = canvas.Canvas(str(p), pagesize=A4)
    for n, rows in enumerate(pages):
        y = 740
        c.setFont("Helvetica", 10)
        for r in rows:
            c.drawString(60, y, r)
            y -= 13
        if caption and n == 0:      # drawn after the body: pdfium reads it after the URL's start
            c.setFont("Helvetica", 8)
            c.drawString(60, 780 - 13 * 3, caption)
        c.showPage()
    c.save()
    doc = parse_bytes(p, p.read_bytes())
    assert all(doc.text[k.start:k.end] == k.text for k in doc.chunks)
    return doc.text


def test_url_rest_closed_by_bracket_is_joined(tmp_path):
    text = pdf_text(tmp_path / "u.pdf", [FILLER + [
        "The code is available on GitHub (https://github.",
        "com/example/owlnet). We trained it on one card and the tool",
        "(http://www.example.", "de/) hosts the recordings (https://www.",
        "owls.example.org/via/via-1.0.6.html; Doe 2020) for everyone."] + FILLER])
    assert "(https://github.com/example/owlnet). We" in text
    assert "(http://www.example.de/) hosts" in text
    assert "(https://www.owls.example.org/via/via-1.0.6.html; Doe" in text


def test_url_over_three_lines_and_cut_in_a_file_name(tmp_path):
    text = pdf_text(tmp_path / "u3.pdf", [FILLER + [
        "distributed under the licence (https://", "creativecommons.org/licenses/by/",
        "4.0/). Data: https://www.example.org/content/html/Razavian_CN",
        "N_Features_2014_paper.html and more text."] + FILLER])
    assert "(https://creativecommons.org/licenses/by/4.0/)." in text
    assert "html/Razavian_CNN_Features_2014_paper.html and" in text


def test_url_over_a_page_break_with_a_caption_between(tmp_path):
    first = FILLER * 8 + ["and mobile phones (https://"]
    text = pdf_text(tmp_path / "pg.pdf",
                    [first, ["www.tensorflow.org/). Inception is a deep network."] + FILLER],
                    caption="Figure 5 Island-based identification of owls")
    assert "(https://www.tensorflow.org/). Inception is" in text


def test_plain_text_fallback_joins_wrapped_urls():
    raw = ("the terms of the licence (https://\r\ncreativecommons.org/licenses/by/\r\n4.0/).\r\n"
           "The data are at https://doi.org/\r\n10.5061/dryad.abc and here.")
    out = paragraphs_from_lines(raw)
    assert "(https://creativecommons.org/licenses/by/4.0/)." in out
    assert "https://doi.org/10.5061/dryad.abc and" in out


def test_url_wraps_keeps_words_apart():
    from extractor.ingest.urlcut import url_wraps
    assert not url_wraps("see https://example.org.", "The next sentence")
    assert not url_wraps("at https://zenodo.org/", "and the data were")
    assert not url_wraps("at https://zenodo.org/records", "Further text")
    # a closed URL ends its sentence: "(www.gbif.org). 2019. GBIF ..." is a new sentence
    assert not url_continues("Facility (www.gbif.org).", "2019. GBIF occurrence")
