"""Layout-aware PDF text on PDFs made here with reportlab: columns, running footers, footnotes,
wrapped URLs, hyphenation, superscripts, sections, title/DOI, shifted fonts, image-only pages."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.ingest import ocr
from extractor.ingest.pipeline import parse_bytes

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

W, H = A4


def parse(path: Path):
    doc = parse_bytes(path, path.read_bytes())
    for c in doc.chunks:
        assert doc.text[c.start:c.end] == c.text
    return doc


def lines(c, x, y, rows, size=10, lead=13):
    c.setFont("Helvetica", size)
    for r in rows:
        c.drawString(x, y, r)
        y -= lead
    return y


LEFT = [f"Left column sentence number {i} about owls and their calls." for i in range(12)]
RIGHT = [f"Right column sentence number {i} about bats in caves." for i in range(12)]


def test_two_columns_read_left_then_right(tmp_path):
    p = tmp_path / "cols.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    c.setFont("Helvetica", 9)
    y = 750
    for a, b in zip(LEFT, RIGHT):      # content stream interleaves the columns row by row
        c.drawString(40, y, a)
        c.drawString(W / 2 + 10, y, b)
        y -= 12
    c.showPage()
    c.save()
    text = parse(p).text
    assert text.index(LEFT[-1][:30]) < text.index(RIGHT[0][:30])
    assert text.index(LEFT[0][:30]) < text.index(LEFT[1][:30])


def test_running_footer_and_page_numbers_dropped(tmp_path):
    p = tmp_path / "footer.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    for n in range(1, 4):
        lines(c, 60, 760, [f"Body text of page {n} describes how the owls were recorded."] * 3)
        c.setFont("Helvetica", 8)
        c.drawString(60, 30, "Owl Journal 12 (2026) - licensed under CC-BY 4.0")
        c.drawString(W / 2, 18, str(n))
        c.showPage()
    c.save()
    doc = parse(p)
    assert "Owl Journal" not in doc.text and "CC-BY" not in doc.text
    assert all(not c.text.strip().isdigit() for c in doc.chunks)
    assert "Body text of page 3" in doc.text


def _footnote_pdf(p: Path):
    c = canvas.Canvas(str(p), pagesize=A4)
    y = lines(c, 60, 760, ["All networks were implemented in Tensorflow"], size=10)
    c.setFont("Helvetica", 6)
    c.drawString(60 + c.stringWidth("All networks were implemented in Tensorflow", "Helvetica", 10),
                 y + 13 + 4, "2")
    lines(c, 60, y, ["and trained on one graphics card for two days.",
                     "The learning rate was set to 10"], size=10)
    c.setFont("Helvetica", 6)
    c.drawString(60 + c.stringWidth("The learning rate was set to 10", "Helvetica", 10), y - 13 + 4,
                 "\u22124")
    lines(c, 60, y - 26, ["and decayed by half every ten epochs without making any changes."] +
          ["Further body text about the recordings of owls in the forest."] * 8, size=10)
    lines(c, 60, 80, ["2 https://github.com/example/owlnet"], size=7)
    c.showPage()
    c.save()
    return p


def test_footnote_marker_off_the_word_and_note_after_its_paragraph(tmp_path):
    doc = parse(_footnote_pdf(tmp_path / "fn.pdf"))
    assert "Tensorflow2" not in doc.text and "Tensorflow and trained" in doc.text
    note = doc.text.index("https://github.com/example/owlnet")
    # the note is a paragraph of its own, right after the paragraph that points to it
    assert doc.text[note - 4:note - 2] == "\n\n" or doc.text[note - 2:note] == "\n\n"
    assert note < doc.text.index("Further body text")


def test_marker_after_a_word_ending_in_e_is_not_an_exponent(tmp_path):
    p = tmp_path / "caffe.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    y = lines(c, 60, 760, ["The network was trained with Caffe"], size=10)
    c.setFont("Helvetica", 6)
    c.drawString(60 + c.stringWidth("The network was trained with Caffe", "Helvetica", 10),
                 y + 13 + 4, "3")
    lines(c, 60, y, ["at a rate of 1e-4 on one card."] + PROSE, size=10)
    c.showPage()
    c.save()
    text = parse(p).text
    assert "Caffe at a rate" in text and "Caffe^3" not in text


def test_superscript_exponent_kept(tmp_path):
    doc = parse(_footnote_pdf(tmp_path / "exp.pdf"))
    assert "10^\u22124" in doc.text and "104" not in doc.text


def test_wrapped_url_joined(tmp_path):
    p = tmp_path / "url.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    lines(c, 60, 760, ["The code is available at https://github.", "com/example/owl-data and the",
                       "recordings at https://zenodo.org/records/", "123456 for everyone."])
    c.showPage()
    c.save()
    text = parse(p).text
    assert "https://github.com/example/owl-data and" in text
    assert "https://zenodo.org/records/123456 for" in text


def test_hyphenated_word_joined_compound_kept(tmp_path):
    p = tmp_path / "hy.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    lines(c, 60, 760, ["We used a state-of-the-art optimi-", "zer on a web-based tool."])
    c.showPage()
    c.save()
    text = parse(p).text
    assert "state-of-the-art optimizer" in text and "web-based" in text
    assert "\ufffe" not in text


def test_pdfium_glued_hyphen_mark_is_dropped_inside_words():
    from extractor.ingest import layout

    class Fake:      # a page whose pdfium text has the glued mark, as real PDFs do
        def __init__(self):
            self.raw = None
    text = "an opti\ufffemizer"
    boxes = {i: (10.0 * i, 700.0, 10.0 * i + 9, 710.0) for i in range(8)}
    boxes.update({i: (10.0 * (i - 8), 680.0, 10.0 * (i - 8) + 9, 690.0) for i in range(8, 13)})

    class Boxes:
        def box(self, i):
            return boxes[i]

        def size(self, i):
            return 10.0
    ls: list = []
    layout._add_line(ls, text, Boxes(), 0, 7, hyphen=True)
    layout._add_line(ls, text, Boxes(), 8, 13)
    page = layout.PageLines(ls, W, H)
    out, _ = layout.page_text(page, 10.0)
    # the line break stays for normalize, which decides with the document's vocabulary
    from extractor.ingest.hyphens import vocabulary
    from extractor.ingest.normalize import normalize
    assert "\ufffe" not in out and normalize(out, vocabulary(out)) == "an optimizer"


def test_sections_references_then_appendix(tmp_path):
    p = tmp_path / "sec.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    body = ["We describe a network trained on owl recordings from forty sites in the north."] * 4
    y = 780
    for head in ("1 Introduction", "2 Materials and methods", "3 Results", "4 Discussion"):
        c.setFont("Helvetica-Bold", 13)
        c.drawString(60, y, head)
        y = lines(c, 60, y - 20, body) - 12
    c.showPage()
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, 780, "References")
    y = lines(c, 60, 760, ["Smith, A. B., Doe, C., 2019. Owls at night. J. Ornithol. 12, 34-56.",
                           "Roe, D., 2020. Bats in caves. Ecol. Inform. 7, 100-110."])
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, y - 20, "Appendix A")
    lines(c, 60, y - 40, ["Table A1 lists example clips: audio, video and image files we used."])
    c.showPage()
    c.save()
    doc = parse(p)
    kinds = [c.section for c in doc.chunks]
    for k in ("introduction", "methods", "results", "discussion", "references", "appendix"):
        assert k in kinds, (k, kinds)
    appendix = [c for c in doc.chunks if c.section == "appendix"]
    assert all("Table A1" in c.text or "Appendix" in c.text for c in appendix)
    assert kinds.index("references") < kinds.index("appendix")


def test_title_and_doi_from_first_page_not_references(tmp_path):
    p = tmp_path / "meta.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    c.setFont("Helvetica", 8)
    c.drawString(60, 810, "Owl Letters 3 (2026) 1-9 https://doi.org/10.5555/owl.2026.001")
    c.setFont("Helvetica-Bold", 18)
    c.drawString(60, 760, "Counting owls at night with a small")
    c.drawString(60, 738, "convolutional network")
    lines(c, 60, 700, ["Ada Lovelace, Alan Turing"], size=11)
    lines(c, 60, 670, ["We trained a network on owl recordings from forty sites."] * 5)
    c.showPage()
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, 780, "References")
    lines(c, 60, 760, ["Smith, A., 2019. Owls. J. Ornithol. 1, 2-3. doi:10.1111/cited.999"])
    c.showPage()
    c.save()
    doc = parse(p)
    assert doc.title == "Counting owls at night with a small convolutional network"
    assert doc.doi == "10.5555/owl.2026.001"
    assert doc.authors == "Ada Lovelace; Alan Turing"


def test_doi_only_in_references_is_not_the_papers(tmp_path):
    p = tmp_path / "refdoi.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    lines(c, 60, 780, ["We trained a network on owl recordings from forty sites."] * 5)
    c.showPage()
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, 780, "References")
    lines(c, 60, 760, ["Smith, A., 2019. Owls. J. Ornithol. 1, 2-3. doi:10.1111/cited.999"])
    c.showPage()
    c.save()
    assert parse(p).doi is None


def test_text_file_title(tmp_path):
    p = tmp_path / "owls.txt"
    p.write_text("Counting owls at night with a small network\n\nAnna Smith, Ben Jones and "
                 "Carl Berg\n\nAbstract\n\n" + "We trained a network on owl recordings. " * 3)
    assert parse(p).title == "Counting owls at night with a small network"
    q = tmp_path / "excerpt.txt"
    q.write_text("We trained a network on owl recordings from forty sites in the north.")
    assert parse(q).title is None
    # an excerpt opening with a heading, then body text: the heading is not the paper's title
    h = tmp_path / "heading.txt"
    h.write_text("Identification of optional ecological sources\n\n" +
                 "We trained a network on owl recordings. " * 3)
    assert parse(h).title is None


def test_text_file_title_after_journal_masthead(tmp_path):
    p = tmp_path / "masthead.txt"
    p.write_text("species counts were low in 2019.\n\nContents lists available at ScienceDirect\n\n"
                 "Owl Informatics\n\njournal homepage: www.example.com/locate/owlinf\n\n"
                 "3D owl counting with a small network trained on\nrecordings from forty sites\n"
                 "Anna Smitha,⁎, Ben Jonesb\n\na University of the North\n\n"
                 + "We trained a network on owl recordings. " * 3)
    assert parse(p).title == "3D owl counting with a small network trained on recordings from forty sites"


PROSE = ["We trained the network on the recordings of owls that were made in the forest",
         "and the results of this model are better than those of the other methods."] * 6


def _shift(s: str, k: int) -> str:
    return "".join(ch if ch == " " else chr(ord(ch) + k) for ch in s)


def test_shifted_font_is_decoded_and_said(tmp_path):
    p = tmp_path / "shift.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    lines(c, 60, 780, [_shift(s, -29) for s in PROSE])
    c.showPage()
    c.save()
    doc = parse(p)
    assert doc.status == "ok"
    assert "trained the network on the recordings" in doc.text
    assert "shift +29" in doc.reason


def test_gibberish_without_shift_is_unreadable(tmp_path):
    import random
    rnd = random.Random(3)
    p = tmp_path / "gib.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    rows = [" ".join("".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(rnd.randint(2, 7)))
                     for _ in range(10)) for _ in range(12)]
    lines(c, 60, 780, rows)
    c.showPage()
    c.save()
    doc = parse(p)
    assert doc.status == "unreadable" and "not words" in doc.reason


def _image_pdf(p: Path, with_text: bool) -> Path:
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    img = Image.new("L", (1700, 400), 255)
    if with_text:
        d = ImageDraw.Draw(img)
        font = ImageFont.load_default(size=48)
        d.text((40, 60), "Owls were recorded at forty sites", fill=0, font=font)
        d.text((40, 160), "and counted with a neural network.", fill=0, font=font)
    c = canvas.Canvas(str(p), pagesize=A4)
    c.drawImage(ImageReader(img), 40, 500, width=510, height=120)
    c.showPage()
    c.save()
    return p


def test_image_only_page_without_ocr_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract", lambda: None)
    doc = parse(_image_pdf(tmp_path / "scan.pdf", True))
    assert doc.status == "unreadable"
    assert "apt-get install tesseract-ocr" in doc.reason


@pytest.mark.skipif(ocr.tesseract() is None, reason="tesseract not installed")
def test_image_only_page_is_ocred(tmp_path):
    doc = parse(_image_pdf(tmp_path / "scan.pdf", True))
    assert doc.status == "ok", doc.reason
    assert "forty sites" in doc.text and "OCR" in doc.reason


def _numbered_manuscript(p: Path, numbers: bool, gap: int = 20):
    """A bioRxiv-style page written for this test: a line number in the left margin of every
    line (drawn `gap` points before the text), a larger heading, a paragraph break."""
    c = canvas.Canvas(str(p), pagesize=A4)
    rows = [("Methods", 14)] + [(f"Line {i} says the frogs were recorded at the ponds.", 10)
                                for i in range(6)] + [("", 0)] + \
           [(f"We trained the network for {i + 20} epochs with a learning rate of 0.001.", 10)
            for i in range(6)]
    y, n = 760, 41
    for text, size in rows:
        if not text:
            y -= 10
            continue
        if numbers:
            c.setFont("Helvetica", 7)
            c.drawRightString(70 - gap, y, str(n))
        n += 1
        c.setFont("Helvetica", size)
        c.drawString(70, y, text)
        y -= 14 if size == 10 else 20
    c.showPage()
    c.save()
    return parse(p)


@pytest.mark.parametrize("gap", [4, 20, 60])
def test_manuscript_line_numbers_are_dropped(tmp_path, gap):
    doc = _numbered_manuscript(tmp_path / "n.pdf", True, gap)
    plain = _numbered_manuscript(tmp_path / "p.pdf", False)
    assert doc.text == plain.text
    assert doc.text.startswith("Methods\n\nLine 0 says the frogs")
    assert "rate of 0.001. We trained the network for 21 epochs" in doc.text
    assert not any(str(n) in doc.text for n in range(41, 55))
    assert [c.section for c in doc.chunks] == [c.section for c in plain.chunks]


def test_numbers_opening_a_few_lines_are_kept(tmp_path):
    p = tmp_path / "few.pdf"
    c = canvas.Canvas(str(p), pagesize=A4)
    lines(c, 60, 760, [f"{i} plots were sampled in the {i}th week of the survey." for i in
                       range(3, 9)])
    c.showPage()
    c.save()
    assert "3 plots were sampled" in parse(p).text
