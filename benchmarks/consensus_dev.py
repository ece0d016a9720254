"""Consensus of extraction runs against each run alone, on a gold folder (BENCHMARKS.md).

    python benchmarks/consensus_dev.py --db dev.db --gold benchmarks/gold-dev --runs 1 2

The database must hold the input runs over the gold papers. Each run is scored from its own
rows (not the current values), then a consensus run is built for each K in 1..len(runs) (on a
copy of the database) and scored the same way.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from extractor import store
from extractor.consensus import build_consensus
from extractor.evaluate import load_gold, score


def run_predictions(db, run_id: int, docs: list[str]) -> dict:
    """{doc: {field: {"status", "values", "evidence"}}} of one run's done units."""
    pred: dict = {d: {} for d in docs}
    for doc, field, status, value, quote in db.execute(
            "SELECT x.doc_id, x.field, x.status, fv.value, e.quote FROM extractions x"
            " JOIN group_results g ON g.id = x.group_result_id AND g.status = 'done'"
            " LEFT JOIN field_values fv ON fv.extraction_id = x.id AND fv.accepted = 1"
            " LEFT JOIN evidence e ON e.value_id = fv.id WHERE x.run_id = ?"
            " ORDER BY x.id, fv.id, e.id", [run_id]):
        if doc not in pred:
            continue
        f = pred[doc].setdefault(field, {"status": "unknown", "values": [], "evidence": []})
        if value is not None:
            f["status"] = "reported"
            if value not in f["values"]:
                f["values"].append(value)
            if quote:
                f["evidence"].append({"quote": quote})
    return pred


def row(name: str, m: dict) -> str:
    pct = lambda x: "-" if x is None else f"{100 * x:.1f}"    # noqa: E731
    return (f"| {name} | {pct(m['precision'])} | {pct(m['recall'])} | {pct(m['f1'])} | "
            f"{pct(m['hallucination_rate'])} | {pct(m['status_accuracy'])} | "
            f"{m['tp']}/{m['predicted']}/{m['gold']} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--runs", type=int, nargs="+", required=True)
    a = ap.parse_args()
    gold = load_gold(a.gold)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "c.db"
        shutil.copy(a.db, copy)
        db = store.open_db(copy)
        docs = sorted(d for d in gold if d in set(store.document_ids(db)))
        texts = dict(db.execute("SELECT id, text FROM documents").fetchall())
        print("| runs | P % | R % | F1 % | halluc % | status acc % | tp/pred/gold |")
        print("|---|---|---|---|---|---|---|")
        for r in a.runs:
            name = "run {} ({})".format(r, "/".join(db.execute(
                "SELECT backend, model FROM runs WHERE id = ?", [r]).fetchone()))
            print(row(name, score(run_predictions(db, r, docs), gold, texts)["overall"]))
        for k in range(1, len(a.runs) + 1):
            rep = build_consensus(db, a.runs, min_agree=k, doc_ids=docs)
            res = score(run_predictions(db, rep.run_id, docs), gold, texts)["overall"]
            print(row(f"consensus K={k} (conflicting fields: {rep.conflicting})", res))


if __name__ == "__main__":
    main()
