"""Which descriptive fields gain from open-vocabulary phrase values (rules_phrases.py)?
Cross-validation by paper on a gold folder (default gold-train): the sentence classifier is
retrained on the other folds for each fold (as benchmarks/cv_learned.py deals them), so a
paper's sentences are judged by a classifier that never saw it; the rules backend's own values
come from the real pipeline. Prints F1 (P/R/hallucination) per descriptive field for rules
alone and with phrase values for that field only, and overall with the fields that gained.

    python benchmarks/phrases_cv.py --folds 5
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from extractor import store
from extractor.backends import make_backend
from extractor.backends.rules_phrases import passage_sentences, phrase_values
from extractor.core import Passage
from extractor.evaluate import load_gold, score
from extractor.export import export_records
from extractor.extract import Settings, run_extraction
from extractor.ingest.normalize import normalize
from extractor.ingest.pipeline import ingest_paths
from extractor.learned_data import load_examples
from extractor.schemas.catalog import load_schema
from extractor.train import train

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _row(m: dict) -> str:
    return (f"{_f(m['f1'])} ({_f(m['precision'])}/{_f(m['recall'])}/"
            f"{_f(m['hallucination_rate'])})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default="benchmarks/gold-train")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    schema = load_schema()
    gold = load_gold(args.gold)
    examples = load_examples(args.gold, args.corpus)
    ids = sorted({e.doc_id for e in examples})
    folds = [ids[i::args.folds] for i in range(args.folds)]

    db = store.open_db(str(Path(tempfile.mkdtemp()) / "rules.db"))
    ingest_paths(db, [Path(args.corpus) / f"{i}.txt" for i in ids])
    run_extraction(db, make_backend("rules"), schema, Settings(top_k=None, docs=ids))
    pred = {r["doc_id"]: r["fields"] for r in export_records(db, schema, ids)}
    gold = {d: gold[d] for d in ids}

    specs = [f for f in schema.fields if f.descriptive]
    added: dict[str, dict[str, list[str]]] = {f.key: {} for f in specs}
    for n, fold in enumerate(folds):
        held = set(fold)
        nlp = train([e for e in examples if e.doc_id not in held], schema.keys, seed=0)
        cache: dict[str, dict[str, float]] = {}

        def scorer(text: str) -> dict[str, float]:
            if text not in cache:
                cache[text] = dict(nlp(text).cats)
            return cache[text]

        for doc in fold:
            text = normalize((Path(args.corpus) / f"{doc}.txt").read_text(encoding="utf-8"))
            sents = passage_sentences([Passage(chunk_id=0, text=text, start=0, page=None)])
            for f in specs:
                known = list((pred.get(doc, {}).get(f.key) or {}).get("values") or [])
                added[f.key][doc] = [v for v, _ in phrase_values(sents, f, known,
                                                                 scorer=scorer)]
        print(f"fold {n + 1}/{args.folds} done", file=sys.stderr, flush=True)

    def with_phrases(keys: set[str]) -> dict:
        out = {}
        for doc in ids:
            fields = {k: dict(v) for k, v in pred.get(doc, {}).items()}
            for k in keys:
                extra = added[k].get(doc) or []
                if extra:
                    e = fields.setdefault(k, {"status": "unknown", "values": []})
                    e["values"] = list(e.get("values") or []) + extra
                    e["status"] = "reported"
            out[doc] = fields
        return score(out, gold)

    base = score(pred, gold)
    gained = set()
    print(f"{len(ids)} papers of {args.gold}, {args.folds} folds by paper")
    print(f"{'field':24s} rules F1 (P/R/halluc)        with phrases")
    for f in specs:
        one = with_phrases({f.key})["fields"][f.key]
        b = base["fields"].get(f.key)
        if b is None:
            continue
        if (one["f1"] or 0) > (b["f1"] or 0):
            gained.add(f.key)
        print(f"{f.key:24s} {_row(b)}  {_row(one)}")
    for name, res in (("rules", base), (f"rules + phrases for {sorted(gained)}",
                                         with_phrases(gained))):
        o = res["overall"]
        print(f"{name}: status {_f(o['status_accuracy'])} P {_f(o['precision'])} "
              f"R {_f(o['recall'])} F1 {_f(o['f1'])} halluc {_f(o['hallucination_rate'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
