"""PDF text extraction with pypdfium2: layout-aware page text (see layout.py), metadata from
page 1, shifted fonts decoded, OCR for pages without a text layer when tesseract is installed."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractor.ingest import authors, gibberish, layout, ocr
from extractor.ingest.detect import is_reference_heading
from extractor.ingest.types import IngestError
from extractor.ingest.urlcut import join_urls_over_pages, url_wraps

MAX_PAGES = 2000   # beyond this only the first MAX_PAGES are read (noted in the reason)
TITLE_MIN_SIZE = 1.2   # a title's font is at least this many times the body font


@dataclass
class PdfText:
    pages: list[str]          # raw text per page (line breaks turned into "\n" / "\n\n")
    page_count: int
    title: str | None
    image_pages: int          # pages that carry images and no text (before any OCR)
    note: str | None = None
    authors: str | None = None
    first_page: str = ""      # page 1 with its header and footer lines (where the paper's DOI is)
    furniture_removed: int = 0   # running header/footer and page-number lines dropped
    footnotes: int = 0
    ocr_pages: int = 0        # pages whose text came from OCR
    decoded_pages: int = 0    # pages decoded from a shifted font
    metadata: str = ""        # the PDF's Subject and Keywords (IEEE puts the DOI there)


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
        out = PdfText([], n, None, 0)
        laid: list[layout.PageLines | str] = []
        exe = None
        for i in range(min(n, MAX_PAGES)):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                lines = layout.page_lines(textpage, page.get_width(), page.get_height())
                if lines is None:   # pdfium's text and boxes disagree: plain text for this page
                    raw = textpage.get_text_range()
                    laid.append(paragraphs_from_lines(_fix_hyphens(raw)))
                else:
                    laid.append(lines)
                textpage.close()
                if _image_only(page, laid[-1]):
                    out.image_pages += 1
                    exe = exe or ocr.tesseract()
                    if exe:
                        laid[-1] = paragraphs_from_lines(ocr.ocr_page(page, exe))
                        out.ocr_pages += 1
            finally:
                page.close()
        meta = pdf.get_metadata_dict()
        meta_title = _clean_title(meta.get("Title"))
        out.metadata = " ".join(meta.get(k) or "" for k in ("Subject", "Keywords"))
    except pdfium.PdfiumError as e:
        raise IngestError(f"{name}: PDF could not be read ({e})") from None
    finally:
        pdf.close()
    _assemble(out, laid, meta_title)
    notes = []
    if n > MAX_PAGES:
        notes.append(f"only the first {MAX_PAGES} of {n} pages were read")
    if out.ocr_pages:
        notes.append(f"{out.ocr_pages} page(s) without a text layer read by OCR (tesseract)")
    if out.decoded_pages:
        notes.append(out.note)
    out.note = "; ".join(notes) or None
    return out


def _image_only(page, laid: layout.PageLines | str) -> bool:
    empty = not laid.strip() if isinstance(laid, str) else not laid.lines
    return empty and any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE],
                                                         max_depth=2))


def _assemble(out: PdfText, laid: list, meta_title: str | None = None) -> None:
    """Page texts from the pages' lines: shifted fonts decoded, furniture dropped, metadata read
    from page 1, footnotes separated."""
    pages = [p for p in laid if isinstance(p, layout.PageLines)]
    shifts = set()
    for p in pages:
        joined = "\n".join(ln.text for ln in p.lines)
        if gibberish.is_gibberish(joined) and (k := gibberish.find_shift(joined)) is not None:
            for ln in p.lines:
                ln.text = gibberish.decode_shift(ln.text, k)
            out.decoded_pages += 1
            shifts.add(k)
    if shifts:
        out.note = (f"{out.decoded_pages} page(s) in a font whose letters map to shifted codes were "
                    f"decoded (shift {', '.join(f'{k:+d}' for k in sorted(shifts))})")
    first = laid[0] if laid else ""
    out.first_page = "\n".join(ln.text for ln in first.lines) if isinstance(first, layout.PageLines) \
        else first
    out.furniture_removed = layout.drop_running_lines(pages)
    body = layout.body_size(pages)
    if isinstance(first, layout.PageLines):
        out.title, out.authors = title_and_authors(first, body)
    if not out.title and meta_title:
        # the title in the metadata, in a font no larger than the body's or on a page read as
        # plain text: the names are still right below it on page 1
        out.title = meta_title
        lines = first.lines if isinstance(first, layout.PageLines) else \
            [s for s in first.splitlines() if s.strip()]
        end = authors.title_end(lines, meta_title)
        if end:
            out.authors = authors.page_authors(lines, end)
    for p in laid:
        if isinstance(p, str):
            out.pages.append(p)
        else:
            text, notes = layout.page_text(p, body)
            out.pages.append(text)
            out.footnotes += notes
    join_urls_over_pages(out.pages)


_FURNITURE = re.compile(r"journal|www\.|contents lists|original (?:paper|article)|research article|"
                        r"available online|©|\((?:19|20)\d\d\)",
                        re.I)


def title_and_authors(p: layout.PageLines, body: float) -> tuple[str | None, str | None]:
    """The title (the largest-font run of lines in the upper two thirds of page 1 with four or
    more words, when larger than the body text; journal names are shorter) and the names right
    below it."""
    lines = p.lines
    top = [i for i, ln in enumerate(lines) if ln.y > p.height / 3 and ln.size >= TITLE_MIN_SIZE * body
           and sum(c.isalpha() for c in ln.text) >= 3]
    for i in sorted(top, key=lambda i: -lines[i].size):
        size = lines[i].size
        near = lambda j: 0 <= j < len(lines) and abs(lines[j].size - size) <= 0.12 * size  # noqa: E731
        a, b = i, i + 1
        while near(a - 1) and i - a < 5:
            a -= 1
        while near(b) and b - i < 6:
            b += 1
        title = " ".join("".join(ln.text + ("" if ln.hyphen else " ") for ln in lines[a:b]).split())
        if len(title.split()) >= 4 and len(title) <= 400 and not _FURNITURE.search(title):
            return title, authors.page_authors(lines, b)
    return None, None


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
    joined = ""    # the lines already joined to this one by a wrapped URL
    for i in range(len(lines) - 1):
        line = lines[i]
        cur, nxt = line.strip(), lines[i + 1].strip()
        if url_wraps(joined + cur, nxt):
            out.append(line.rstrip())     # a URL wrapped over the line break: no space
            lines[i + 1] = lines[i + 1].lstrip()
            joined += cur
            continue
        joined = ""
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
