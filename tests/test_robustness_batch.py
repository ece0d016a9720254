"""Batch robustness through the real CLI in subprocesses, against the fake OpenAI server:
concurrency (same export, more throughput), --retry-failed end to end, kill -9 at random
moments then rerun, Ctrl-C, and `methex query` while an extraction is writing.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fake_openai_server import FakeOpenAI, write_papers

METHEX = str(Path(sys.executable).parent / "methex")
FIELDS = "frameworks,optimizer,hardware,augmentation,datasets"   # 3 groups per paper
N_PAPERS = 8
GROUPS = 3
CALLS = 5       # requests per paper: one per field, each field has a sentence naming it


def env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("METHEX_", "OPENAI_"))}
    e.update({"METHEX_RETRY_BASE_DELAY": "0.01", "METHEX_RETRY_MAX_DELAY": "0.05",
              "COLUMNS": "200"}, **extra)
    return e


def cmd(server: FakeOpenAI, db: Path, *args: str, concurrency: int = 1) -> list[str]:
    return [METHEX, *args, "--db", str(db), "--backend", "openai", "--model", "fake-model",
            "--base-url", server.base_url, "--fields", FIELDS, "--concurrency", str(concurrency)]


def methex(args: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env=kw.pop("env", None) or env(), **kw)


def cli_run(args: list[str], **extra_env):
    """The real CLI in this process (no start-up cost) where no process boundary is tested."""
    from extractor.cli import cli
    cli_env = {k: None for k in os.environ if k.startswith(("METHEX_", "OPENAI_"))}
    cli_env.update({k: v for k, v in env(**extra_env).items()
                    if k.startswith(("METHEX_", "COLUMNS"))})
    return CliRunner().invoke(cli, args[1:], env=cli_env)


def export(db: Path) -> str:
    from extractor.cli import cli       # in-process: the same command, without a start-up
    r = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert r.exit_code == 0, r.output
    return r.output


def run_seconds(db: Path) -> float:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT seconds FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]


def assert_whole(db: Path) -> None:
    """Every paper x group done once; every done unit has all its fields; the file is sound."""
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = c.execute("SELECT doc_id, grp, status, count(*) FROM group_results "
                         "GROUP BY doc_id, grp").fetchall()
        assert len(rows) == N_PAPERS * GROUPS
        assert all(r[2] == "done" and r[3] == 1 for r in rows)
        # fields per unit: software 2, training 1, data 2 -> 5 extractions per paper
        per_unit = c.execute("SELECT g.grp, count(e.id) FROM group_results g LEFT JOIN "
                             "extractions e ON e.group_result_id = g.id GROUP BY g.id").fetchall()
        want = {"software": 2, "training": 1, "data": 2}
        assert all(n == want[g] for g, n in per_unit), per_unit
        assert c.execute("SELECT count(*) FROM evidence v JOIN documents d ON d.id = v.doc_id"
                         " WHERE v.quote != substr(d.text, v.start + 1, v.\"end\" - v.start)"
                         ).fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM evidence").fetchone()[0] > 0


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("papers")
    write_papers(d, N_PAPERS)
    return d


@pytest.fixture()
def server():
    s = FakeOpenAI(latency=0.1).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def clean(papers, tmp_path_factory):
    """A clean, uninterrupted N=1 run at 0.1 s per call: its export, wall time and db."""
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    with FakeOpenAI(latency=0.1) as s:
        r = cli_run(cmd(s, db, "run", str(papers)))
        assert r.exit_code == 0, r.output
        assert s.count == N_PAPERS * CALLS and s.max_in_flight == 1
    out = export(db)
    assert out.count("\n") == N_PAPERS and '"PyTorch"' in out
    return out, run_seconds(db), db


def test_concurrency_gives_the_same_export_and_more_throughput(clean, papers, tmp_path):
    clean_export, seconds_1, _ = clean
    db = tmp_path / "n4.db"
    with FakeOpenAI(latency=0.1) as s:
        r = cli_run(cmd(s, db, "run", str(papers), concurrency=4))
        assert r.exit_code == 0, r.output
        assert s.max_in_flight == 4 and s.count == N_PAPERS * CALLS
    seconds_4 = run_seconds(db)
    assert export(db) == clean_export
    # 40 calls x 0.1 s: ~4 s serial, ~1 s with 4 units in flight
    assert seconds_4 < 0.5 * seconds_1, (seconds_1, seconds_4)


def test_retry_failed_end_to_end(clean, papers, tmp_path, server):
    db = tmp_path / "r.db"
    server.latency = 0
    server.fail("500", "503")              # both tries of the first unit (METHEX_RETRY_TRIES=2)
    r = cli_run(cmd(server, db, "run", str(papers)), METHEX_RETRY_TRIES="2")
    assert r.exit_code == 1, r.output
    assert "failed paper000 / data" in r.output and "(gave up: 2 tries in" in r.output
    n = server.count
    # the failed unit spent both tries on its first field (datasets) and never asked the
    # second (augmentation), so the total is that of a clean run
    assert n == N_PAPERS * CALLS
    r = cli_run(cmd(server, db, "extract"))
    assert r.exit_code == 0 and server.count == n          # failures are left alone
    r = cli_run(cmd(server, db, "extract", "--retry-failed"))
    assert r.exit_code == 0, r.output
    assert server.count == n + 2             # exactly the one failed unit: its two fields
    assert export(db) == clean[0]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM llm_calls WHERE error LIKE "
                         "'InternalServerError%'").fetchone()[0] == 2


def test_max_retries_flag_beats_the_environment(papers, tmp_path, server):
    db = tmp_path / "f.db"
    server.latency = 0
    server.fail("500")
    args = cmd(server, db, "run", str(papers / "paper000.txt"), "--max-retries", "0",
               "--timeout", "30")
    r = cli_run(args, METHEX_RETRY_TRIES="5")
    assert r.exit_code == 1 and "(gave up: 1 tries in" in r.output, r.output
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM llm_calls WHERE error IS NOT NULL"
                         ).fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM group_results WHERE status = 'failed'"
                         ).fetchone()[0] == 1


def test_failure_text_with_markup_is_printed_literally(papers, tmp_path, server):
    # server text reaches the summary; rich would eat "[...]" or crash on "[/b]"
    server.error_text = "upstream [/b] said [bold]no[/bold]"
    server.fail("500", "500")
    r = cli_run(cmd(server, tmp_path / "m.db", "run", str(papers)), METHEX_RETRY_TRIES="2")
    assert r.exit_code == 1 and isinstance(r.exception, (SystemExit, type(None))), r.exception
    assert "upstream [/b] said [bold]no[/bold]" in r.output


def test_kill_9_at_random_moments_then_rerun_matches_a_clean_run(clean, papers, tmp_path,
                                                                 server):
    seed = int(os.environ.get("METHEX_KILL_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    db = tmp_path / "k.db"
    kills = []
    for k in range(3):
        start = server.count
        proc = subprocess.Popen(cmd(server, db, "run", str(papers), concurrency=2),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
        try:
            # the first kill lands in ingestion or just after it, the others after a random
            # number of requests, anywhere inside a call or a write
            deadline = time.monotonic() + 30
            if k == 0:
                while not db.exists() and proc.poll() is None:
                    assert time.monotonic() < deadline, "the run never opened its database"
                    time.sleep(0.002)
                time.sleep(rng.uniform(0, 0.3))
            else:
                target = start + rng.randint(1, 8)
                while server.count < target and proc.poll() is None:
                    assert time.monotonic() < deadline, "the run made no progress"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.12))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
            proc.stderr.close()
        kills.append(server.count - start)
    with sqlite3.connect(db) as c:
        stored = c.execute("SELECT count(*) FROM group_results").fetchone()[0]
    assert stored < N_PAPERS * GROUPS, f"the kills came too late: {kills} (seed {seed})"
    r = cli_run(cmd(server, db, "run", str(papers), concurrency=2))
    assert r.exit_code == 0, r.output
    assert_whole(db)
    assert export(db) == clean[0], f"requests per killed run: {kills} (seed {seed})"


def sigint_when(proc: subprocess.Popen, ready, timeout: float = 30) -> tuple[str, float]:
    """Send SIGINT once ready() is true; return (stderr, seconds from SIGINT to exit)."""
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert time.monotonic() < deadline and proc.poll() is None, "never got ready"
            time.sleep(0.005)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=timeout)
        return err, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _sigint_default() -> None:
    # A test session started in the background of a non-interactive shell inherits SIGINT
    # ignored, and so would methex (Python installs no KeyboardInterrupt handler then): the
    # child gets the disposition a user's terminal gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(args, **extra_env) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env(**extra_env), preexec_fn=_sigint_default)


def test_ctrl_c_keeps_the_calls_in_flight_and_resumes(clean, papers, tmp_path, server):
    db = tmp_path / "i.db"
    server.latency = 1.0
    proc = popen(cmd(server, db, "run", str(papers), concurrency=2))
    err, seconds = sigint_when(proc, lambda: server.count >= 4)
    assert proc.returncode == 130, err
    # the units in flight finish their remaining fields (2 per unit here, 1 s each): a unit is
    # stored whole or not at all; still far from the whole batch (40 calls)
    assert seconds < 2 * 1.0 + 3, seconds
    assert "interrupted" in err and "rerun the same command" in " ".join(err.split())
    assert "Traceback" not in err
    with sqlite3.connect(db) as c:
        stored = c.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
    # every request the server answered was stored: nothing paid for is thrown away
    assert stored == server.count and 0 < stored < N_PAPERS * CALLS
    server.latency = 0
    r = cli_run(cmd(server, db, "run", str(papers)))
    assert r.exit_code == 0, r.output
    assert_whole(db)
    assert export(db) == clean[0]


def test_ctrl_c_does_not_wait_for_a_retry_backoff(papers, tmp_path, server):
    db = tmp_path / "b.db"
    server.fail("500")
    proc = popen(cmd(server, db, "run", str(papers), concurrency=2),
                 METHEX_RETRY_BASE_DELAY="60", METHEX_RETRY_MAX_DELAY="60")
    # the first unit waits ~60 s to retry; the other worker goes on meanwhile
    err, seconds = sigint_when(proc, lambda: server.count >= 3)
    assert proc.returncode == 130 and seconds < 5, (seconds, err)
    with sqlite3.connect(db) as c:
        # the unit stopped in its backoff is not a failure: a plain rerun will do it
        assert c.execute("SELECT count(*) FROM group_results WHERE status = 'failed'"
                         ).fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM group_results").fetchone()[0] >= 1


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_ctrl_c_during_ingestion_exits_130_with_a_message(papers, tmp_path, server, command):
    folder = tmp_path / "slow"
    shutil.copytree(papers, folder)
    # a 1 MB, 10,000-page paper first in line keeps ingestion busy for a moment
    (folder / "a_long.txt").write_text("".join(
        f"Page {i}. Birds were counted at station {i % 97} on night {i}.\n\x0c"
        for i in range(20_000)))
    db = tmp_path / "g.db"
    args = (cmd(server, db, "run", str(folder)) if command == "run"
            else [METHEX, "ingest", str(folder), "--db", str(db)])
    proc = popen(args)
    err, _ = sigint_when(proc, lambda: db.exists() and time.sleep(0.2) is None)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "rerun the same command to resume" in " ".join(err.split())
    assert "Traceback" not in err and "Aborted" not in err
    assert server.count == 0


def test_queries_work_while_an_extraction_is_writing(papers, tmp_path, server):
    from extractor.cli import cli
    db = tmp_path / "w.db"
    r = cli_run([METHEX, "ingest", str(papers), "--db", str(db)])
    assert r.exit_code == 0, r.output
    server.latency = 0.15
    proc = subprocess.Popen(cmd(server, db, "extract"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env())
    seen = []
    try:
        runner = CliRunner()
        deadline = time.monotonic() + 60
        while proc.poll() is None:
            assert time.monotonic() < deadline
            r = runner.invoke(cli, ["query", "frameworks", "--json", "--db", str(db)])
            assert r.exit_code == 0, r.output
            seen.append(json.loads(r.output)["reported"])
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == 0
    # the reads saw the extraction progress (never going back) while it was writing
    assert seen == sorted(seen) and len(set(seen)) >= 3, seen
    r = CliRunner().invoke(cli, ["query", "frameworks", "--json", "--db", str(db)])
    assert json.loads(r.output)["reported"] == N_PAPERS
