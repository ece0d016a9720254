"""What verification keeps of a perfect model's answers, and what it lets through when the
answers are wrong (issue 8's ceiling and negative control).

Ingests the gold-dev papers of ../shared/benchmark/corpus into a fresh database, then
  1. imports the gold annotations as a run (`methex annotations import`) and scores the stored
     values against the same gold with `methex eval`'s scorer: recall here is the ceiling every
     backend is held to by verification;
  2. imports two negative controls, each into a fresh database, and counts what verification
     accepts of them (it should accept almost nothing):
     - wrong field: every reported field's values and quotes moved to the next field (in schema
       order, so often a related field of the same group) that the gold marks unknown;
     - wrong paper: every paper's annotations given to the next paper (same fields).

    python benchmarks/bench_annotations.py [--gold DIR] [--corpus DIR] [--json]
    python benchmarks/bench_annotations.py --gold benchmarks/gold-full \
        --corpus ../shared/benchmark/pdfs-full
    python benchmarks/bench_annotations.py --breakdown      # rejected gold values by reason, field
    python benchmarks/bench_annotations.py --no-classifier  # word lists only (extractor.relevance off)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from extractor import relevance, store
from extractor.annotations import import_annotations, load_annotations
from extractor.export import evaluate_db
from extractor.ingest.pipeline import ingest_paths
from extractor.schemas.catalog import load_schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def wrong_field(ann: dict, keys: list[str]) -> dict:
    out = {}
    for doc, fields in ann.items():
        moved: dict[str, dict] = {}
        for i, key in enumerate(keys):
            e = fields.get(key)
            if not e or e["status"] != "reported":
                continue
            for k in keys[i + 1:] + keys[:i]:
                if k in fields and fields[k]["status"] == "unknown" and k not in moved:
                    moved[k] = dict(e)
                    break
        out[doc] = moved
    return out


def wrong_paper(ann: dict) -> dict:
    docs = sorted(ann)
    return {docs[(i + 1) % len(docs)]: {k: e for k, e in ann[d].items()
                                        if e["status"] == "reported"}
            for i, d in enumerate(docs)}


REASON_CLASSES = (("quote not found", "not found"), ("not grounded", "not grounded"),
                  ("not about the field", "does not speak of"),
                  ("another field's value", "known value of another field"))


def reason_class(reason: str) -> str:
    for name, marker in REASON_CLASSES:
        if marker in reason:
            return name
    return "value shape"


def breakdown(db) -> dict[str, dict[str, int]]:
    """{reason class: {field: rejected gold values}} of an imported annotations run."""
    out: dict[str, dict[str, int]] = {}
    for field, reason in db.execute("SELECT field, reason FROM field_values WHERE accepted = 0"):
        per = out.setdefault(reason_class(reason or ""), {})
        per[field] = per.get(field, 0) + 1
    return out


def _fresh_db(tmp: Path, name: str, papers: list[Path]):
    db = store.open_db(tmp / f"{name}.db")
    ingest_paths(db, papers)
    return db


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(SHARED / "gold-dev"))
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--breakdown", action="store_true",
                    help="print the rejected gold values by reason class and field")
    ap.add_argument("--no-classifier", action="store_true",
                    help="judge 'the quote speaks of the field' by the word lists only")
    args = ap.parse_args()
    if args.no_classifier:
        relevance.CLASSIFIER_MIN = 2.0      # switched off
    schema = load_schema()
    ann = load_annotations(args.gold)
    # excerpts (.txt) or full papers (.pdf, e.g. --corpus ../shared/benchmark/pdfs-full)
    papers = [next((Path(args.corpus) / f"{d}{ext}" for ext in (".txt", ".pdf")
                    if (Path(args.corpus) / f"{d}{ext}").exists()), Path(args.corpus) / f"{d}.txt")
              for d in sorted(ann)]
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = _fresh_db(tmp, "oracle", papers)
        rep = import_annotations(db, ann, schema, "gold")
        res = evaluate_db(db, args.gold, schema)
        out["oracle"] = {**{k: res["overall"][k] for k in ("precision", "recall", "f1",
                                                             "status_accuracy", "tp", "gold")},
                         "grounding": dict(db.execute(
                             "SELECT grounding, count(*) FROM field_values WHERE accepted = 1"
                             " GROUP BY 1").fetchall()),
                         "rejected_reasons": rep.reasons,
                         "rejected_breakdown": breakdown(db),
                         "recall_by_field": {k: v["recall"] for k, v in res["fields"].items()}}
        for name, control in (("wrong_field", wrong_field(ann, schema.keys)),
                              ("wrong_paper", wrong_paper(ann))):
            db = _fresh_db(tmp, name, papers)
            r = import_annotations(db, control, schema, name)
            total = r.accepted + r.rejected
            out[name] = {"values": total, "accepted": r.accepted,
                         "accepted_share": r.accepted / total if total else None,
                         "accepted_examples": [list(x) for x in db.execute(
                             "SELECT doc_id, field, value, grounding FROM field_values"
                             " WHERE accepted = 1 LIMIT 40").fetchall()]}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        o = out["oracle"]
        print(f"oracle: recall {o['recall']:.3f} precision {o['precision']:.3f} "
              f"(tp {o['tp']}/{o['gold']}), status {o['status_accuracy']:.3f}")
        print(f"  grounding kinds: {o['grounding']}")
        if args.breakdown:
            by_size = sorted(o["rejected_breakdown"].items(), key=lambda x: -sum(x[1].values()))
            for cls, per in by_size:
                fields = ", ".join(f"{k} {n}" for k, n in sorted(per.items(),
                                                                 key=lambda x: -x[1]))
                print(f"  rejected, {cls}: {sum(per.values())} ({fields})")
        for name in ("wrong_field", "wrong_paper"):
            c = out[name]
            print(f"{name}: {c['accepted']}/{c['values']} accepted "
                  f"({(c['accepted_share'] or 0):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
