"""Score one offline backend on the gold sets at once: gold-dev (validation), gold-train
(corpus excerpts), gold-full (full-text PDFs) and, on request, the invented papers of other
fields (syn-t and syn-t2 to tune on, syn-v and syn-v2 to validate; syn-tp and syn-vp: the
first batch as PDFs).

Each set is ingested once into a cached database (``--cache``, default a temp folder), copied
for every run, extracted with the real pipeline (retrieve -> backend -> verify -> store) and
scored with `methex eval`'s scorer. For the learned backends, gold-train is only a fair test
with a classifier that did not see it: use benchmarks/cv_learned.py for that.

    python benchmarks/eval_sets.py --backend rules --sets dev,full
    python benchmarks/eval_sets.py --backend learned --sets dev,full --per-field
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from extractor import store
from extractor.backends import make_backend
from extractor.export import evaluate_db
from extractor.extract import Settings, run_extraction
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmark"
SYNTH = ROOT / "benchmarks" / "synthetic-other"
SYNTH_PDF = Path(tempfile.gettempdir()) / "methex_synthetic_pdfs"
SYNTH_MS = Path(tempfile.gettempdir()) / "methex_synthetic_manuscripts"
SETS = {
    "dev": (SHARED / "gold-dev", SHARED / "corpus", ".txt"),
    "train": (ROOT / "benchmarks" / "gold-train", SHARED / "corpus", ".txt"),
    "full": (ROOT / "benchmarks" / "gold-full", SHARED / "pdfs-full", ".pdf"),
    # invented papers of other fields (benchmarks/synthetic-other/README.md): a tuning and a
    # validation half
    "syn-t": (SYNTH / "gold-tune", SYNTH / "texts", ".txt"),
    "syn-v": (SYNTH / "gold-val", SYNTH / "texts", ".txt"),
    # a second batch of five other families (medicine, robotics, chemistry, astronomy, social
    # science), written in the fifth session: paper 1 of each to tune on, paper 2 to validate
    "syn-t2": (SYNTH / "gold-tune2", SYNTH / "texts", ".txt"),
    "syn-v2": (SYNTH / "gold-val2", SYNTH / "texts", ".txt"),
    # the same papers rendered as two-column PDFs on first use (render_synthetic_pdfs.py)
    "syn-tp": (SYNTH / "gold-tune", SYNTH_PDF, ".pdf"),
    "syn-vp": (SYNTH / "gold-val", SYNTH_PDF, ".pdf"),
    # and as line-numbered one-column manuscripts (render_synthetic_pdfs.py --manuscript)
    "syn-tl": (SYNTH / "gold-tune", SYNTH_MS, ".pdf"),
    "syn-vl": (SYNTH / "gold-val", SYNTH_MS, ".pdf"),
}


def cached_db(name: str, cache: Path) -> Path:
    gold, src, ext = SETS[name]
    path = cache / f"{name}.db"
    if not path.exists():
        if src == SYNTH_PDF and not any(src.glob("*.pdf")):
            from render_synthetic_pdfs import render
            render(SYNTH / "texts", src)
        if src == SYNTH_MS and not any(src.glob("*.pdf")):
            from render_synthetic_pdfs import render_manuscript
            render_manuscript(SYNTH / "texts", src)
        ids = sorted(p.stem for p in gold.glob("*.json"))
        db = store.open_db(str(path))
        ingest_paths(db, [src / f"{i}{ext}" for i in ids])
        db.conn.close()
    return path


def run_set(name: str, backend, cache: Path, fields=None,
            schema=None) -> tuple[dict, float, int]:
    gold = SETS[name][0]
    schema = schema or load_schema()
    work = Path(tempfile.mkdtemp()) / f"{name}.db"
    shutil.copy(cached_db(name, cache), work)
    db = store.open_db(str(work))
    ids = sorted(p.stem for p in gold.glob("*.json"))
    t0 = time.monotonic()
    run_extraction(db, backend, schema, Settings(top_k=None, docs=ids, fields=fields))
    seconds = time.monotonic() - t0
    res = evaluate_db(db, gold, schema, fields)
    res["_db"] = str(work)
    return res, seconds, len(ids)


def exported(name: str, db_path: str, schema=None) -> tuple[dict, dict]:
    """(pred, gold) of one set: every gold paper's exported fields from a run's database (as
    `methex export` writes them), and the gold annotations."""
    from extractor.evaluate import load_gold
    from extractor.export import export_records
    gold = load_gold(SETS[name][0])
    db = store.open_db(db_path)
    return ({r["doc_id"]: r["fields"]
             for r in export_records(db, schema or load_schema(), sorted(gold))}, gold)


def show(name: str, db_path: str, field: str) -> None:
    pred, gold = exported(name, db_path)
    for doc in sorted(gold):
        g = gold[doc].get(field, {})
        p = pred.get(doc, {}).get(field, {})
        print(f"  {doc[:28]:28s} gold {g.get('values')}\n  {'':28s} pred {p.get('values')}")
        for e in p.get("evidence") or []:
            print(f"  {'':32s} | {(e.get('quote') or '')[:160]}")


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="rules")
    ap.add_argument("--model", default=None, help="learned: a trained artefact folder")
    ap.add_argument("--option", action="append", default=[], help="backend option k=v")
    ap.add_argument("--sets", default="dev,train,full")
    ap.add_argument("--fields", default=None)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "methex_eval_sets"))
    ap.add_argument("--per-field", action="store_true")
    ap.add_argument("--json", default=None, help="write all results to this file")
    ap.add_argument("--show", default=None, help="print gold and predicted values of this field")
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    opts = dict(o.split("=", 1) for o in args.option)
    if args.model:
        opts["model"] = args.model
    backend = make_backend(args.backend, **opts)
    fields = args.fields.split(",") if args.fields else None
    out = {}
    for name in args.sets.split(","):
        res, secs, n = run_set(name, backend, cache, fields)
        out[name] = {"result": res, "seconds_per_paper": round(secs / n, 2)}
        if args.per_field:
            print(f"{name}: field                 status   P     R     F1    halluc")
            for k, m in res["fields"].items():
                print(f"  {k:26s} {_f(m['status_accuracy'])} {_f(m['precision'])} "
                      f"{_f(m['recall'])} {_f(m['f1'])} {_f(m['hallucination_rate'])}")
        if args.show:
            show(name, res["_db"], args.show)
        o = res["overall"]
        print(f"{args.backend} {opts or ''} {name:5s} ({n} papers): status {_f(o['status_accuracy'])}"
              f" P {_f(o['precision'])} R {_f(o['recall'])} F1 {_f(o['f1'])} halluc "
              f"{_f(o['hallucination_rate'])} verbatim {_f(o.get('evidence_verbatim'))} "
              f"{secs / n:.2f} s/paper", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
