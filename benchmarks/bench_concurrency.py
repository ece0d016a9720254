"""Extraction throughput against an LLM endpoint with a fixed latency, for --concurrency N.

    python benchmarks/bench_concurrency.py                       # N = 1 and 4, 200 ms per call
    python benchmarks/bench_concurrency.py --concurrency 1,2,4,8 --latency 0.5 --papers 40

The endpoint is tests/fake_openai_server.py: a real HTTP server in OpenAI format, so the real
openai client, instructor parsing, retrieval, verification and the single writer all run;
only the model's thinking time is replaced by a fixed sleep. The papers are ingested once;
each N extracts into its own copy of that database, and the exports of all N must be
identical (concurrency may change speed, never results).
"""
from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai_server import FakeOpenAI, write_papers  # noqa: E402

from extractor.backends.openai_compat import OpenAIBackend  # noqa: E402
from extractor.export import export_records, write_jsonl  # noqa: E402
from extractor.extract import Settings, run_extraction  # noqa: E402
from extractor.ingest.pipeline import ingest_paths  # noqa: E402
from extractor.schemas.catalog import load_schema  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.2, help="seconds per LLM call")
    ap.add_argument("--concurrency", default="1,4", help="comma-separated N values")
    ap.add_argument("--top-k", type=int, default=6)
    args = ap.parse_args()
    ns = [int(x) for x in args.concurrency.split(",")]
    schema = load_schema()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from extractor.store import open_db
        base = tmp / "base.db"
        db = open_db(base)
        ingest_paths(db, write_papers(tmp / "papers", args.papers))
        db.conn.close()
        print(f"{args.papers} papers x {len(schema.groups)} groups, {args.latency * 1000:.0f} ms "
              f"per call, top-k {args.top_k}")
        print(f"{'N':>3} {'seconds':>8} {'papers/s':>9} {'calls/s':>8} {'calls':>6} "
              f"{'max in flight':>13} {'speed-up':>8}")
        exports, first = {}, None
        for n in ns:
            path = tmp / f"n{n}.db"
            shutil.copy(base, path)
            db = open_db(path)
            with FakeOpenAI(latency=args.latency) as server:
                be = OpenAIBackend("fake-model", base_url=server.base_url)
                t0 = time.perf_counter()
                report = run_extraction(db, be, schema,
                                        Settings(top_k=args.top_k, concurrency=n))
                wall = time.perf_counter() - t0
                calls, in_flight = server.count, server.max_in_flight
            if report.failed:
                raise SystemExit(f"N={n}: {report.failed} units failed: {report.failures[:3]}")
            buf = io.StringIO()
            write_jsonl(export_records(db, schema), buf)
            exports[n] = buf.getvalue()
            db.conn.close()
            first = first or wall
            print(f"{n:>3} {wall:>8.2f} {args.papers / wall:>9.2f} {calls / wall:>8.1f} "
                  f"{calls:>6} {in_flight:>13} {first / wall:>7.2f}x")
        same = len(set(exports.values())) == 1
        print(f"exports identical across N: {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
