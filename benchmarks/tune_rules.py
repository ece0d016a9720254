"""Benchmark the rules backend on the gold-dev set (and eyeball hits on other corpus files).

    python benchmarks/tune_rules.py                       # score against ../shared gold-dev
    python benchmarks/tune_rules.py --field optimizer -v  # show per-doc pred vs gold
    python benchmarks/tune_rules.py --sample 30 --field hardware   # hits on non-gold files

Passages are built the simple way (normalised text, reference list cut off, ~1,000-character
chunks on sentence boundaries); every candidate then goes through the core's verification
(extractor.verify.check_candidate) exactly as in the real pipeline.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from extractor.backends.base import GroupTask, Passage
from extractor.backends.rules import RulesBackend
from extractor.evaluate import load_gold, match_values, score
from extractor.ingest.normalize import normalize
from extractor.schemas.catalog import load_schema
from extractor.verify import check_candidate

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"
_REFS = re.compile(r"\n\s*(?:References|REFERENCES|Bibliography|Literature cited)\s*\n")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])|\n\n")


def passages_of(text: str, size: int = 1000) -> list[Passage]:
    """Chunks as ingestion makes them (reference/boilerplate chunks dropped), else a fallback."""
    try:
        from extractor.ingest.chunk import make_chunks
    except ImportError:
        return simple_passages(text, size)
    return [Passage(c.ord, c.text, c.start, c.page) for c in make_chunks(text)
            if not c.is_reference and not c.is_boilerplate]


def simple_passages(text: str, size: int = 1000) -> list[Passage]:
    heads = list(_REFS.finditer(text))
    if heads and heads[-1].start() > len(text) * 0.3:
        text = text[:heads[-1].start()]
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        if m.start() - start >= size:
            out.append(Passage(len(out), text[start:m.start()], start, None))
            start = m.end()
    if start < len(text):
        out.append(Passage(len(out), text[start:], start, None))
    return out


def run_doc(backend, schema, text):
    passages = passages_of(text)
    pred: dict[str, dict] = {}
    rejected = []
    for g in schema.groups:
        task = GroupTask(doc_id="-", group=g, passages=passages)
        for c in backend.extract(task).candidates:
            _, reason = check_candidate(c, schema.field(c.field), text, passages)
            if reason:
                rejected.append((c, reason))
                continue
            e = pred.setdefault(c.field, {"status": "reported", "values": [], "evidence": []})
            e["values"].append(c.value)
            e["evidence"].append({"quote": c.quote})
    return pred, rejected


def fmt(x):
    return "   -" if x is None else f"{x:5.2f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--field", action="append", help="only show these fields in detail")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--sample", type=int, default=0, help="show hits on N non-gold files")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--errors", action="store_true",
                    help="list predicted values that match no gold value, with their quotes")
    ap.add_argument("--json", type=Path, help="write the score report here")
    ap.add_argument("--half", choices=("a", "b"),
                    help="score only half of gold-dev (a = even, b = odd positions in sorted id "
                         "order): develop rules on one half, check they hold on the other")
    a = ap.parse_args()
    schema = load_schema()
    backend = RulesBackend()
    corpus = a.shared / "corpus"
    gold = load_gold(a.shared / "gold-dev")
    if a.half:
        keep = sorted(gold)[(a.half == "b")::2]
        gold = {d: gold[d] for d in keep}

    if a.sample:
        files = sorted(p for p in corpus.glob("*.txt") if p.stem not in gold)
        random.Random(a.seed).shuffle(files)
        for p in files[: a.sample]:
            pred, _ = run_doc(backend, schema, normalize(p.read_text(encoding="utf-8")))
            for key, e in pred.items():
                if a.field and key not in a.field:
                    continue
                for v, q in zip(e["values"], e["evidence"]):
                    print(f"{p.stem[:28]:28} {key:22} {v!r:32} | {q['quote'][:200]!r}")
        return 0

    preds, texts, secs = {}, {}, 0.0
    for doc in gold:
        text = normalize((corpus / f"{doc}.txt").read_text(encoding="utf-8"))
        t0 = time.perf_counter()
        preds[doc], rejected = run_doc(backend, schema, text)
        secs += time.perf_counter() - t0
        texts[doc] = text
        if a.verbose:
            for key, g in gold[doc].items():
                if a.field and key not in a.field:
                    continue
                p = preds[doc].get(key, {"values": [], "evidence": []})
                if p["values"] or g["values"]:
                    print(f"{doc[:28]:28} {key:20} PRED {p['values']}\n{'':49} GOLD {g['values']}")
                    for q in p["evidence"]:
                        print(f"{'':49}   q: {q['quote'][:160]!r}")
            for c, reason in rejected:
                if not a.field or c.field in a.field:
                    print(f"{doc[:28]:28} REJECTED {c.field} {c.value!r}: {reason}")
    if a.errors:
        for doc in gold:
            for key, g in gold[doc].items():
                p = preds[doc].get(key)
                if not p or (a.field and key not in a.field):
                    continue
                hit = {i for i, _ in match_values(p["values"], g["values"])}
                for i, (v, q) in enumerate(zip(p["values"], p["evidence"])):
                    if i not in hit:
                        tag = "HALL" if g["status"] == "unknown" else "FP  "
                        print(f"{tag} {doc[:24]:24} {key:22} {v!r:30} | {q['quote'][:150]!r}")
    rep = score(preds, gold, texts)
    print(f"\n{'field':24} {'n':>3} {'stat':>5} {'P':>5} {'R':>5} {'F1':>5} {'hall':>5} "
          f"{'pred':>4} {'gold':>4}")
    for key in schema.keys:
        r = rep["fields"].get(key)
        if r:
            print(f"{key:24} {r['n']:3} {fmt(r['status_accuracy'])} {fmt(r['precision'])} "
                  f"{fmt(r['recall'])} {fmt(r['f1'])} {fmt(r['hallucination_rate'])} "
                  f"{r['predicted']:4} {r['gold']:4}")
    o = rep["overall"]
    print(f"{'OVERALL':24} {o['n']:3} {fmt(o['status_accuracy'])} {fmt(o['precision'])} "
          f"{fmt(o['recall'])} {fmt(o['f1'])} {fmt(o['hallucination_rate'])} "
          f"{o['predicted']:4} {o['gold']:4}  evidence_verbatim={fmt(o['evidence_verbatim'])}")
    print(f"{rep['docs']} docs, {secs / max(1, rep['docs']):.3f} s/paper (extract + verify)")
    if a.json:
        rep["seconds_per_paper"] = secs / max(1, rep["docs"])
        a.json.write_text(json.dumps(rep, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
