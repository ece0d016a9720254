"""Soak run: many papers, random server faults, two writers on one database, kill -9s.

  nice -n 10 .venv/bin/python benchmarks/soak.py --papers 2000 --concurrency 8

1. Papers: corpus excerpts (../shared/benchmark/corpus) copied under new names, cycling,
   plus a few generated PDFs (reportlab). Nothing is written inside the repository.
2. A clean reference: one `methex run` over all papers, fault-free server.
3. The soak: the project's fault-injecting OpenAI-compatible server serves a random fault
   (timeouts, 429, 5xx, resets, bad bodies, broken or truncated JSON) to a fraction of the
   requests; two `methex run --shard i/2 --concurrency C` processes write one database; at
   random moments one of them is killed with SIGKILL and restarted, `--kills` times. Units
   that failed after all client retries are retried (`extract --retry-failed`, both shards
   at once) until none is left, at most --retry-rounds times, faults still on.
4. Verdict: `methex check` (integrity_check, foreign_key_check, invariants), every paper x
   group stored exactly once and done (or failed with a reason), and `methex export`
   identical to the clean run's. Prints the figures as JSON (and exits 1 if any check fails).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fake_openai_server import FakeOpenAI, paper_text  # noqa: E402

METHEX = str(Path(sys.executable).parent / "methex")
CORPUS = ROOT.parent / "shared" / "benchmark" / "corpus"
FIELDS = "frameworks,optimizer,hardware,augmentation,datasets"     # 3 groups per paper
GROUPS = 3
# Faults a client survives by retrying. "400" (not retried by design) and "bad_quote" (a
# wrong answer, rejected by verification: the export would rightly differ) are left out.
FAULT_MIX = ("timeout", "429", "500", "503", "reset", "bad_body", "invalid_json",
             "truncated", "length")


class RandomFaults(FakeOpenAI):
    """Serves a random fault to `rate` of the requests (queued faults still come first)."""

    def __init__(self, rate: float, seed: int, **kw):
        super().__init__(**kw)
        self.rate, self.rng, self.on = rate, random.Random(seed), True

    def _next(self, req):
        with self._lock:
            if self.on and not self._faults and self.rng.random() < self.rate:
                self._faults.append(self.rng.choice(FAULT_MIX))
        return super()._next(req)

    @property
    def faults(self) -> int:
        with self._lock:
            return sum(1 for s in self.served if s != "ok")


def make_papers(folder: Path, n: int, pdfs: int) -> None:
    folder.mkdir(parents=True)
    corpus = sorted(CORPUS.glob("*.txt"))
    if not corpus:
        sys.exit(f"no corpus at {CORPUS}")
    for i in range(n - pdfs):
        shutil.copyfile(corpus[i % len(corpus)], folder / f"soak{i:05d}.txt")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    for i in range(pdfs):       # fixture text written for the tests, one page per paragraph
        c = canvas.Canvas(str(folder / f"gen{i:03d}.pdf"), pagesize=A4)
        for para in paper_text(i).split("\n\n"):
            y = 800
            words, line = para.split(), ""
            for w in words:
                if len(line) + len(w) > 90:
                    c.drawString(40, y, line)
                    y, line = y - 14, ""
                line = f"{line} {w}".strip()
            c.drawString(40, y, line)
            c.showPage()
        c.save()


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("METHEX_", "OPENAI_"))}
    e.update(METHEX_RETRY_BASE_DELAY="0.05", METHEX_RETRY_MAX_DELAY="0.5", COLUMNS="200")
    return e


def args_for(server: FakeOpenAI, db: Path, *cmd: str, concurrency: int) -> list[str]:
    return [METHEX, *cmd, "--db", str(db), "--backend", "openai", "--model", "fake-model",
            "--base-url", server.base_url, "--fields", FIELDS, "--timeout", "1",
            "--concurrency", str(concurrency)]


def spawn(argv: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as f:
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=f, env=env())


def export(db: Path) -> str:
    r = subprocess.run([METHEX, "export", "--db", str(db)], capture_output=True, text=True,
                       env=env(), timeout=600)
    if r.returncode:
        sys.exit(f"export failed: {r.stderr}")
    return r.stdout


def clean_run(papers: Path, db: Path, concurrency: int, log: Path) -> tuple[float, int]:
    """Seconds and requests of one fault-free process."""
    with FakeOpenAI() as s:
        t0 = time.monotonic()
        p = spawn(args_for(s, db, "run", str(papers), concurrency=concurrency), log)
        if p.wait() != 0:
            sys.exit(f"the clean run failed (exit {p.returncode}); see {log}")
        return time.monotonic() - t0, s.count


def soak_run(papers: Path, db: Path, server: RandomFaults, a: argparse.Namespace,
             rng: random.Random, log: Path) -> dict:
    """Two shard processes, `a.kills` SIGKILLs at random moments (each victim restarted)."""
    argv = [args_for(server, db, "run", str(papers), "--shard", f"{i}/2",
                     concurrency=a.concurrency) for i in (1, 2)]
    procs = [spawn(v, log) for v in argv]
    t0 = time.monotonic()
    # kill moments: after a random share of the requests a clean run needs, so each lands
    # while units are being asked, answered and written
    moments = sorted(int(rng.uniform(0.05, 0.85) * a.expected) for _ in range(a.kills))
    kills, exits = [], []
    while any(p is not None for p in procs):
        now = time.monotonic() - t0
        if moments and server.count >= moments[0]:
            moments.pop(0)
            time.sleep(rng.uniform(0, 0.2))
            alive = [i for i, p in enumerate(procs) if p is not None and p.poll() is None]
            if alive:
                i = rng.choice(alive)
                procs[i].send_signal(signal.SIGKILL)
                procs[i].wait()
                kills.append({"at_s": round(now, 1), "shard": i + 1,
                              "requests_so_far": server.count})
                procs[i] = spawn(argv[i], log)        # the user reruns the same command
        for i, p in enumerate(procs):
            if p is not None and p.poll() is not None:
                exits.append(p.returncode)
                procs[i] = None
        time.sleep(0.05)
    seconds = time.monotonic() - t0
    failed_after_runs = failed_units(db)     # units whose every client retry met a fault
    rounds = 0
    while failed_units(db) and rounds < a.retry_rounds:
        rounds += 1
        ps = [spawn(args_for(server, db, "extract", "--retry-failed", "--shard", f"{i}/2",
                             concurrency=a.concurrency), log) for i in (1, 2)]
        for p in ps:
            p.wait()
    return {"seconds": seconds, "kills": kills, "exit_codes": exits, "retry_rounds": rounds,
            "units_failed_before_retry_rounds": failed_after_runs,
            "seconds_with_retries": time.monotonic() - t0}


def failed_units(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM group_results WHERE status = 'failed'"
                         ).fetchone()[0]


def verdict(db: Path, n_docs: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from extractor.maintenance import check
    report = check(db)
    with sqlite3.connect(db) as c:
        units = c.execute("SELECT count(*), count(DISTINCT doc_id || '\x1f' || grp),"
                          " sum(status = 'done'), sum(status = 'failed' AND error != '')"
                          " FROM group_results").fetchone()
        docs = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        calls = c.execute("SELECT count(*), sum(error IS NOT NULL) FROM llm_calls").fetchone()
    expected = n_docs * GROUPS
    return {"check_ok": report.ok,
            "check_problems": [p for ch in report.checks for p in ch.problems],
            "documents": docs, "units_expected": expected, "units_stored": units[0],
            "units_distinct": units[1], "units_done": units[2] or 0,
            "units_failed_with_reason": units[3] or 0,
            "units_lost": expected - (units[2] or 0) - (units[3] or 0),
            "llm_calls_logged": calls[0], "llm_calls_with_error": calls[1] or 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--pdfs", type=int, default=5, help="generated PDFs among the papers")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--retry-rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workdir", type=Path, default=None, help="kept; default: a temp dir")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = a.workdir or Path(tempfile.mkdtemp(prefix="methex-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    papers, log = work / "papers", work / "soak.log"
    if not papers.exists():
        make_papers(papers, a.papers, min(a.pdfs, a.papers))
    n = len(list(papers.iterdir()))
    clean_db, soak_db = work / "clean.db", work / "soak.db"
    for f in work.glob("*.db*"):
        f.unlink()
    clean_s, a.expected = clean_run(papers, clean_db, a.concurrency, log)
    server = RandomFaults(a.fault_rate, seed, retry_after=0.05, timeout_sleep=2.0).start()
    try:
        soak = soak_run(papers, soak_db, server, a, rng, log)
        faults = server.faults
        requests = server.count
    finally:
        server.stop()
    v = verdict(soak_db, n)
    same = export(soak_db) == export(clean_db)
    out = {"seed": seed, "papers": n, "concurrency": a.concurrency, "writers": 2,
           "fault_rate": a.fault_rate, "clean_seconds": round(clean_s, 1),
           "clean_papers_per_s": round(n / clean_s, 2),
           "soak_seconds": round(soak["seconds"], 1),
           "soak_papers_per_s": round(n / soak["seconds"], 2),
           "soak_seconds_with_retry_rounds": round(soak["seconds_with_retries"], 1),
           "requests": requests, "faults_injected": faults,
           "faults_survived": faults if v["units_lost"] == 0 and v["units_done"] ==
           v["units_expected"] else None,
           **{k: soak[k] for k in ("kills", "exit_codes", "units_failed_before_retry_rounds",
                                   "retry_rounds")}, **v,
           "export_identical_to_clean_run": same, "workdir": str(work)}
    print(json.dumps(out, indent=2))
    ok = (same and v["check_ok"] and v["units_lost"] == 0 and v["units_stored"] ==
          v["units_distinct"] == v["units_expected"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
