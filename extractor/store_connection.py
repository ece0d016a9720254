"""Opening the database: path, connection settings, numbered migrations, and the busy-retry
and write-transaction helpers every writer uses (re-exported by extractor.store, the one writer).

Schema changes are numbered SQL files in db/ (package extractor.db), applied once each and
recorded in the `migrations` table.
"""
from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TypeVar

import sqlite_utils

DEFAULT_DB = "methex.db"


def default_db_path() -> str:
    from extractor.settings import load_settings
    return load_settings().db or DEFAULT_DB      # $METHEX_DB, db = "..." in methex.toml


def _migrations() -> list[tuple[str, str]]:
    files = sorted(p for p in resources.files("extractor.db").iterdir()
                   if p.name.endswith(".sql") and p.name[:3].isdigit())
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


# --- several writers ------------------------------------------------------------------------
# Several processes (two `methex run`s, shards) may write one database. Every write takes the
# write lock up front (BEGIN IMMEDIATE: a deferred transaction that has read cannot wait for the
# lock, SQLite answers "database is locked" at once), waits up to BUSY_TIMEOUT_MS for it, and a
# unit that still meets a busy database is retried whole, a bounded number of times.

BUSY_TIMEOUT_MS = 30_000
_T = TypeVar("_T")


def is_busy(e: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (any extended code): another connection holds a lock."""
    if not isinstance(e, sqlite3.OperationalError):
        return False
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(e) or "busy" in str(e)


def retry_busy(fn: Callable[[], _T], *, tries: int | None = None, base_delay: float = 0.05,
               max_delay: float = 2.0) -> _T:
    """Call fn (one whole transaction) again while the database is busy, with jittered
    exponential backoff; after `tries` attempts ($METHEX_DB_TRIES, default 8) the error stands."""
    tries = tries or int(os.environ.get("METHEX_DB_TRIES") or 8)
    delay = base_delay
    for attempt in range(1, tries + 1):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if not is_busy(e) or attempt == tries:
                raise
        # jitter: two processes that collided should not collide again on the same beat
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: all of it is stored or none."""
    c = db.conn
    c.execute("BEGIN IMMEDIATE")
    try:
        yield c
    except BaseException:
        if c.in_transaction:
            c.execute("ROLLBACK")
        raise
    c.execute("COMMIT")


def migrate(conn: sqlite3.Connection, before: str | None = None) -> list[str]:
    """Apply pending migrations, each in its own transaction (only those named below `before`,
    e.g. "013", if given: a database as an older methex left it). Returns the names applied.

    Two processes opening a new database at once may both see a migration pending: the one
    that loses fails inside its transaction (table exists, or the migrations row does), rolls
    back and finds the migration recorded by the other, which is success.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {r[0] for r in conn.execute("SELECT name FROM migrations")}
    applied = []
    for name, sql in _migrations():
        if before is not None and name >= before:
            break
        if name in done:
            continue
        # executescript commits implicitly; wrap it so a failing migration leaves nothing behind.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nINSERT INTO migrations VALUES "
                               f"('{name}', datetime('now'));\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if conn.execute("SELECT 1 FROM migrations WHERE name = ?", [name]).fetchone():
                continue
            raise
        applied.append(name)
    return applied


def migration_names() -> list[str]:
    """The migrations this code knows, oldest first (what `methex check` compares against)."""
    return [name for name, _ in _migrations()]


def open_db(path: str | Path | None = None, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the methex database.

    read_only opens through a `mode=ro` URI so any write statement fails inside SQLite itself.
    """
    path = str(path or default_db_path())
    if read_only:
        if not Path(path).exists():
            raise FileNotFoundError(f"database not found: {path} (run `methex ingest` first)")
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True,
                               check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return sqlite_utils.Database(conn)
    try:
        _check_usable(Path(path))
    except PermissionError as e:    # a directory on the way that this user may not enter
        raise DatabaseOpenError(f"cannot use {path} as the methex database: "
                                f"{e.strerror}: {e.filename}") from None
    try:
        conn = retry_busy(lambda: _connect(path))
    except sqlite3.DatabaseError as e:
        raise DatabaseOpenError(f"cannot use {path} as the methex database: {_why(e)}") from None
    return sqlite_utils.Database(conn)


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


class DatabaseOpenError(Exception):
    """The --db path cannot hold a methex database; the message says why in one line."""


def _check_usable(p: Path) -> None:
    """Refuse paths SQLite would fail on with a vague "unable to open database file".
    A missing directory is not created: a typo in --db should not leave new folders behind."""
    if p.is_dir():
        raise DatabaseOpenError(f"--db {p} is a directory; give a file name inside it, "
                                f"e.g. {p / DEFAULT_DB}")
    parent = p.parent
    if not parent.is_dir():
        raise DatabaseOpenError(f"the directory of --db {p} does not exist: create it first "
                                f"(mkdir -p {parent}) or choose another path")
    # SQLite also writes <db>-wal and <db>-shm beside the file, so the directory must be
    # writable even when the database file is.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseOpenError(f"cannot use {p} as the methex database: the directory "
                                f"{parent} is not writable")
    if p.exists() and not os.access(p, os.R_OK | os.W_OK):
        raise DatabaseOpenError(f"cannot use {p} as the methex database: the file is not "
                                "readable and writable")


def _why(e: sqlite3.DatabaseError) -> str:
    msg = str(e)
    if "not a database" in msg:
        return "the file exists but is not an SQLite database (wrong file?)"
    if "unable to open" in msg or "readonly" in msg or "disk I/O" in msg:
        return (f"{msg} (the file or its directory cannot be written here; choose a path in "
                "a writable directory)")
    return msg
