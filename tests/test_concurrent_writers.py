"""Several writers on one database: two `methex run` processes over overlapping folders,
--shard, the busy retry, and a unit stored once whoever finishes it first."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import store
from extractor.extract import GroupRecord, Shard, shard_files
from fake_openai_server import write_papers

METHEX = str(Path(sys.executable).parent / "methex")
GROUPS = 6      # groups of the bundled schema: every one is extracted by the rules backend


def _env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("METHEX_", "OPENAI_"))}
    e["COLUMNS"] = "200"
    return e


def _units(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT doc_id, grp, status, count(*) FROM group_results"
                         " GROUP BY doc_id, grp").fetchall()


@pytest.mark.slow
def test_two_runs_on_one_database_with_overlapping_folders_both_succeed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_papers(a, 8)                 # paper000..007
    write_papers(b, 8, start=4)        # paper004..011: four papers in both folders
    for i in range(4, 8):              # the same files, byte for byte, as in `a`
        (b / f"paper{i:03d}.txt").write_bytes((a / f"paper{i:03d}.txt").read_bytes())
    db = tmp_path / "one.db"           # new: both processes also race to create and migrate it
    procs = [subprocess.Popen([METHEX, "run", str(d), "--db", str(db)], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for d in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
    units = _units(db)
    assert {u[0] for u in units} == {f"paper{i:03d}" for i in range(12)}
    assert len(units) == 12 * GROUPS
    assert all(status == "done" and n == 1 for _, _, status, n in units), units
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM documents").fetchone()[0] == 12
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []


def test_shards_split_every_id_once_and_the_same_way_everywhere():
    ids = [f"10.1016_j.ecoinf.{i}" for i in range(500)] + ["1", "ü-paper", ""]
    shards = [Shard.parse(f"{i}/3") for i in (1, 2, 3)]
    owners = [[s for s in shards if i in s] for i in ids]
    assert all(len(o) == 1 for o in owners)
    sizes = [sum(1 for o in owners if o[0] == s) for s in shards]
    assert min(sizes) > 120, sizes                     # a hash, not "everything in shard 1"
    # fixed by sha256, not by hash() (salted per process): the same on every machine
    assert "10.1016_j.ecoinf.7" in Shard(2, 3) and "paper000" in Shard(2, 4)
    assert all(i in Shard(1, 1) for i in ids)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "x", "1-2", "/2", "1/"])
def test_a_bad_shard_is_a_clear_error(text):
    with pytest.raises(ValueError, match="I/N|numbered 1 to N"):
        Shard.parse(text)


def test_run_with_shards_extracts_each_paper_in_exactly_one_shard(tmp_path):
    from extractor.cli import cli
    papers = tmp_path / "p"
    write_papers(papers, 10)
    db = tmp_path / "s.db"
    mine = [shard_files([str(papers)], Shard(i, 2)) for i in (1, 2)]
    assert sorted(mine[0] + mine[1]) == sorted(str(p) for p in papers.iterdir())
    assert not set(mine[0]) & set(mine[1])
    for i in (1, 2):
        r = CliRunner().invoke(cli, ["run", str(papers), "--db", str(db), "--shard", f"{i}/2"])
        assert r.exit_code == 0, r.output
    with sqlite3.connect(db) as c:
        runs = [set(__import__("json").loads(s)["docs"]) for (s,) in
                c.execute("SELECT settings FROM runs ORDER BY id")]
    assert runs == [{Path(f).stem for f in m} for m in mine]
    assert len(_units(db)) == 10 * GROUPS
    r = CliRunner().invoke(cli, ["extract", "--db", str(db), "--shard", "0/2"])
    assert r.exit_code == 2 and "numbered 1 to N" in r.output


def test_retry_busy_retries_only_a_busy_database_and_only_so_often():
    calls = []

    def busy_twice():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "ok"
    assert store.retry_busy(busy_twice, base_delay=0.001) == "ok" and len(calls) == 3

    def always_busy():
        calls.append(1)
        raise sqlite3.OperationalError("database is locked")
    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store.retry_busy(always_busy, tries=4, base_delay=0.001)
    assert len(calls) == 4

    def broken():
        calls.append(1)
        raise sqlite3.OperationalError("no such table: nope")
    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        store.retry_busy(broken, base_delay=0.001)
    assert len(calls) == 1


def _doc(doc_id: str, text: str):
    import hashlib
    from extractor.ingest.chunk import make_chunks
    from extractor.ingest.types import ParsedDocument
    return ParsedDocument(doc_id=doc_id, path=f"{doc_id}.txt", text=text,
                          sha256=hashlib.sha256(text.encode()).hexdigest(),
                          chunks=make_chunks(text, None))


def _rec(doc, status: str) -> GroupRecord:
    return GroupRecord(doc_id=doc.doc_id, doc_sha256=doc.sha256, group="software",
                       cache_key="k1", field_keys=["frameworks"], status=status,
                       error=None if status == "done" else "HTTP 500")


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path):
    db = store.open_db(tmp_path / "w.db")
    doc = _doc("p1", "We trained the network with PyTorch on one GPU. " * 3)
    assert store.replace_document(db, doc) is True
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")           # another process holds the write lock ...
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()   # ... for half a second
    t0 = time.monotonic()
    run_id = store.start_run(db, "rules", "m", "s", "1", "-", {})
    assert time.monotonic() - t0 >= 0.4
    assert store.write_group_result(db, run_id, _rec(doc, "done")) is not None


def test_a_unit_done_by_another_writer_is_not_replaced_and_same_content_not_reingested(tmp_path):
    db = store.open_db(tmp_path / "u.db")
    doc = _doc("p1", "We trained the network with PyTorch on one GPU. " * 3)
    store.replace_document(db, doc)
    run_a = store.start_run(db, "rules", "m", "s", "1", "-", {})
    run_b = store.start_run(db, "rules", "m", "s", "1", "-", {})
    gid = store.write_group_result(db, run_a, _rec(doc, "done"))
    # the other process failed the same unit later: the done result stays, its call is logged
    late = _rec(doc, "failed")
    from extractor.backends.base import CallStats
    late.calls = [CallStats(attempt=1, error="HTTP 500")]
    assert store.write_group_result(db, run_b, late) is None
    assert db.execute("SELECT id, status FROM group_results").fetchall() == [(gid, "done")]
    assert db.execute("SELECT group_result_id, run_id FROM llm_calls").fetchall() == \
        [(None, run_b)]
    # the same file ingested again by another process replaces nothing (results stay)
    assert store.replace_document(db, _doc("p1", doc.text)) is False
    assert db.execute("SELECT count(*) FROM group_results").fetchone()[0] == 1
    # a unit finished for content that was replaced meanwhile is not written over new text
    store.replace_document(db, _doc("p1", doc.text + " Changed."))
    assert store.write_group_result(db, run_b, _rec(doc, "done")) is None
    assert db.execute("SELECT count(*) FROM group_results").fetchone()[0] == 0
