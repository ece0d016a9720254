"""`methex sql`: one statement on a read-only connection, with an authorizer that refuses
ATTACH and PRAGMA writes before they run, saying why."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


class SqlError(Exception):
    pass


@dataclass
class SqlResult:
    columns: list[str]
    rows: list[tuple]


# PRAGMAs that only read, even when given an argument (a table or index name).
_READING_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
                    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
                    "table_list"}


def _read_only_guard(refusals: list[str]):
    """An SQLite authorizer for `methex sql`. A read-only connection still lets ATTACH (and
    VACUUM INTO, which attaches) create files, and a PRAGMA that sets something fails with a
    misleading "disk I/O error"; refuse both before they run, saying why."""
    def authorize(action, arg1, arg2, _db, _trigger):
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            refusals.append("ATTACH, DETACH and VACUUM INTO are not allowed: `methex sql` reads "
                            "this database only")
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_PRAGMA and arg2 is not None \
                and arg1.lower() not in _READING_PRAGMAS:
            refusals.append(f"PRAGMA {arg1} = {arg2} would change the database or the "
                            f"connection; `methex sql` only reads (PRAGMA {arg1} without a "
                            f"value shows the setting)")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    return authorize


def run_sql(db_path: str | Path, sql: str, params: list | dict | None = None) -> SqlResult:
    """Run one statement on a read-only connection; writes fail inside SQLite itself, and
    ATTACH or setting PRAGMAs is refused by an authorizer."""
    from extractor.store import open_db
    try:
        db = open_db(db_path, read_only=True)
    except FileNotFoundError as e:
        raise SqlError(str(e)) from None
    refusals: list[str] = []
    db.conn.set_authorizer(_read_only_guard(refusals))
    try:
        cur = db.conn.execute(sql, params or [])
        cols = [d[0] for d in cur.description] if cur.description else []
        return SqlResult(cols, cur.fetchall())
    except sqlite3.DatabaseError as e:
        if refusals:
            raise SqlError(f"refused: {refusals[0]}") from None
        return _sql_error(e)
    except (sqlite3.Warning, sqlite3.ProgrammingError) as e:
        raise SqlError(f"SQL error: {e}") from None
    finally:
        db.conn.close()


def _sql_error(e: sqlite3.DatabaseError):
    """Raise the SqlError that explains a failed statement."""
    if isinstance(e, sqlite3.OperationalError):
        msg = str(e)
        if "readonly" in msg or "read-only" in msg or "query_only" in msg:
            raise SqlError(f"refused: `methex sql` is read-only ({msg}); "
                           "use `methex review` to record decisions") from None
        raise SqlError(f"SQL error: {msg}") from None
    raise SqlError(f"SQL error: {e}") from None
