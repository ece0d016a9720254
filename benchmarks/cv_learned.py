"""Cross-validation by paper of the learned backend on a gold folder (default: gold-train).

Papers are dealt into k folds (sorted ids, round robin). For each fold the classifier is trained
on the other folds' papers only, then the real pipeline (ingest -> retrieve -> backend -> verify
-> store) runs on the fold's papers. The pooled held-out results are scored against the gold
files, next to the rules backend on the same papers (rules never saw them: it was tuned on
gold-dev). Example:

    python benchmarks/cv_learned.py --gold benchmarks/gold-train --folds 5
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from extractor import store
from extractor.backends import make_backend
from extractor.backends.learned import LearnedBackend
from extractor.export import evaluate_db
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.learned_data import load_examples
from extractor.schemas.catalog import load_schema
from extractor.train import save, train

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def _table(name: str, res: dict, per_field: bool) -> None:
    f = lambda x: "  -  " if x is None else f"{x:.3f}"  # noqa: E731
    if per_field:
        print(f"{name}\nfield                      status   P     R     F1    halluc")
        for k, m in res["fields"].items():
            print(f"{k:26s} {f(m['status_accuracy'])} {f(m['precision'])} {f(m['recall'])} "
                  f"{f(m['f1'])} {f(m['hallucination_rate'])}")
    o = res["overall"]
    print(f"{name + ' OVERALL':26s} {f(o['status_accuracy'])} {f(o['precision'])} "
          f"{f(o['recall'])} {f(o['f1'])} {f(o['hallucination_rate'])}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default="benchmarks/gold-train")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--gate", default=None, help="one value or a comma list (a sweep)")
    ap.add_argument("--threshold", default=None, help="one value or a comma list (a sweep)")
    ap.add_argument("--max-phrases", type=int, default=None)
    ap.add_argument("--top-k", type=int, default=None, help="passages per group (default: all)")
    ap.add_argument("--no-rules", action="store_true", help="skip the rules comparison")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    schema = load_schema()
    examples = load_examples(args.gold, args.corpus)
    ids = sorted({e.doc_id for e in examples})
    folds = [ids[i::args.folds] for i in range(args.folds)]
    tmp = Path(tempfile.mkdtemp())
    gates = [float(x) for x in args.gate.split(",")] if args.gate else [None]
    thresholds = [float(x) for x in args.threshold.split(",")] if args.threshold else [None]
    combos = [{k: v for k, v in (("gate", g), ("threshold", t), ("max_phrases", args.max_phrases))
               if v is not None} for g in gates for t in thresholds]
    dbs = []
    for n in range(len(combos)):
        dbs.append(store.open_db(str(tmp / f"learned{n}.db")))
        ingest_paths(dbs[-1], [Path(args.corpus) / f"{i}.txt" for i in ids])
    seconds = 0.0
    for n, fold in enumerate(folds):
        held = set(fold)
        nlp = train([e for e in examples if e.doc_id not in held], schema.keys, seed=0)
        model_dir = tmp / f"fold{n}"
        save(nlp, model_dir, {"papers": len(ids) - len(fold), "seed": 0})
        for db, opts in zip(dbs, combos):
            backend = LearnedBackend(model_dir, **opts)
            t0 = time.monotonic()
            run_extraction(db, backend, schema, Settings(top_k=args.top_k, docs=fold))
            seconds += time.monotonic() - t0
    results = [evaluate_db(db, args.gold, schema) for db in dbs]
    learned, opts = results[0], combos[0]
    out = {"papers": len(ids), "folds": args.folds, "learned": learned, "options": opts,
           "learned_seconds_per_paper": round(seconds / len(ids) / len(combos), 2)}
    if not args.no_rules:
        rdb = store.open_db(str(tmp / "rules.db"))
        ingest_paths(rdb, [Path(args.corpus) / f"{i}.txt" for i in ids])
        run_extraction(rdb, make_backend("rules"), schema, Settings(top_k=None, docs=ids))
        out["rules"] = evaluate_db(rdb, args.gold, schema)
    if len(combos) > 1:
        for o, r in zip(combos, results):
            _table(f"learned {o}", r, False)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{len(ids)} papers of {args.gold}, {args.folds} folds by paper, options {opts}, "
          f"top_k={args.top_k}")
    _table("learned (held-out folds)", learned, True)
    if "rules" in out:
        _table("rules", out["rules"], True)
        _table("learned", learned, False)
    print(json.dumps({"learned_seconds_per_paper": out["learned_seconds_per_paper"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
