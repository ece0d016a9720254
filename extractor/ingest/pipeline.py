"""Ingestion: files -> ParsedDocument -> database, one transaction per document.

Per file the outcome is one of
  ingested    new or changed file stored (replacing the older version and its chunks);
  unchanged   same sha256 as the stored version: nothing is written;
  unreadable  stored with status "unreadable", its reason and no chunks (nothing to extract);
  failed      not stored; ``reason`` says why (missing, empty, corrupt, encrypted, binary, too
              large, unsupported type). The rest of the batch goes on.

Size limits (checked on the file size before reading): text files above MAX_TEXT_BYTES (10 MB,
some 5,000 pages of prose) and PDFs above MAX_PDF_BYTES (200 MB) are rejected as failed, so a
stray dump or archive cannot stall a batch or exhaust memory.
"""
from __future__ import annotations

import hashlib
import sqlite3
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extractor import store
from extractor.ingest import detect, hyphens, ocr
from extractor.ingest.chunk import make_chunks
from extractor.ingest.normalize import normalize
from extractor.ingest.pdf import extract_pdf
from extractor.ingest.spaces import restore_spaces
from extractor.ingest.sections import separate_glued_headings, separate_headings, text_title
from extractor.ingest.text import decode_text
from extractor.ingest.types import IngestError, ParsedDocument

TEXT_SUFFIXES = {".txt", ".md"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | PDF_SUFFIXES
MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 200 * 1024 * 1024


@dataclass
class FileOutcome:
    path: str
    doc_id: str | None
    status: str                 # "ingested" | "unchanged" | "unreadable" | "failed"
    reason: str | None = None   # failure / unreadable reason, or a note (decoding fallback)
    chunks: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def doc_ids(self) -> list[str]:
        """Documents of this batch now in the database (ingested, unchanged or unreadable), in
        order; unreadable ones are included so later stages can record why nothing was found."""
        return [o.doc_id for o in self.outcomes if o.status != "failed" and o.doc_id]

    @property
    def ok(self) -> bool:
        """True when no file failed (unreadable files are not failures)."""
        return not self.failed


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[Path, str | None]]:
    """Files to ingest, each with an error for explicit paths that cannot be used.

    Folders are searched recursively for supported files (hidden files and folders skipped);
    an explicit file with an unsupported extension or a missing path is reported, not skipped.
    """
    out: list[tuple[Path, str | None]] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    fp = Path(root) / f
                    if not f.startswith(".") and fp.suffix.lower() in SUPPORTED:
                        out.append((fp, None))
        elif not p.exists():
            out.append((p, "no such file or directory"))
        elif not p.is_file():
            out.append((p, "not a regular file"))
        elif p.suffix.lower() not in SUPPORTED:
            out.append((p, f"unsupported file type {p.suffix or '(no extension)'!r}; "
                           f"supported: {', '.join(sorted(SUPPORTED))}"))
        else:
            out.append((p, None))
    return out


def doc_id_for(path: Path) -> str:
    return path.stem


def parse_bytes(path: Path, data: bytes) -> ParsedDocument:
    """Parse one file's bytes into a ParsedDocument (raises IngestError for unusable input)."""
    name = path.name
    if not data:
        raise IngestError(f"{name}: empty file")
    sha = hashlib.sha256(data).hexdigest()
    doc = ParsedDocument(doc_id=doc_id_for(path), path=str(path), sha256=sha, text="")
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
            raise IngestError(f"{name}: not a PDF (no %PDF header)")
        pdf = extract_pdf(data, name)
        vocab = hyphens.vocabulary("\n".join(pdf.pages))   # decides line-end hyphens
        parts = [separate_glued_headings(restore_spaces(normalize(p, vocab))) for p in pdf.pages]
        text_parts, starts, pos = [], [], 0
        for part in parts:
            if text_parts and part:
                text_parts.append("\n\n")
                pos += 2
            starts.append(pos)
            if part:
                text_parts.append(part)
                pos += len(part)
        doc.text = "".join(text_parts)
        doc.page_starts, doc.pages, doc.title = starts, pdf.page_count, pdf.title
        doc.authors, doc.reason = pdf.authors, pdf.note
        reason = detect.unreadable_reason(doc.text)
        missing_ocr = pdf.image_pages - pdf.ocr_pages
        if reason and pdf.image_pages and len(doc.text) < 200:
            reason = (f"no text layer: {pdf.image_pages} of {pdf.page_count} page(s) are images only "
                      f"(scanned PDF?); " + (ocr.INSTALL_HINT if missing_ocr else
                                             "OCR (tesseract) found no text in them"))
        elif missing_ocr:
            note = (f"{missing_ocr} page(s) without a text layer were skipped; {ocr.INSTALL_HINT}")
            doc.reason = f"{doc.reason}; {note}" if doc.reason else note
        elif reason and not doc.text:
            reason = "no text layer (no extractable text on any page)"
    else:
        raw, note = decode_text(data, name)
        doc.text = restore_spaces(normalize(separate_headings(raw), hyphens.vocabulary(raw)))
        doc.reason = note
        doc.title = text_title(raw)      # the raw text: its line breaks show the title block
        reason = detect.unreadable_reason(doc.text)
    if reason:
        doc.status = "unreadable"
        doc.reason = reason if not doc.reason else f"{reason}; {doc.reason}"
        return doc
    doc.chunks = make_chunks(doc.text, doc.page_starts)
    if suffix in PDF_SUFFIXES:
        # The paper's own DOI is printed on its first page (header, footer or citation line);
        # DOIs elsewhere are cited works or data.
        doc.doi = detect.doi_from_stem(doc.doc_id) or detect.find_doi(
            detect.before_references(pdf.first_page)) or detect.find_doi(pdf.metadata)
    else:
        refs = [(c.start, c.end) for c in doc.chunks if c.is_reference]
        doc.doi = detect.doi_from_stem(doc.doc_id) or detect.find_doi(doc.text, refs)
    return doc


def _read_checked(path: Path) -> bytes:
    size = path.stat().st_size
    limit = MAX_PDF_BYTES if path.suffix.lower() in PDF_SUFFIXES else MAX_TEXT_BYTES
    if size > limit:
        raise IngestError(f"{path.name}: file too large ({size / 2**20:.1f} MB; the limit for "
                          f"{path.suffix.lower()} files is {limit // 2**20} MB)")
    return path.read_bytes()


def ingest_file(db, path: Path) -> FileOutcome:
    doc_id = doc_id_for(path)
    try:
        data = _read_checked(path)
        sha = hashlib.sha256(data).hexdigest()
        if data and store.document_sha(db, doc_id) == sha:
            return FileOutcome(str(path), doc_id, "unchanged")
        row = db.execute("SELECT path FROM documents WHERE id = ?", [doc_id]).fetchone()
        old_path = row[0] if row else None
        doc = parse_bytes(path, data)
    except IngestError as e:
        return FileOutcome(str(path), doc_id, "failed", str(e))
    except OSError as e:
        return FileOutcome(str(path), doc_id, "failed", f"{path.name}: cannot read ({e.strerror})")
    try:
        written = store.replace_document(db, doc)    # retried while another writer is busy
    except sqlite3.Error as e:   # the transaction rolled back: the old version, if any, is intact
        return FileOutcome(str(path), doc_id, "failed", f"{path.name}: database error ({e})")
    if not written:     # another process stored the same content since we looked
        return FileOutcome(str(path), doc_id, "unchanged")
    status = "unreadable" if doc.status == "unreadable" else "ingested"
    reason = doc.reason
    if old_path and Path(old_path) != path:
        # Same stem, different file: the id is the stem, so this replaced the other document.
        note = f"replaced document {doc_id!r} previously ingested from {old_path}"
        reason = f"{reason}; {note}" if reason else note
    return FileOutcome(str(path), doc_id, status, reason, len(doc.chunks))


def ingest_paths(db, paths: Iterable[str | Path],
                 on_progress: Callable[[FileOutcome, int, int], None] | None = None) -> IngestReport:
    """Ingest files and folders into ``db`` (from extractor.store.open_db).

    ``on_progress(outcome, done, total)`` is called after each file.
    Two files with the same stem in one batch would share a doc_id: the second is reported as
    failed rather than silently replacing the first.
    """
    report = IngestReport()
    files = expand_paths(paths)
    seen: dict[str, str] = {}
    for n, (path, error) in enumerate(files, 1):
        doc_id = doc_id_for(path)
        if error:
            outcome = FileOutcome(str(path), doc_id, "failed", f"{path}: {error}")
        elif doc_id in seen:
            outcome = FileOutcome(str(path), doc_id, "failed",
                                  f"{path.name}: document id {doc_id!r} already used by {seen[doc_id]} "
                                  f"in this batch")
        else:
            seen[doc_id] = str(path)
            outcome = ingest_file(db, path)
        report.outcomes.append(outcome)
        if on_progress:
            on_progress(outcome, n, len(files))
    return report
