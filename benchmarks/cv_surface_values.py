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
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_sets  # noqa: E402

from extractor.backends import make_backend  # noqa: E402
from extractor.evaluate import match_values  # noqa: E402
from extractor.schemas.catalog import DEFAULT_SCHEMA, load_schema  # noqa: E402

SCHEMA_FILE = eval_sets.ROOT / "schemas" / f"{DEFAULT_SCHEMA}.yaml"


def schema_variant(surface: bool | None, out: Path) -> Path:
    """The bundled schema file as shipped (None), or with surface_values on (True) or off
    (False) for every descriptive field."""
    text = SCHEMA_FILE.read_text()
    if surface is not None:
        text = re.sub(r"\n  surface_values: true\n", "\n", text)
    if surface:
        text = text.replace("\n  descriptive: true\n", "\n  descriptive: true\n  surface_values: true\n")
    out.write_text(text)
    return out


def counts(name: str, schema_path: Path, cache: Path) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(paper, field) -> (tp, predicted, gold) for one schema variant."""
    schema = load_schema(str(schema_path))
    res, _, _ = eval_sets.run_set(name, make_backend("rules"), cache, schema=schema)
    pred, gold = eval_sets.exported(name, res["_db"], schema)
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
    shipped = counts(a.set, schema_variant(None, tmp / "shipped.yaml"), cache)
    descriptive = sorted({f.key for f in load_schema().fields if f.descriptive})
    docs = sorted({d for d, _ in on})
    fold_of = {d: i % a.folds for i, d in enumerate(docs)}

    def total(table, keep=lambda d, f: True) -> list[int]:
        """(tp, predicted, gold) summed over the (paper, field) units kept."""
        t = [0, 0, 0]
        for (d, f), c in table.items():
            if keep(d, f):
                t = [x + y for x, y in zip(t, c)]
        return t

    held = [0, 0, 0]
    votes: Counter[str] = Counter()
    for k in range(a.folds):
        def field_f1(table, f, k=k):
            return prf(*total(table, lambda d, g: g == f and fold_of[d] != k))[2]
        pick = {f for f in descriptive if field_f1(on, f) > field_f1(off, f)}
        votes.update(pick)
        for d, f in off:
            if fold_of[d] == k:
                held = [x + y for x, y in zip(held, (on if f in pick else off)[(d, f)])]
    print(f"{a.set}, {len(docs)} papers, {a.folds} folds by paper (status-free value scores):")
    for label, t in (("surface values off for every field", total(off)),
                     ("surface values on for every descriptive field", total(on)),
                     ("choice made inside each fold, scored on the held-out fold", held),
                     ("shipped choice (made on all of this set: in-sample)", total(shipped))):
        P, R, F = prf(*t)
        print(f"  {label:58s} P {P:.3f} R {R:.3f} F1 {F:.3f}")
    print("  fields chosen (folds out of %d): " % a.folds
          + ", ".join(f"{f} {n}" for f, n in votes.most_common()))


if __name__ == "__main__":
    main()
