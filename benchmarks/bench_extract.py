"""End-to-end accuracy and cost of one backend on the gold-dev papers.

Ingests the gold-dev documents of ../shared/benchmark/corpus into a fresh database, runs the
real pipeline (retrieve -> backend -> verify -> store), scores the stored results with
`methex eval`'s scorer and prints overall and per-field numbers plus cost (seconds, LLM calls and
prompt tokens per paper). Examples:

    python benchmarks/bench_extract.py --backend rules
    python benchmarks/bench_extract.py --backend rules --gold benchmarks/gold-train
    python benchmarks/bench_extract.py --backend llama --model qwen2.5-coder-1.5b --limit 5
    python benchmarks/bench_extract.py --backend llama --model qwen2.5-coder-1.5b --hints
    python benchmarks/bench_extract.py --backend llama --model qwen2.5-coder-1.5b --hybrid
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from extractor import store
from extractor.backends import make_backend, prompt_hash_for
from extractor.export import evaluate_db
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="rules")
    ap.add_argument("--model", default=None)
    ap.add_argument("--base-url", default=None)
    ap.add_argument("--hints", action="store_true", help="rules candidates as hints for LLMs")
    ap.add_argument("--hybrid", action="store_true",
                    help="rules values stand; the LLM is asked only where the rules found none")
    ap.add_argument("--top-k", type=int, default=None)
    ap.add_argument("--top-sentences", type=int, default=None,
                    help="sentences shown per field to LLM backends (default: the backend's)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N gold papers")
    ap.add_argument("--fields", default=None, help="comma-separated keys (default: all)")
    ap.add_argument("--db", default=None, help="keep the database here (default: temporary)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--shared", default=str(SHARED))
    ap.add_argument("--gold", default=None,
                    help="score this gold folder instead of gold-dev (its papers are read from "
                         "the shared corpus), e.g. benchmarks/gold-train")
    args = ap.parse_args()

    shared = Path(args.shared)
    gold_dir = Path(args.gold) if args.gold else shared / "gold-dev"
    ids = sorted(p.stem for p in gold_dir.glob("*.json"))[: args.limit]
    db_path = args.db or str(Path(tempfile.mkdtemp()) / "bench.db")
    db = store.open_db(db_path)
    ingest_paths(db, [shared / "corpus" / f"{i}.txt" for i in ids])

    schema = load_schema()
    backend = make_backend(args.backend, model=args.model, base_url=args.base_url,
                           top_sentences=args.top_sentences)
    hints = (make_backend("rules") if (args.hints or args.hybrid) and args.backend != "rules"
             else None)
    top_k = args.top_k if args.top_k is not None else (
        None if args.backend in ("rules", "learned") or args.hybrid else 6)
    fields = args.fields.split(",") if args.fields else None
    settings = Settings(top_k=top_k, docs=ids, fields=fields, prompt_hash=prompt_hash_for(backend),
                        hybrid=args.hybrid)
    t0 = time.monotonic()
    report = run_extraction(db, backend, schema, settings, hints)
    seconds = time.monotonic() - t0

    res = evaluate_db(db, gold_dir, schema, fields)
    calls, ptok, ctok, again = db.execute(
        "SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), "
        "coalesce(sum(attempt > 1), 0) FROM llm_calls WHERE run_id = ?",
        [report.run_id]).fetchone()
    n = len(ids)
    cost = {"papers": n, "seconds_per_paper": round(seconds / n, 2),
            "llm_calls_per_paper": round(calls / n, 2), "reasks_per_paper": round(again / n, 2),
            "prompt_tokens_per_paper": round(ptok / n), "completion_tokens_per_paper": round(ctok / n),
            "failed_units": report.failed}
    label = f"{backend.name}/{backend.model}" + (
        " hybrid (rules first)" if args.hybrid else " + rules hints" if hints else "")
    if hasattr(backend, "top_sentences"):
        label += f", {backend.top_sentences} sentences/field"
    if args.json:
        print(json.dumps({"backend": label, "cost": cost, **res}, indent=2))
        return 0
    o = res["overall"]
    print(f"{label}: {n} papers of {gold_dir.name}, top_k={top_k}")
    print("field                      status   P     R     F1    halluc")
    for k, m in res["fields"].items():
        print(f"{k:26s} {_f(m['status_accuracy'])} {_f(m['precision'])} {_f(m['recall'])} "
              f"{_f(m['f1'])} {_f(m['hallucination_rate'])}")
    print(f"{'OVERALL':26s} {_f(o['status_accuracy'])} {_f(o['precision'])} {_f(o['recall'])} "
          f"{_f(o['f1'])} {_f(o['hallucination_rate'])}  evidence verbatim "
          f"{_f(o.get('evidence_verbatim'))}")
    print(json.dumps(cost))
    return 0


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


if __name__ == "__main__":
    sys.exit(main())
