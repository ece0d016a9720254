"""Training examples for the learned backend, made from gold annotation files.

A gold file gives, per field, evidence quotes (verbatim, white space folded). A sentence of the
paper is a positive example of field F when it overlaps one of F's quotes; every other sentence
is a negative for F. Sentences are cut exactly as the backend cuts passages at run time
(extractor.backends.rules: normalise + sentences), so training and use see the same units.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from extractor.backends.rules import normalise, sentences
from extractor.ingest.normalize import normalize, normalize_for_match, normalize_for_match_with_map

MIN_OVERLAP = 0.3       # share of the shorter of (sentence, quote) that must overlap
MIN_WORDS = 4           # shorter pieces are headings and table cells: never examples


@dataclass(frozen=True)
class Example:
    doc_id: str
    text: str
    labels: frozenset[str]          # fields this sentence states


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans (offsets into text) as the backend cuts them."""
    norm = normalise(text)
    return [norm.span(a, b) for a, b in sentences(norm)]


def quote_spans(doc: str, quote: str) -> list[tuple[int, int]]:
    """Every place of quote in doc (match-folded), as offsets into doc."""
    ftext, omap = normalize_for_match_with_map(doc)
    fq = normalize_for_match(quote)
    out, i = [], ftext.find(fq) if fq else -1
    while i >= 0:
        out.append((omap[i], omap[i + len(fq)]))
        i = ftext.find(fq, i + 1)
    return out


def doc_examples(doc_id: str, raw_text: str, gold_fields: dict) -> list[Example]:
    doc = normalize(raw_text)
    spans_by_field: dict[str, list[tuple[int, int]]] = {}
    for key, entry in gold_fields.items():
        if entry.get("status") != "reported":
            continue
        for q in entry.get("evidence") or []:
            spans_by_field.setdefault(key, []).extend(quote_spans(doc, q))
    out = []
    for a, b in sentence_spans(doc):
        text = doc[a:b].strip()
        if len(text.split()) < MIN_WORDS:
            continue
        labels = set()
        for key, spans in spans_by_field.items():
            for qa, qb in spans:
                ov = min(b, qb) - max(a, qa)
                if ov > 0 and ov >= MIN_OVERLAP * min(b - a, qb - qa):
                    labels.add(key)
                    break
        out.append(Example(doc_id, text, frozenset(labels)))
    return out


def load_examples(gold_dir: str | Path, corpus_dir: str | Path) -> list[Example]:
    """Examples of every gold file whose paper is in the corpus folder (<doc_id>.txt)."""
    out: list[Example] = []
    for p in sorted(Path(gold_dir).glob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        doc_id = str(data.get("doc_id") or p.stem)
        src = Path(corpus_dir) / f"{doc_id}.txt"
        if not src.exists():
            continue
        out.extend(doc_examples(doc_id, src.read_text(encoding="utf-8"), data["fields"]))
    return out
