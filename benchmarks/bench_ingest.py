"""Ingestion throughput on the shared benchmark: corpus (464 .txt excerpts), pdfs (46 short PDFs)
and pdfs-full (16 full papers),
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

from extractor.ingest.pipeline import ingest_paths
from extractor.store import open_db

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


def run(paths: list[Path], db_path: Path) -> tuple[float, float, object]:
    """Wall time and CPU time of this process (the CPU figure is what the machine's other load
    cannot inflate; SQLite's I/O waits show only in wall time)."""
    db = open_db(db_path)
    t, c = time.perf_counter(), time.process_time()
    report = ingest_paths(db, paths)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    db.conn.close()
    return dt, dc, report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="runs per set (best is reported)")
    args = ap.parse_args()
    if not (SHARED / "corpus").is_dir():
        print(f"benchmark data not found at {SHARED}", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    total_docs = total_time = total_cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("corpus", "pdfs", "pdfs-full"):
            best = best_cpu = None
            for r in range(args.repeat):
                dt, dc, report = run([SHARED / name], Path(tmp) / f"{name}{r}.db")
                best = dt if best is None else min(best, dt)
                best_cpu = dc if best_cpu is None else min(best_cpu, dc)
            n = len(report.outcomes)
            counts = {s: report.count(s) for s in ("ingested", "unchanged", "unreadable", "failed")}
            print(f"{name:9s} {n:4d} docs  wall {best:6.2f} s = {n / best:6.1f} docs/s   "
                  f"cpu {best_cpu:6.2f} s = {n / best_cpu:6.1f} docs/s  {counts}")
            total_docs += n
            total_time += best
            total_cpu += best_cpu
        print(f"total     {int(total_docs):4d} docs  wall {total_time:6.2f} s = "
              f"{total_docs / total_time:6.1f} docs/s   cpu {total_cpu:6.2f} s = "
              f"{total_docs / total_cpu:6.1f} docs/s")
        dt, _, report = run([SHARED / "corpus", SHARED / "pdfs"], Path(tmp) / "corpus0.db")
        print(f"re-run of the corpus db ({report.count('unchanged')} unchanged of "
              f"{len(report.outcomes)}; pdfs new): {dt:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
