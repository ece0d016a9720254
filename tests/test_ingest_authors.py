"""Authors from page 1 of PDFs made here with reportlab: a names line with glued affiliation
letters and markers, one card per author (IEEE), a title no larger than the body font."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.ingest.pipeline import parse_bytes

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

BODY = ["We recorded owls at forty sites and trained a small network on the calls."] * 30


def make(p: Path, title: list[str], names: list[str], title_size=18, meta_title=None) -> Path:
    c = canvas.Canvas(str(p), pagesize=A4)
    if meta_title:
        c.setTitle(meta_title)
    y = 760
    c.setFont("Helvetica-Bold", title_size)
    for t in title:
        c.drawString(60, y, t)
        y -= title_size + 4
    c.setFont("Helvetica", 9)
    for n in names:
        c.drawString(60, y, n)
        y -= 12
    c.setFont("Helvetica", 10)
    c.drawString(60, y - 10, "Abstract")
    for i, r in enumerate(BODY):
        c.drawString(60, y - 24 - 13 * i, r)
    c.showPage()
    c.save()
    return p


def authors(p: Path) -> str | None:
    return parse_bytes(p, p.read_bytes()).authors


def test_names_line_with_glued_affiliation_letters(tmp_path):
    p = make(tmp_path / "a.pdf", ["Counting owls at night with a small network"],
             ["Anna Smitha,b,*, Ben P.Jonesb, Carl Bergc and DavidLundd#"])
    assert authors(p) == "Anna Smith; Ben P.Jones; Carl Berg; David Lund"


def test_one_card_per_author(tmp_path):
    p = make(tmp_path / "c.pdf", ["Counting owls at night with a small network"],
             ["Anna Smith", "Dept. of Owls", "Owl University", "anna@owls.example",
              "Ben Jones", "Conservation Unit", "Forest Agency", "ben@forest.example"])
    assert authors(p) == "Anna Smith; Ben Jones"


def test_title_in_body_size_found_through_metadata(tmp_path):
    p = make(tmp_path / "m.pdf", ["Counting owls at night with a small network"],
             ["Anna Smith, Ben Jones and Carl Berg"], title_size=10,
             meta_title="Counting owls at night with a small network")
    assert authors(p) == "Anna Smith; Ben Jones; Carl Berg"
