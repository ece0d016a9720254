"""Render the invented papers of benchmarks/synthetic-other as two-column PDFs (reportlab, a test
dependency), so the PDF path (layout, running headers, page numbers, sections by page) is
measured on them too:

    python benchmarks/render_synthetic_pdfs.py OUT_DIR
    python benchmarks/eval_sets.py --sets syn-tp,syn-vp      # renders on first use

Headings (short one-line paragraphs) are set in a larger font; list and table lines keep their
line breaks; every page carries a running header and a page number.
"""
from __future__ import annotations

import glob
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

SYNTH = Path(__file__).resolve().parent / "synthetic-other"


def render(src: Path, out: Path) -> int:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    font = "Helvetica"     # Latin-1 only; DejaVu (Greek letters, minus signs) where installed
    for f in glob.glob("/usr/share/fonts/**/DejaVuSans.ttf", recursive=True)[:1]:
        pdfmetrics.registerFont(TTFont("DejaVu", f))
        font = "DejaVu"
    body = ParagraphStyle("body", parent=getSampleStyleSheet()["BodyText"], fontName=font,
                          fontSize=9, leading=11)
    head = ParagraphStyle("head", parent=body, fontSize=10, leading=13, spaceBefore=6)
    out.mkdir(parents=True, exist_ok=True)
    w, h = A4
    col = (w - 100) / 2
    n = 0
    for t in sorted(src.glob("*.txt")):
        doc = BaseDocTemplate(str(out / f"{t.stem}.pdf"), pagesize=A4)

        def furniture(c, d, name=t.stem):
            c.setFont(font, 7)
            c.drawString(40, h - 30, f"Preprint {name}")
            c.drawString(w / 2, 25, str(d.page))

        doc.addPageTemplates([PageTemplate(frames=[Frame(40, 50, col, h - 100),
                                                   Frame(60 + col, 50, col, h - 100)],
                                           onPage=furniture)])
        story = []
        for para in re.split(r"\n\s*\n", t.read_text(encoding="utf-8")):
            lines = para.strip().split("\n")
            if re.search(r"^\s*[-|]|\|", para, re.M):       # a list or a table: keep the lines
                story.append(Paragraph("<br/>".join(escape(x) for x in lines), body))
            else:
                style = head if len(lines) == 1 and len(para.strip()) < 80 else body
                story.append(Paragraph(escape(" ".join(lines)), style))
        doc.build(story)
        n += 1
    return n


if __name__ == "__main__":
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else SYNTH / "pdf"
    print(f"rendered {render(SYNTH / 'texts', dest)} PDFs to {dest}")
