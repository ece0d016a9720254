"""PDF text extraction with pypdfium2, page by page, with light paragraph recovery."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractor.ingest.detect import is_reference_heading
from extractor.ingest.types import IngestError

MAX_PAGES = 2000   # beyond this only the first MAX_PAGES are read (noted in the reason)


@dataclass
class PdfText:
    pages: list[str]          # raw text per page (line breaks turned into "\n" / "\n\n")
    page_count: int
    title: str | None
    image_pages: int          # pages that carry images (to explain an empty text layer)
    note: str | None = None


def extract_pdf(data: bytes, name: str = "file") -> PdfText:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise IngestError(f"{name}: encrypted PDF (needs a password); decrypt it first") from None
        raise IngestError(f"{name}: corrupt or unsupported PDF ({msg})") from None
    try:
        n = len(pdf)
        pages, image_pages = [], 0
        for i in range(min(n, MAX_PAGES)):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                raw = textpage.get_text_range()
                textpage.close()
                if not raw.strip() and any(True for _ in page.get_objects(
                        filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)):
                    image_pages += 1
            finally:
                page.close()
            pages.append(paragraphs_from_lines(_fix_hyphens(raw)))
        title = _clean_title(pdf.get_metadata_dict().get("Title"))
    except pdfium.PdfiumError as e:
        raise IngestError(f"{name}: PDF could not be read ({e})") from None
    finally:
        pdf.close()
    note = f"only the first {MAX_PAGES} of {n} pages were read" if n > MAX_PAGES else None
    return PdfText(pages, n, title, image_pages, note)


def _fix_hyphens(raw: str) -> str:
    """PDFium reports some hyphens as U+FFFE (a noncharacter; seen with WeasyPrint fonts, e.g.
    "web\ufffebased") and a line-end soft hyphen as U+0002: both are hyphens in the text."""
    if "\ufffe" in raw:
        raw = raw.replace("\ufffe", "-")
    if "\x02" in raw:
        raw = raw.replace("\x02", "-")
    return raw


def _clean_title(t: str | None) -> str | None:
    t = (t or "").strip()
    if len(t) < 4 or t.lower() in {"untitled", "title", "description"} or t.endswith((".doc", ".docx")) \
            or t.lower().startswith("microsoft word"):
        return None
    return t


_TERMINAL = (".", "!", "?", ":")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LIST_START = re.compile(r"^(?:[•▪◦●\-–]\s|\[\d{1,3}\]|\(?\d{1,2}[.)]\s)")


def paragraphs_from_lines(raw: str) -> str:
    """Turn PDFium's line breaks into "\\n" (same paragraph) or "\\n\\n" (paragraph break).

    PDFium gives no paragraph structure, only lines. A line that ends a sentence well before the
    right margin, a short heading-like line, or a line before a list item ends a paragraph.
    """
    lines = _LINE_BREAK.split(raw)
    if len(lines) < 2:
        return raw
    lengths = sorted(len(s.strip()) for s in lines if s.strip())
    typical = max(40, lengths[int(len(lengths) * 0.8)] if lengths else 40)
    out = []
    for i, line in enumerate(lines[:-1]):
        cur, nxt = line.strip(), lines[i + 1].strip()
        brk = False
        if cur.endswith(_TERMINAL) and len(cur) < 0.8 * typical:
            brk = True
        elif (cur and len(cur) < min(60, 0.7 * typical) and not cur.endswith((",", ";", "-"))
              and nxt[:1].isupper()):
            brk = True   # heading-like short line
        elif _LIST_START.match(nxt) or is_reference_heading(cur) or is_reference_heading(nxt):
            brk = True
        out.append(line)
        out.append("\n\n" if brk else "\n")
    out.append(lines[-1])
    return "".join(out)
