"""Keeping a methex database safe and small: an online backup, an integrity check, VACUUM.

backup() uses SQLite's online backup API in a single step: it reads one consistent snapshot
(WAL lets a run keep writing meanwhile) and writes it to a temporary file that is renamed
into place only when whole, so a failed or interrupted backup never leaves a half file.
check() reads only: it never migrates or repairs, it says what is wrong, and how much of the
file is free pages. vacuum() gives those pages back to the disk: SQLite keeps a file's size when
rows go (db/013 dropped every chunk's stored text, ~15 % of a database, and re-ingestion or
reruns delete rows too) until VACUUM rewrites the file, which cannot run inside a migration's
transaction and needs the database to itself and free disk of about its size. It changes no
row, so it is maintenance of the file rather than a write of the store's.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from extractor import store


class MaintenanceError(Exception):
    """A backup or check that cannot be done; the message says why in one line."""


def _open_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise MaintenanceError(f"database not found: {path}")
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True,
                           timeout=store.BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as e:
        conn.close()
        raise MaintenanceError(f"cannot read {path}: {e}") from None
    return conn


def backup(db_path: str | Path, dest: str | Path, *, overwrite: bool = False) -> int:
    """Copy the database to `dest` while it may be in use; returns the backup's size in bytes.

    The copy is a single file (rollback journal, not WAL), checked with quick_check before it
    replaces `dest`. An existing `dest` is kept unless overwrite is set.
    """
    src_path, dest = Path(db_path), Path(dest)
    if dest.exists() and dest.resolve() == src_path.resolve():
        raise MaintenanceError(f"the backup {dest} is the database itself; choose another file")
    if dest.is_dir():
        raise MaintenanceError(f"{dest} is a directory; give a file name inside it")
    if dest.exists() and not overwrite:
        raise MaintenanceError(f"{dest} exists; choose a new file name (or --force to "
                               "replace it)")
    if not dest.parent.is_dir():
        raise MaintenanceError(f"the directory of {dest} does not exist")
    src = _open_ro(src_path)
    tmp = dest.with_name(f".{dest.name}.part-{os.getpid()}")
    try:
        out = sqlite3.connect(tmp, isolation_level=None)
        try:
            src.backup(out)        # pages=-1: the whole snapshot in one step, no restarts
            out.execute("PRAGMA journal_mode = DELETE")
            verdict = out.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            out.close()
        if verdict != "ok":
            raise MaintenanceError(f"the copy failed its quick_check ({verdict}); "
                                   f"run `methex check` on {src_path}")
        os.replace(tmp, dest)
    except sqlite3.Error as e:
        raise MaintenanceError(f"backup to {dest} failed: {e}") from None
    finally:
        src.close()
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
    return dest.stat().st_size


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    schema: str                     # newest migration applied to the file
    expected: str                   # newest migration this methex knows
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    unused_bytes: int = 0           # free pages and unused space in pages: VACUUM's to give back

    @property
    def ok(self) -> bool:
        return not any(c.problems for c in self.checks)


# (check name, SQL counting offending rows, what a row means). Each is an invariant the
# writers keep in one transaction, so any hit means damage or a writer bug, not a crash.
_INVARIANTS = [
    ("units stored once",
     "SELECT count(*) FROM (SELECT 1 FROM group_results GROUP BY doc_id, grp, cache_key"
     " HAVING count(*) > 1)", "paper x group unit(s) stored more than once"),
    ("failed units have a reason",
     "SELECT count(*) FROM group_results WHERE status = 'failed' AND"
     " coalesce(trim(error), '') = ''", "failed unit(s) without an error"),
    ("done units have results",
     "SELECT count(*) FROM group_results g WHERE status = 'done' AND NOT EXISTS"
     " (SELECT 1 FROM extractions e WHERE e.group_result_id = g.id)",
     "done unit(s) without any field result"),
    ("results belong to units",
     "SELECT count(*) FROM extractions e WHERE NOT EXISTS"
     " (SELECT 1 FROM group_results g WHERE g.id = e.group_result_id)"
     " OR e.doc_id != (SELECT doc_id FROM group_results g WHERE g.id = e.group_result_id)",
     "field result(s) without their unit, or naming another paper"),
    ("values belong to results",
     "SELECT count(*) FROM field_values v WHERE NOT EXISTS"
     " (SELECT 1 FROM extractions e WHERE e.id = v.extraction_id AND e.doc_id = v.doc_id)",
     "value(s) without their field result"),
    ("accepted values have evidence",
     "SELECT count(*) FROM field_values v WHERE accepted = 1 AND NOT EXISTS"
     " (SELECT 1 FROM evidence x WHERE x.value_id = v.id)", "accepted value(s) without a quote"),
    ("evidence matches the paper",
     "SELECT count(*) FROM evidence x LEFT JOIN documents d ON d.id = x.doc_id WHERE d.id IS"
     " NULL OR x.quote != substr(d.text, x.start + 1, x.\"end\" - x.start)",
     "evidence quote(s) not found at their offsets in the paper's text"),
    ("chunks match the paper",
     "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.doc_id"
     " WHERE c.text != substr(d.text, c.start + 1, c.\"end\" - c.start)",
     "chunk(s) whose text is not the paper's text at their offsets"),
]


def check(db_path: str | Path) -> CheckReport:
    """integrity_check, foreign_key_check, schema version and the invariants above."""
    conn = _open_ro(Path(db_path))
    try:
        return _check(conn)
    finally:
        conn.close()


def _check(conn: sqlite3.Connection) -> CheckReport:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    applied = ([r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
               if "migrations" in tables else [])
    known = store.migration_names()
    report = CheckReport(schema=applied[-1] if applied else "(none)", expected=known[-1])
    integrity = Check("integrity_check")
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        integrity.problems += rows[:20]
    report.checks.append(integrity)
    fk = Check("foreign_key_check")
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        fk.problems.append(f"{table} row {rowid} points to a missing {parent} row")
    report.checks.append(fk)
    schema = Check("schema version")
    missing = [n for n in known if n not in applied]
    newer = [n for n in applied if n not in known]
    if newer:
        schema.problems.append(f"made by a newer methex (migrations {', '.join(newer)}); "
                               "upgrade methex")
    elif missing:
        schema.problems.append(f"migrations not applied: {', '.join(missing)} (any writing "
                               "methex command applies them)")
    report.checks.append(schema)
    if missing:     # the invariants read tables and columns a migration may not have made
        return report
    for name, sql, meaning in _INVARIANTS:
        c = Check(name)
        n = conn.execute(sql).fetchone()[0]
        if n:
            c.problems.append(f"{n} {meaning}")
        report.checks.append(c)
    for t in ("documents", "group_results", "field_values", "evidence", "runs"):
        report.counts[t] = conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    report.file_bytes, report.unused_bytes = _space(conn)
    return report


def _space(conn: sqlite3.Connection) -> tuple[int, int]:
    """(bytes in the file's pages, bytes of them unused). Deleted rows leave free pages, but
    rows that shrink in place (013 dropped a column) leave half-empty pages, which only the
    dbstat table shows; without it, the free pages alone."""
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0] * size
    pages = conn.execute("PRAGMA page_count").fetchone()[0] * size
    try:
        unused = conn.execute("SELECT sum(unused) FROM dbstat").fetchone()[0] or 0
    except sqlite3.OperationalError:    # SQLite built without dbstat
        unused = 0
    return pages, free + unused


def _file_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def vacuum(db_path: str | Path) -> tuple[int, int]:
    """Rewrite the database without its free pages (pending migrations are applied first, so
    the space they freed comes back too). Returns the file's bytes (with its WAL) before and
    after."""
    path = Path(db_path)
    if not path.is_file():
        raise MaintenanceError(f"database not found: {path}")
    db = store.open_db(path)        # migrates: 013 frees the old chunk text only when applied
    conn = db.conn
    try:
        before = _file_bytes(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        # VACUUM in WAL mode writes the new pages to the WAL; the checkpoint moves them into
        # the file and truncates it to its new size.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as e:
        raise MaintenanceError(f"VACUUM of {path} failed: {e} (it needs the database to itself"
                               " and free disk of about its size)") from None
    finally:
        conn.close()
    return before, _file_bytes(path)
