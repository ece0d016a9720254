"""methex backup and methex check: a backup taken while a run writes opens and passes check;
check finds damage and refuses nothing silently."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.maintenance import MaintenanceError, backup, check
from fake_openai_server import FakeOpenAI, write_papers
from fixture_db import build_fixture_db

METHEX = str(Path(sys.executable).parent / "methex")


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture()
def db(tmp_path) -> Path:
    path = tmp_path / "f.db"
    build_fixture_db(path)
    return path


def test_check_passes_a_sound_database(db):
    r = invoke("check", "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "integrity_check" in r.output and "evidence matches the paper" in r.output
    from extractor.store_connection import _migrations
    latest = _migrations()[-1][0]       # the newest migration is reported as the version
    assert latest in r.output and "3 documents" in r.output


def _damage(db: Path, sql: str) -> None:
    c = sqlite3.connect(db)
    c.execute("PRAGMA foreign_keys = OFF")      # as an older or foreign writer might
    c.execute(sql)
    c.commit()
    c.close()


@pytest.mark.parametrize("sql, says", [
    ("UPDATE evidence SET start = start + 1 WHERE id = (SELECT min(id) FROM evidence)",
     "evidence quote(s) not found at their offsets"),
    ("DELETE FROM group_results WHERE id = (SELECT min(group_result_id) FROM extractions)",
     "points to a missing group_results row"),
    ("UPDATE group_results SET error = NULL WHERE status = 'failed'",
     "failed unit(s) without an error"),
    ("DELETE FROM extractions WHERE group_result_id = (SELECT min(id) FROM group_results"
     " WHERE status = 'done')", "done unit(s) without any field result"),
    ("DELETE FROM evidence WHERE id = (SELECT min(id) FROM evidence)",
     "accepted value(s) without a quote"),
    ("DELETE FROM migrations WHERE name = (SELECT max(name) FROM migrations)",
     "migrations not applied"),
])
def test_check_names_each_kind_of_damage(db, sql, says):
    _damage(db, sql)
    report = check(db)
    assert not report.ok
    assert any(says in p for c in report.checks for p in c.problems), report.checks
    r = invoke("check", "--db", str(db))
    assert r.exit_code == 1 and says.split("(")[0] in " ".join(r.output.split())


def test_check_of_a_file_that_is_not_a_database_is_one_clear_line(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not sqlite at all " * 100)
    r = invoke("check", "--db", str(bad))
    assert r.exit_code == 1 and "cannot read" in r.output and "Traceback" not in r.output
    r = invoke("check", "--db", str(tmp_path / "missing.db"))
    assert r.exit_code == 1 and "database not found" in r.output
    assert not (tmp_path / "missing.db").exists()


def test_backup_refuses_to_overwrite_or_to_copy_onto_itself(db, tmp_path):
    dest = tmp_path / "b.db"
    dest.write_text("precious")
    r = invoke("backup", str(dest), "--db", str(db))
    assert r.exit_code == 1 and "exists" in r.output and dest.read_text() == "precious"
    with pytest.raises(MaintenanceError, match="the database itself"):
        backup(db, db, overwrite=True)
    with pytest.raises(MaintenanceError, match="does not exist"):
        backup(db, tmp_path / "no" / "b.db")
    r = invoke("backup", str(dest), "--db", str(db), "--force")
    assert r.exit_code == 0, r.output
    assert check(dest).ok
    assert [p.name for p in tmp_path.iterdir() if ".part-" in p.name] == []


@pytest.mark.slow
def test_backup_taken_while_a_run_writes_opens_and_passes_check(tmp_path):
    papers = tmp_path / "papers"
    write_papers(papers, 20)
    db = tmp_path / "live.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METHEX_", "OPENAI_"))}
    with FakeOpenAI(latency=0.15) as server:
        proc = subprocess.Popen(
            [METHEX, "run", str(papers), "--db", str(db), "--backend", "openai", "--model",
             "fake-model", "--base-url", server.base_url, "--fields", "frameworks,datasets",
             "--concurrency", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while server.count < 10:        # units are being written now
                assert proc.poll() is None and time.monotonic() < deadline, "run ended early"
                time.sleep(0.01)
            backups = [tmp_path / f"b{i}.db" for i in range(3)]
            r = subprocess.run([METHEX, "backup", str(backups[0]), "--db", str(db)], env=env,
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr
            for dest in backups[1:]:        # more, at later moments (in-process: no start-up)
                time.sleep(0.3)
                backup(db, dest)
            assert proc.poll() is None, "the backups were not taken while the run wrote"
        finally:
            _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    stored = []
    for dest in backups:
        r = invoke("check", "--db", str(dest))
        assert r.exit_code == 0, r.output
        with sqlite3.connect(dest) as c:
            assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # one file
            stored.append(c.execute("SELECT count(*) FROM group_results").fetchone()[0])
    assert 0 < stored[0] <= stored[-1] < 20 * 2     # snapshots from inside the run
