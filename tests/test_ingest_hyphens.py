"""Line-end hyphens decided by the document's own vocabulary: syllable breaks are joined,
compounds keep their hyphen ("data-driven"), in text files and in PDFs made here."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.ingest.hyphens import keep_hyphen, vocabulary
from extractor.ingest.normalize import normalize, normalize_with_map
from extractor.ingest.pipeline import parse_bytes


def stored(raw: str) -> str:
    vocab = vocabulary(raw)
    out = normalize(raw, vocab)
    assert normalize_with_map(raw, vocab)[0] == out   # the mapped path decides the same
    return out


def test_the_document_decides_between_joined_and_hyphenated():
    assert "pre-processing" in stored("The pre-\nprocessing was simple. Our pre-processing code.")
    assert "preprocessing was" in stored("The pre-\nprocessing was simple. Our preprocessing code.")
    # both written elsewhere: the more frequent form wins
    assert "fine-tuned" in stored("fine-\ntuned. fine-tuned, fine-tuned and finetuned once.")


def test_compound_of_two_words_keeps_its_hyphen_syllables_do_not():
    raw = ("A data-\ndriven model with an opti-\nmizer. The data were collected and the "
           "behaviour driven by food. Net-\nworks are networks.")
    out = stored(raw)
    assert "data-driven model" in out and "optimizer" in out and "Networks are" in out
    assert "off-the-shelf" in stored("cheap off-\nthe-shelf computers")   # a compound goes on
    # ... unless the paper writes the broken part whole: a syllable break inside a compound
    assert "connected-component" in stored("a con-\nnected-component step; connected layers")
    assert "a state-of-the-art net" in stored("a state-of-the-\nart net")


def test_capitals_acronyms_and_digits():
    assert keep_hyphen("non", "European", None)            # "non-European"
    assert keep_hyphen("CNN", "based", None)               # "CNN-based"
    assert not keep_hyphen("classi", "fication", None)
    assert "TRANCOS" in stored("the TRAN-\nCOS set; TRANCOS is counted")
    assert "Sentinel- 2" in stored("Sentinel-\n2 imagery")  # not letters: left alone


def test_text_file_uses_its_vocabulary(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("Title of a paper on owls\n\nWe trained a deep-\nlearning model on owl calls. "
                 "Deep learning is common and learning rates vary; the deep sea is dark.\n")
    assert "deep-learning model" in parse_bytes(p, p.read_bytes()).text


def test_pdf_hyphen_at_line_end(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    p = tmp_path / "hy.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    c.setFont("Helvetica", 10)
    rows = ["We built a data-", "driven pipeline around a new opti-", "mizer for owl calls.",
            "The data were few, and the choice was driven by cost."]
    for i, r in enumerate(rows):
        c.drawString(60, 760 - 13 * i, r)
    c.showPage()
    c.save()
    text = parse_bytes(Path(p), p.read_bytes()).text
    assert "a data-driven pipeline" in text and "new optimizer for" in text
