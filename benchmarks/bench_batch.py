"""Batch files round trip on the corpus: requests/s written (--batch-out), results/s imported
(--batch-in), re-ask rounds until nothing is pending.

    python benchmarks/bench_batch.py                          # the 464-paper corpus
    python benchmarks/bench_batch.py --papers 50 --concurrency 4

The answers come from tests/fake_openai_server.py (a real HTTP server in OpenAI format whose
responder quotes the sentences naming known terms), posted to it by methex's batch runner
(`methex batch-run`); the runner's time is reported but is the server's, not methex's. The
papers are ingested first into a temporary database (not timed).
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai_server import FakeOpenAI  # noqa: E402

from extractor.backends.openai_compat import OpenAIBackend  # noqa: E402
from extractor.batch import run_batch  # noqa: E402
from extractor.batch_runner import run_requests  # noqa: E402
from extractor.extract import Settings  # noqa: E402
from extractor.ingest.pipeline import expand_paths, ingest_paths  # noqa: E402
from extractor.schemas.catalog import load_schema  # noqa: E402
from extractor.store import open_db  # noqa: E402


def row(n: int, step: str, lines: int, t: float, c: float, stored: int, waiting: int) -> None:
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"| {n} | {step} | {lines} | {wall:.1f} | {lines / wall:.1f} | {cpu:.1f} |"
          f" {lines / cpu:.1f} | {stored} | {waiting} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "benchmark" / "corpus"))
    ap.add_argument("--papers", type=int, default=None, help="only the first N files")
    ap.add_argument("--concurrency", type=int, default=4, help="runner requests in flight")
    ap.add_argument("--top-k", type=int, default=16)
    args = ap.parse_args()
    files = [str(p) for p, _ in expand_paths([args.corpus])][:args.papers]
    schema = load_schema()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        tmp = Path(tmp)
        db = open_db(tmp / "bench.db")
        t = time.perf_counter()
        ingest_paths(db, files)
        print(f"{len(files)} papers ingested in {time.perf_counter() - t:.1f} s (not counted)")
        be = OpenAIBackend("fake-model", base_url=server.base_url)
        settings = Settings(top_k=args.top_k, prompt_hash=be.prompt_hash)
        print(f"{platform.node()} · Python {platform.python_version()} · {platform.machine()}"
              f" · top-k {args.top_k}, {len(schema.groups)} groups per paper")
        print("| round | step | lines | wall s | lines/s (wall) | CPU s | lines/s (CPU) |"
              " units stored | units waiting |")
        print("|---|---|---|---|---|---|---|---|---|", flush=True)
        for n in range(1, 6):
            req, res = tmp / f"req{n}.jsonl", tmp / f"res{n}.jsonl"
            t, c = time.perf_counter(), time.process_time()
            out = run_batch(db, be, schema, settings, requests=req)
            row(n, "--batch-out (written)", out.written, t, c, out.run.done, out.run.held)
            if out.written == 0:
                break
            ran = run_requests(req, server.base_url, res, concurrency=args.concurrency)
            print(f"| {n} | batch-run (fake server) | {ran.requests} | {ran.seconds:.1f} |"
                  f" {ran.requests / ran.seconds:.1f} | - | - | - | - |", flush=True)
            t, c = time.perf_counter(), time.process_time()
            back = run_batch(db, be, schema, settings, results=res)
            assert not back.problems, back.problems[:3]
            row(n, "--batch-in (imported)", back.lines, t, c, back.run.done, back.run.held)
        units = db.execute("SELECT status, count(*) FROM group_results GROUP BY 1").fetchall()
        calls = db.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
        print(f"stored units by status: {dict(units)}; llm_calls rows: {calls}")


if __name__ == "__main__":
    main()
