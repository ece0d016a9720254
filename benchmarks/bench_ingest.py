"""Ingestion throughput on the shared benchmark: corpus (464 .txt excerpts) and pdfs (46 files),
each into a fresh temporary database, including hashing, parsing, chunking and the SQLite writes
(one transaction per document, FTS index included).

    .venv/bin/python benchmarks/bench_ingest.py [--repeat N]

Prints documents/s per set and for the total, and a second pass over the same files
(all "unchanged": the cost of an idempotent re-run).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from extractor.ingest.chunk import get_nlp
from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def run(paths: list[Path], db_path: Path) -> tuple[float, object]:
    db = open_db(db_path)
    t = time.perf_counter()
    report = ingest_paths(db, paths)
    dt = time.perf_counter() - t
    db.conn.close()
    return dt, report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="runs per set (best is reported)")
    args = ap.parse_args()
    if not (SHARED / "corpus").is_dir():
        print(f"benchmark data not found at {SHARED}", file=sys.stderr)
        return 2
    t = time.perf_counter()
    get_nlp()
    print(f"spaCy pipeline load: {time.perf_counter() - t:.2f} s (once per process, not counted)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    total_docs = total_time = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("corpus", "pdfs"):
            best = None
            for r in range(args.repeat):
                dt, report = run([SHARED / name], Path(tmp) / f"{name}{r}.db")
                best = dt if best is None else min(best, dt)
            n = len(report.outcomes)
            counts = {s: report.count(s) for s in ("ingested", "unchanged", "unreadable", "failed")}
            print(f"{name:7s} {n:4d} docs  {best:6.2f} s  {n / best:7.1f} docs/s  {counts}")
            total_docs += n
            total_time += best
        print(f"total   {int(total_docs):4d} docs  {total_time:6.2f} s  {total_docs / total_time:7.1f} docs/s")
        dt, report = run([SHARED / "corpus", SHARED / "pdfs"], Path(tmp) / "corpus0.db")
        print(f"re-run of the corpus db ({report.count('unchanged')} unchanged of "
              f"{len(report.outcomes)}; pdfs new): {dt:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
