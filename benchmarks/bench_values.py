"""Canonical values on a filled database: distinct values per field before (written forms,
case and space folded: the old grouping key) and after (canonical keys), and the merges made,
i.e. canonical values that gather more than one such spelling, for checking by hand.

    methex run ../shared/benchmark/corpus --db corpus.db
    python benchmarks/bench_values.py --db corpus.db [--sample 50] [--seed 0]
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict

from extractor import store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    db = store.open_db(args.db)
    before: dict[str, set[str]] = defaultdict(set)
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for field, value, key in db.execute(
            "SELECT fv.field, fv.value, fv.normalized FROM current_map cm JOIN field_values fv"
            " ON fv.extraction_id = cm.extraction_id AND fv.accepted = 1"):
        old = " ".join(value.casefold().split())
        before[field].add(old)
        groups[(field, key)].add(old)
    print(f"{'field':28} {'before':>7} {'after':>7}")
    tb = ta = 0
    for field in sorted(before):
        after = len({k for (f, k) in groups if f == field})
        tb, ta = tb + len(before[field]), ta + after
        print(f"{field:28} {len(before[field]):7} {after:7}")
    print(f"{'all fields':28} {tb:7} {ta:7}")
    merges = sorted((f, k, sorted(s)) for (f, k), s in groups.items() if len(s) > 1)
    print(f"\n{len(merges)} canonical values gather more than one spelling; a sample of "
          f"{min(args.sample, len(merges))} (seed {args.seed}):")
    for f, k, spellings in sorted(random.Random(args.seed).sample(
            merges, min(args.sample, len(merges)))):
        print(f"  {f}: {k!r} <- {spellings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
