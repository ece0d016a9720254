"""Retrieval: BM25 over the chunks' FTS5 index, per document and field group.

Reference-list and boilerplate chunks are never retrieved, so they can never become evidence.
"""
from __future__ import annotations

import re

import sqlite_utils

from extractor.backends.base import Passage
from extractor.schemas.catalog import GroupSpec


def fts_query(terms: list[str]) -> str:
    """OR of quoted phrases; FTS5 syntax characters in terms cannot leak into the query."""
    phrases = []
    for t in terms:
        words = re.findall(r"\w+", t)
        if words:
            phrases.append('"' + " ".join(words) + '"')
    return " OR ".join(dict.fromkeys(phrases))


def retrieve(db: sqlite_utils.Database, doc_id: str, group: GroupSpec,
             k: int | None = 8) -> list[Passage]:
    """Top-k chunks of one document for a group (k=None: every usable chunk, ranked).

    Ranked by BM25 (FTS5 `bm25()`, lower is better; stored negated so higher is better).
    With k=None, chunks with no term hit follow with score 0 in document order.
    """
    q = fts_query(group.search_terms)
    hits: list[Passage] = []
    if q:
        rows = db.execute(
            'SELECT c.id, c.text, c.start, c.page, -bm25(chunks_fts) AS score '
            "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? AND c.doc_id = ? AND c.is_reference = 0 "
            "AND c.is_boilerplate = 0 ORDER BY bm25(chunks_fts), c.ord LIMIT ?",
            [q, doc_id, k if k is not None else -1]).fetchall()
        hits = [Passage(chunk_id=r[0], text=r[1], start=r[2], page=r[3], score=r[4])
                for r in rows]
    if k is None:
        seen = {p.chunk_id for p in hits}
        rest = db.execute(
            "SELECT id, text, start, page FROM chunks WHERE doc_id = ? AND is_reference = 0 "
            "AND is_boilerplate = 0 ORDER BY ord", [doc_id]).fetchall()
        hits += [Passage(chunk_id=r[0], text=r[1], start=r[2], page=r[3], score=0.0)
                 for r in rest if r[0] not in seen]
    return hits
