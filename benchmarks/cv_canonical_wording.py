"""Which spelling of a vocabulary value do annotators write? Learn it from gold-train.

The rules backend stores a vocabulary hit under its canonical value ("Support vector machine");
the scorer matches values by tokens (evaluate.py), so a canonical spelled unlike the annotators'
("Cohen's kappa" against "kappa coefficient") loses a true value. For every canonical value
predicted on gold-train this script tries each of its aliases in its place (no re-extraction:
the same predictions, rescored) and counts the true values gained. Cross-validation by paper
(5 folds) shows whether a choice made on four folds holds on the fifth; dev and full are only
reported, never used to choose.

    python benchmarks/cv_canonical_wording.py [--min-gain 2] [--cache DIR]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import eval_sets as E  # noqa: E402
from extractor.backends import make_backend  # noqa: E402
from extractor.evaluate import match_values  # noqa: E402
from extractor.schemas.catalog import load_schema  # noqa: E402


def predictions(name: str, cache: Path) -> tuple[dict, dict]:
    """(pred, gold): values per doc and field of the rules backend on one gold set."""
    res, _, _ = E.run_set(name, make_backend("rules"), cache)
    pred, gold = E.exported(name, res["_db"])
    return {d: {k: v.get("values") or [] for k, v in fs.items()} for d, fs in pred.items()}, gold


def tp(pred: dict, gold: dict, docs, renames: dict) -> int:
    """True values over docs, with predicted canonical values renamed ((field, old) -> new)."""
    n = 0
    for d in docs:
        for f, g in gold[d].items():
            vals = [renames.get((f, v), v) for v in pred.get(d, {}).get(f, [])]
            n += len(match_values(vals, g.get("values") or []))
    return n


def candidates(schema) -> list[tuple[str, str, str]]:
    return [(f.key, canon, a) for f in schema.fields for canon, aliases in f.vocabulary.items()
            for a in aliases if a != canon]


def gains(pred, gold, docs, cands) -> dict[tuple[str, str, str], int]:
    base = tp(pred, gold, docs, {})
    used = {(f, v) for d in docs for f, vs in pred.get(d, {}).items() for v in vs}
    return {c: tp(pred, gold, docs, {(c[0], c[1]): c[2]}) - base
            for c in cands if (c[0], c[1]) in used}


def choose(g: dict, min_gain: int) -> dict[tuple[str, str], str]:
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for (f, canon, alias), n in g.items():
        if n >= min_gain and n > best.get((f, canon), (0, ""))[0]:
            best[(f, canon)] = (n, alias)
    return {k: a for k, (_, a) in best.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-gain", type=int, default=2)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "methex_eval_sets"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    schema = load_schema()
    cands = candidates(schema)
    pred, gold = predictions("train", cache)
    docs = sorted(gold)
    random.Random(0).shuffle(docs)
    folds = [docs[i::args.folds] for i in range(args.folds)]
    held_base = held_new = 0
    for i, test in enumerate(folds):
        train = [d for d in docs if d not in test]
        chosen = choose(gains(pred, gold, train, cands), args.min_gain)
        b, n = tp(pred, gold, test, {}), tp(pred, gold, test, chosen)
        held_base += b
        held_new += n
        print(f"fold {i}: {len(chosen)} renames chosen on {len(train)} papers; held-out true "
              f"values {b} -> {n}")
    print(f"cross-validation: held-out true values {held_base} -> {held_new}")
    chosen = choose(gains(pred, gold, docs, cands), args.min_gain)
    print(f"chosen on all of gold-train (gain >= {args.min_gain}):")
    for (f, canon), alias in sorted(chosen.items()):
        print(f"  {f}: {canon!r} -> {alias!r}")
    for name in ("dev", "full"):
        p, g = predictions(name, cache)
        print(f"{name}: true values {tp(p, g, sorted(g), {})} -> {tp(p, g, sorted(g), chosen)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
