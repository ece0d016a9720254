"""Cross-validation by paper of the one per-field choice the rules backend learns from
annotations: which descriptive fields report vocabulary hits in the paper's wording
(`surface_values`, schemas/dl_methodology.yaml).

The choice was made on all of gold-train; this script repeats the selection inside 5 folds by
paper (choose a field's setting on 4 folds by its micro F1 there, score the 5th), so the
held-out numbers show what the selection procedure is worth on papers it did not see.

    python benchmarks/cv_surface_values.py [--folds 5] [--cache DIR]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_sets  # noqa: E402

from extractor import store  # noqa: E402
from extractor.backends import make_backend  # noqa: E402
from extractor.evaluate import load_gold, match_values  # noqa: E402
from extractor.export import export_records  # noqa: E402
from extractor.extract import Settings, run_extraction  # noqa: E402
from extractor.schemas.catalog import DEFAULT_SCHEMA, load_schema  # noqa: E402


def schema_variant(surface: bool, out: Path) -> Path:
    """The bundled schema with surface_values on (or off) for every descriptive field."""
    from importlib import resources
    text = resources.files("extractor.schemas").joinpath(f"{DEFAULT_SCHEMA}.yaml").read_text()
    text = re.sub(r"\n  surface_values: true\n", "\n", text)
    if surface:
        text = text.replace("\n  descriptive: true\n", "\n  descriptive: true\n  surface_values: true\n")
    out.write_text(text)
    return out


def counts(name: str, schema_path: Path, cache: Path) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(paper, field) -> (tp, predicted, gold) for one schema variant."""
    gold_dir = eval_sets.SETS[name][0]
    work = Path(tempfile.mkdtemp()) / f"{name}.db"
    shutil.copy(eval_sets.cached_db(name, cache), work)
    db = store.open_db(str(work))
    gold = load_gold(gold_dir)
    schema = load_schema(str(schema_path))
    run_extraction(db, make_backend("rules"), schema, Settings(top_k=None, docs=sorted(gold)))
    pred = {r["doc_id"]: r["fields"] for r in export_records(db, schema, sorted(gold))}
    out = {}
    for doc, fields in gold.items():
        for f, g in fields.items():
            gv = g.get("values") or []
            pv = (pred.get(doc, {}).get(f) or {}).get("values") or []
            out[(doc, f)] = (len(match_values(pv, gv)), len(pv), len(gv))
    return out


def prf(tp: int, p: int, g: int) -> tuple[float, float, float]:
    P = tp / p if p else 0.0
    R = tp / g if g else 0.0
    return P, R, (2 * P * R / (P + R) if P + R else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--set", default="train")
    ap.add_argument("--cache", default=None)
    a = ap.parse_args()
    cache = Path(a.cache or tempfile.mkdtemp())
    tmp = Path(tempfile.mkdtemp())
    on = counts(a.set, schema_variant(True, tmp / "on.yaml"), cache)
    off = counts(a.set, schema_variant(False, tmp / "off.yaml"), cache)
    shipped = counts(a.set, Path(load_schema().spec_json and
                                 eval_sets.ROOT / "schemas" / f"{DEFAULT_SCHEMA}.yaml"), cache)
    descriptive = sorted({f.key for f in load_schema().fields if f.descriptive})
    docs = sorted({d for d, _ in on})
    fold_of = {d: i % a.folds for i, d in enumerate(docs)}

    def total(table, keep=lambda d: True):
        t = [0, 0, 0]
        for (d, _), c in table.items():
            if keep(d):
                t = [x + y for x, y in zip(t, c)]
        return t

    def field_f1(table, f, keep):
        t = [0, 0, 0]
        for (d, fk), c in table.items():
            if fk == f and keep(d):
                t = [x + y for x, y in zip(t, c)]
        return prf(*t)[2]

    held = [0, 0, 0]
    chosen_per_fold = []
    for k in range(a.folds):
        train = lambda d, k=k: fold_of[d] != k          # noqa: E731
        test = lambda d, k=k: fold_of[d] == k           # noqa: E731
        pick = {f for f in descriptive if field_f1(on, f, train) > field_f1(off, f, train)}
        chosen_per_fold.append(pick)
        for (d, f), c in off.items():
            if test(d):
                src = on if f in pick else off
                held = [x + y for x, y in zip(held, src[(d, f)])]
    print(f"{a.set}, {len(docs)} papers, {a.folds} folds by paper (status-free value scores):")
    for label, t in (("surface values off for every field", total(off)),
                     ("surface values on for every descriptive field", total(on)),
                     ("choice made inside each fold, scored on the held-out fold", held),
                     ("shipped choice (made on all of this set: in-sample)", total(shipped))):
        P, R, F = prf(*t)
        print(f"  {label:58s} P {P:.3f} R {R:.3f} F1 {F:.3f}")
    votes = defaultdict(int)
    for pick in chosen_per_fold:
        for f in pick:
            votes[f] += 1
    print("  fields chosen (folds out of %d): " % a.folds
          + ", ".join(f"{f} {n}" for f, n in sorted(votes.items(), key=lambda x: -x[1])))


if __name__ == "__main__":
    main()
