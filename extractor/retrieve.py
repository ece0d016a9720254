"""Retrieval: BM25 over the chunks' FTS5 index, per document and field, merged per group.

* Each field has its own query: its search terms plus every vocabulary value and alias (the
  words papers actually use: "PyTorch", "Adam", "random crop"), so a field with few generic
  search terms is not drowned by a sibling field with many hits.
* A group's passages are a fair merge of its fields' rankings (round robin by rank, duplicates
  dropped), so every field gets its best passages into the group's budget.
* With a budget (k passages), a passage is a sentence window inside a chunk: the sentences that
  match the field's query plus one neighbour sentence on each side. Windows read the same
  evidence as whole chunks for a fraction of the characters (see BENCHMARKS.md, "Retrieval").
  With k=None every usable chunk is returned whole (the rules backend reads everything).
* Reference-list and boilerplate chunks are never retrieved, so they can never become evidence.
* Chunks of related-work and appendix sections (where a paper describes other work, lists
  example data or titles) rank after every other matching chunk: a stable sort keeps BM25's
  order inside each of the two tiers, so they are still read when nothing else matches.

Every passage satisfies ``doc_text[p.start:p.start + len(p.text)] == p.text``.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sqlite_utils

from extractor.core import Passage
from extractor.ingest.sentences import sentence_spans as split_sentences
from extractor.schemas.catalog import FieldSpec, GroupSpec

# Sentence windows per group read by default (~3.6k characters per group on gold-dev: about
# what 6 whole chunks cost before, at 0.97 instead of 0.85 recall of gold evidence).
DEFAULT_TOP_K = 16
# Chunks per field whose sentences are considered for windows (more cost nothing noticeable).
CHUNKS_PER_FIELD = 12
NEIGHBOURS = 1           # sentences kept on each side of a matching sentence
DEMOTED_SECTIONS = frozenset({"related_work", "appendix"})


def fts_query(terms: list[str]) -> str:
    """OR of quoted phrases; FTS5 syntax characters in terms cannot leak into the query."""
    phrases = []
    for t in terms:
        words = re.findall(r"\w+", t)
        if words:
            phrases.append('"' + " ".join(words) + '"')
    return " OR ".join(dict.fromkeys(phrases))


def field_terms(spec: FieldSpec) -> list[str]:
    """A field's query terms: search terms, then vocabulary values and their aliases."""
    terms = list(spec.search_terms)
    for canon, aliases in spec.vocabulary.items():
        terms.append(canon)
        terms.extend(aliases)
    return list(dict.fromkeys(terms))


def _usable_chunks(db: sqlite_utils.Database, doc_id: str) -> list[Passage]:
    rows = db.execute(
        "SELECT id, text, start, page, section FROM chunks WHERE doc_id = ? AND is_reference = 0 "
        "AND is_boilerplate = 0 ORDER BY ord", [doc_id]).fetchall()
    return [Passage(chunk_id=r[0], text=r[1], start=r[2], page=r[3], score=0.0, section=r[4])
            for r in rows]


def rank_chunks(db: sqlite_utils.Database, doc_id: str, terms: list[str],
                limit: int | None = None) -> list[Passage]:
    """Usable chunks of one document matching any term, best BM25 first (higher score: better)."""
    q = fts_query(terms)
    if not q:
        return []
    lo, hi = db.execute("SELECT min(id), max(id) FROM chunks WHERE doc_id = ?",
                        [doc_id]).fetchone()
    if lo is None:
        return []
    # The rowid range lets FTS5 skip other documents' postings (a document's chunks are
    # inserted together); the doc_id test keeps it correct if they ever are not.
    rows = db.execute(
        "SELECT c.id, c.text, c.start, c.page, -bm25(chunks_fts) AS score, c.section "
        "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
        "WHERE chunks_fts MATCH ? AND chunks_fts.rowid BETWEEN ? AND ? AND c.doc_id = ? "
        "AND c.is_reference = 0 AND c.is_boilerplate = 0 "
        "ORDER BY bm25(chunks_fts), c.ord LIMIT ?",
        [q, lo, hi, doc_id, limit if limit is not None else -1]).fetchall()
    return [Passage(chunk_id=r[0], text=r[1], start=r[2], page=r[3], score=r[4], section=r[5])
            for r in rows]


@lru_cache(maxsize=4096)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans of a chunk's text (ingestion's one splitter; a chunk is whole sentences)."""
    return tuple(split_sentences(text))


def _stem(word: str) -> str:
    # FTS5 uses the Porter stemmer; a crude suffix strip finds the same sentences for windows.
    w = word.lower()
    for suf in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if len(w) - len(suf) >= 4 and w.endswith(suf):
            return w[: -len(suf)]
    return w


@lru_cache(maxsize=256)
def _term_regexes(terms: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    out = []
    for t in terms:
        words = re.findall(r"\w+", t)
        if words:
            out.append(re.compile(r"\b" + r"\W+".join(re.escape(_stem(w)) + r"\w*" for w in words)
                                  + r"\b", re.I))
    return tuple(out)


def _pattern_regexes(spec: FieldSpec) -> tuple[re.Pattern, ...]:
    return tuple(_compiled(p.regex) for p in spec.patterns)


@lru_cache(maxsize=1024)
def _compiled(regex: str) -> re.Pattern:
    return re.compile(regex, re.I)


def _windows(chunk: Passage, regexes: tuple[re.Pattern, ...]) -> list[Passage]:
    """Windows of a chunk around its sentences matching a term, most matching terms first."""
    spans = sentence_spans(chunk.text)
    hits = []
    for i, (a, b) in enumerate(spans):
        n = sum(1 for r in regexes if r.search(chunk.text, a, b))
        if n:
            hits.append((i, n))
    if not hits:    # FTS matched what the crude stemmer does not: fall back to the chunk
        return [chunk]
    merged: list[list[int]] = []     # [first sentence, last sentence, matched terms]
    for i, n in hits:
        lo, hi = max(0, i - NEIGHBOURS), min(len(spans) - 1, i + NEIGHBOURS)
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = hi
            merged[-1][2] += n
        else:
            merged.append([lo, hi, n])
    out = []
    for lo, hi, n in merged:
        a, b = spans[lo][0], spans[hi][1]
        out.append(Passage(chunk_id=chunk.chunk_id, text=chunk.text[a:b], start=chunk.start + a,
                           page=chunk.page, score=chunk.score + n, section=chunk.section))
    out.sort(key=lambda p: -p.score)
    return out


def retrieve_field(db: sqlite_utils.Database, doc_id: str, spec: FieldSpec,
                   k: int | None = DEFAULT_TOP_K, windows: bool = True) -> list[Passage]:
    """Best passages of one document for one field: sentence windows (or whole chunks with
    windows=False or k=None), best first; k=None: every matching chunk."""
    terms = field_terms(spec)
    # twice the chunks, so demoted ones among the best cannot crowd the body's out
    limit = None if k is None else max(k, CHUNKS_PER_FIELD)
    chunks = demote_sections(rank_chunks(db, doc_id, terms, None if limit is None else 2 * limit))
    if k is None or not windows:
        return chunks if k is None else chunks[:k]
    chunks = chunks[:limit]
    regexes = _term_regexes(tuple(terms)) + _pattern_regexes(spec)
    if spec.patterns:
        # The field's value patterns ("0.001 learning rate", "\d+ epochs") find statements
        # that use none of its words; their chunks follow the BM25-ranked ones.
        seen = {c.chunk_id for c in chunks}
        chunks = demote_sections(chunks + [
            c for c in _usable_chunks(db, doc_id) if c.chunk_id not in seen
            and any(r.search(c.text) for r in _pattern_regexes(spec))])
    # Windows are ranked by their chunk's rank first: BM25 knows rare terms matter more.
    # Best window of every chunk before any chunk's second: one long chunk cannot fill the
    # field's ranking on its own.
    per_chunk = [_windows(c, regexes) for c in chunks]
    depth = max((len(w) for w in per_chunk), default=0)
    out = [ws[i] for i in range(depth) for ws in per_chunk if i < len(ws)]
    return out[:k]


def demote_sections(chunks: list[Passage]) -> list[Passage]:
    """Chunks of DEMOTED_SECTIONS after the others, each tier in its given order."""
    return sorted(chunks, key=lambda c: c.section in DEMOTED_SECTIONS)


def merge_rankings(rankings: list[list[Passage]], k: int | None) -> list[Passage]:
    """Round robin over the fields' rankings: every field's best passage, then every field's
    second, ...; a passage overlapping one already taken (same chunk) is merged into it and
    takes no slot of its own."""
    taken: list[Passage] = []
    depth = max((len(r) for r in rankings), default=0)
    for rank in range(depth):
        for r in rankings:
            if k is not None and len(taken) >= k:
                return taken
            if rank < len(r):
                _add(taken, r[rank])
    return taken


def _add(taken: list[Passage], p: Passage) -> None:
    for i, t in enumerate(taken):
        if t.chunk_id == p.chunk_id and p.start < t.start + len(t.text) \
                and t.start < p.start + len(p.text):
            taken[i] = _union(t, p)
            return
    taken.append(p)


def _union(t: Passage, p: Passage) -> Passage:
    """One passage spanning two overlapping passages of the same chunk."""
    if p.start < t.start:
        t, p = p, t
    t_end, p_end = t.start + len(t.text), p.start + len(p.text)
    text = t.text + p.text[t_end - p.start:] if p_end > t_end else t.text
    return Passage(chunk_id=t.chunk_id, text=text, start=t.start, page=t.page,
                   score=max(t.score, p.score), section=t.section)


def retrieve(db: sqlite_utils.Database, doc_id: str, group: GroupSpec,
             k: int | None = DEFAULT_TOP_K, windows: bool = True) -> list[Passage]:
    """The passages a backend reads for one document x group: a fair merge of the group's
    fields' rankings, at most k passages (k=None: every usable chunk, matching ones first)."""
    rankings = [retrieve_field(db, doc_id, f, k, windows) for f in group.fields]
    hits = merge_rankings(rankings, k)
    if k is None:
        seen = {p.chunk_id for p in hits}
        hits += [p for p in _usable_chunks(db, doc_id) if p.chunk_id not in seen]
    return hits
