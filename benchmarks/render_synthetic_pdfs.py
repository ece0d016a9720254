"""Render the invented papers of benchmarks/synthetic-other as two-column PDFs (reportlab, a test
dependency), so the PDF path (layout, running headers, page numbers, sections by page) is
measured on them too:

    python benchmarks/render_synthetic_pdfs.py OUT_DIR
    python benchmarks/render_synthetic_pdfs.py --manuscript OUT_DIR
    python benchmarks/eval_sets.py --sets syn-tp,syn-vp      # renders on first use
    python benchmarks/eval_sets.py --sets syn-tl,syn-vl      # the manuscripts, likewise

Headings (short one-line paragraphs) are set in a larger font; list and table lines keep their
line breaks; every page carries a running header and a page number.

--manuscript renders them as a preprint server's manuscript instead (bioRxiv style): one column,
every line numbered in the left margin, headings in a larger font.
"""
from __future__ import annotations

import glob
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

SYNTH = Path(__file__).resolve().parent / "synthetic-other"


def blocks(text: str):
    """(kind, lines) per paragraph of an invented paper: "rows" (a list or a table, whose line
    breaks are kept), "heading" (one short line) or "body"."""
    for para in re.split(r"\n\s*\n", text):
        lines = para.strip().split("\n")
        if re.search(r"^\s*[-|]|\|", para, re.M):
            yield "rows", lines
        elif len(lines) == 1 and len(para.strip()) < 80:
            yield "heading", lines
        else:
            yield "body", lines


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
        for kind, lines in blocks(t.read_text(encoding="utf-8")):
            if kind == "rows":
                story.append(Paragraph("<br/>".join(escape(x) for x in lines), body))
            else:
                story.append(Paragraph(escape(" ".join(lines)), head if kind == "heading" else body))
        doc.build(story)
        n += 1
    return n


def render_manuscript(src: Path, out: Path) -> int:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    out.mkdir(parents=True, exist_ok=True)
    w, h = A4
    n = 0
    for t in sorted(src.glob("*.txt")):
        c = canvas.Canvas(str(out / f"{t.stem}.pdf"), pagesize=A4)
        y, number = h - 60, 1
        for kind, raw in blocks(t.read_text(encoding="utf-8")):
            if raw == [""]:
                continue
            heading = kind == "heading"
            size = 12 if heading else 10
            rows = raw if kind == "rows" else [" ".join(raw)]
            lines = [ln for r in rows for ln in simpleSplit(r, "Helvetica", size, w - 150)]
            for ln in lines:
                if y < 60:
                    c.showPage()
                    y = h - 60
                c.setFont("Helvetica", 7)
                c.drawRightString(50, y, str(number))
                number += 1
                c.setFont("Helvetica", size)
                c.drawString(70, y, ln)
                y -= 18 if heading else 14
            y -= 8
        c.save()
        n += 1
    return n


if __name__ == "__main__":
    args = sys.argv[1:]
    manuscript = "--manuscript" in args
    args = [a for a in args if a != "--manuscript"]
    dest = Path(args[0]) if args else SYNTH / ("manuscripts" if manuscript else "pdf")
    done = (render_manuscript if manuscript else render)(SYNTH / "texts", dest)
    print(f"rendered {done} PDFs to {dest}")
