"""What a new user hits first: an unusable --db, no hint after `methex run`, a backend that is
not installed, `methex sql` side doors, reruns that record empty runs or forget unreadable
papers, and the local-extra installer's wheel cache."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from fixture_db import build_fixture_db

PAPER = ("Detecting frogs in pond recordings. The network was implemented in PyTorch and "
         "trained with the Adam optimizer on one NVIDIA RTX 2080 GPU for 30 epochs. "
         "Recordings were split 80/20 into training and test sets. ")
GARBLED = "(cid:12)(cid:7)(cid:44) " * 60       # a PDF text layer without Unicode mapping


def invoke(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


# --- an unusable --db -----------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [["ingest", "README.md"], ["query", "frameworks"],
                                 ["serve"]])
def test_db_is_a_directory(tmp_path, cmd):
    d = tmp_path / "dir.db"
    d.mkdir()
    res = invoke(*cmd, "--db", d)
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "is a directory" in res.output


def test_db_is_not_a_database(tmp_path):
    f = tmp_path / "notes.db"
    f.write_text("shopping list\n" * 50)
    for cmd in (["ingest", tmp_path], ["query", "frameworks"], ["show", "x"]):
        res = invoke(*cmd, "--db", f)
        assert res.exit_code == 1 and res.exception.__class__ is SystemExit
        assert res.output.strip().splitlines()[-1] == (
            f"Error: cannot use {f} as the methex database: the file exists but is not an "
            "SQLite database (wrong file?)")
    assert f.read_text() == "shopping list\n" * 50


def test_db_where_nothing_can_be_written():
    res = invoke("ingest", "README.md", "--db", "/proc/x.db")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.startswith("Error: cannot use /proc/x.db as the methex database")


def test_db_in_a_missing_directory_is_not_created(tmp_path):
    target = tmp_path / "typo" / "m.db"
    res = invoke("run", tmp_path, "--db", target)
    assert res.exit_code == 1
    assert f"the directory of --db {target} does not exist: create it first" in res.output
    assert not target.parent.exists()


def test_db_in_a_read_only_directory():
    methex = str(Path(sys.executable).parent / "methex")
    # not under pytest's tmp_path: as root (CI) the command runs as nobody, who must be able
    # to reach the directory; /tmp is open to all
    with tempfile.TemporaryDirectory(prefix="methex-ro-") as top:
        ro = Path(top) / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        Path(top).chmod(0o755)
        cmd = [methex, "ingest", "README.md", "--db", str(ro / "m.db")]
        if os.geteuid() == 0:       # root writes anywhere: drop to nobody to meet the permission
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv to drop privileges")
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             cwd=Path(__file__).parents[1])
        assert res.returncode == 1, res.stderr
        assert res.stderr.strip() == (f"Error: cannot use {ro / 'm.db'} as the methex "
                                      f"database: the directory {ro} is not writable")
        assert not (ro / "m.db").exists()


# --- methex run: next steps, backend check, reruns ------------------------------------------

@pytest.fixture
def papers(tmp_path):
    d = tmp_path / "papers"
    d.mkdir()
    (d / "frogs.txt").write_text(PAPER * 3)
    (d / "garbled.txt").write_text(GARBLED)
    return d


def test_run_says_where_the_database_is_and_what_next(papers, tmp_path):
    db = tmp_path / "m.db"
    res = invoke("run", papers, "--db", db)
    assert res.exit_code == 0, res.output
    assert f"database: {db.resolve()}" in res.output
    assert f"methex query frameworks --db {db}" in res.output
    assert f"methex show frogs --db {db}" in res.output
    assert f"methex serve --db {db}" in res.output
    assert "unreadable garbled: text is mostly (cid:NN) font codes" in res.output


def test_noop_rerun_records_no_run_and_still_names_unreadable(papers, tmp_path):
    db = tmp_path / "m.db"
    assert invoke("run", papers, "--db", db).exit_code == 0
    runs = sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0]
    assert runs == 1
    res = invoke("run", papers, "--db", db)
    assert res.exit_code == 0, res.output
    assert "nothing new to extract (no run recorded)" in res.output
    assert "unreadable garbled" in res.output
    res = invoke("extract", "--db", db)
    assert res.exit_code == 0, res.output
    assert sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    # a change of configuration is new work: it is a run
    assert invoke("extract", "--db", db, "--top-k", "2").exit_code == 0
    assert sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_run_llama_without_llama_cpp_fails_before_ingesting(papers, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    db = tmp_path / "m.db"
    res = invoke("run", papers, "--db", db, "--backend", "llama")
    assert res.exit_code == 1
    assert "--backend llama needs llama-cpp-python, which is not installed" in res.output
    assert f"bash .ci/install_local.sh {Path(sys.executable).parent / 'pip'}" in res.output
    assert "ingested" not in res.output and not db.exists()


# --- methex sql side doors ------------------------------------------------------------------

@pytest.fixture
def fixture_db(tmp_path):
    path = tmp_path / "f.db"
    build_fixture_db(path).conn.close()
    return path


@pytest.mark.parametrize("stmt", ["ATTACH DATABASE '{out}' AS e", "VACUUM INTO '{out}'"])
def test_sql_refuses_attach(fixture_db, tmp_path, stmt):
    out = tmp_path / "other.db"
    res = invoke("sql", stmt.format(out=out), "--db", fixture_db)
    assert res.exit_code == 1
    assert "refused: ATTACH, DETACH and VACUUM INTO are not allowed" in res.output
    assert not out.exists()


def test_sql_refuses_setting_pragmas_but_reads_them(fixture_db):
    res = invoke("sql", "PRAGMA journal_mode=DELETE", "--db", fixture_db)
    assert res.exit_code == 1
    assert "refused: PRAGMA journal_mode = DELETE would change" in res.output
    assert "disk I/O" not in res.output
    res = invoke("sql", "PRAGMA journal_mode", "--db", fixture_db, "--json")
    assert res.exit_code == 0 and '"journal_mode": "wal"' in res.output
    res = invoke("sql", "PRAGMA table_info(reviews)", "--db", fixture_db)
    assert res.exit_code == 0 and "normalized" in res.output


# --- .ci/install_local.sh wheel cache -------------------------------------------------------

def test_install_local_moves_a_whole_wheel_into_the_cache(tmp_path):
    """A fake pip shows where the wheel is built: never in the shared cache directory itself,
    which only ever receives the finished file by rename."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "pip.log"
    (bin_ / "pip").write_text(f"""#!/usr/bin/env bash
echo "$@" >> {log}
if [ "$1" = wheel ]; then
    while [ "$1" != -w ]; do shift; done
    echo partial > "$2/llama_cpp_python-0.3.36-cp311-linux_x86_64.whl"
    ls -A "$(dirname "$2")" >> {log}
fi
""")
    (bin_ / "python").write_text("#!/usr/bin/env bash\necho fake-python \"$@\"\n")
    for f in bin_.iterdir():
        f.chmod(0o755)
    cache = tmp_path / "cache"
    env = {**os.environ, "METHEX_WHEEL_CACHE": str(cache), "LLAMA_CPP_VERSION": "0.3.36"}
    script = Path(__file__).parents[1] / ".ci" / "install_local.sh"
    res = subprocess.run(["bash", str(script), str(bin_ / "pip")], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    wheels = list(cache.glob("*/*.whl"))
    assert [w.name for w in wheels] == ["llama_cpp_python-0.3.36-cp311-linux_x86_64.whl"]
    calls = log.read_text().splitlines()
    built_in = calls[0].split(" -w ")[1]
    assert Path(built_in).parent == wheels[0].parent and Path(built_in).name.startswith(".build.")
    assert calls[1] == Path(built_in).name      # the cache held only the private build dir
    assert f"file://{wheels[0]}" in calls[2]    # the install used the renamed wheel
    assert not Path(built_in).exists()          # and the build dir is gone
