"""What ingestion produces for one file, before it is stored."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Chunk:
    ord: int
    start: int              # offsets into ParsedDocument.text: text[start:end] == chunk.text
    end: int
    text: str
    page: int | None        # 1-based page for PDFs, None for plain text
    is_reference: bool = False
    is_boilerplate: bool = False
    section: str | None = None   # section kind (sections.SECTION_KINDS)


@dataclass
class ParsedDocument:
    doc_id: str
    path: str
    sha256: str             # of the file bytes
    text: str               # normalised text
    status: str = "ok"      # "ok" | "unreadable"
    reason: str | None = None   # why unreadable, or a note (e.g. "decoded as cp1252")
    pages: int | None = None
    page_starts: list[int] = field(default_factory=list)  # offset where each page starts
    doi: str | None = None
    title: str | None = None
    authors: str | None = None  # "; "-separated names from the first page, where found
    chunks: list[Chunk] = field(default_factory=list)


class IngestError(Exception):
    """A file that cannot be ingested at all (missing, empty, corrupt, encrypted, binary)."""
