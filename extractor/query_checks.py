"""What every read path shares: QueryError and the checks of user input (field names, document
ids), and the batching of document ids into IN (...) lists."""
from __future__ import annotations

import sqlite_utils

from extractor.schemas.catalog import Schema

NOT_EXTRACTED = "not extracted"


class QueryError(ValueError):
    """Bad user input to a query (unknown field, malformed condition, unknown document)."""


def check_field(schema: Schema, key: str) -> str:
    if key not in schema.keys:
        raise QueryError(f"unknown field {key!r}; fields are: {', '.join(schema.keys)}")
    return key


def check_doc(db: sqlite_utils.Database, doc_id: str) -> dict:
    row = db.execute("SELECT id, title, doi, status, reason, pages, chars, path FROM documents"
                     " WHERE id = ?", [doc_id]).fetchone()
    if row is None:
        raise QueryError(f"no document {doc_id!r} in the database")
    return dict(zip(("doc_id", "title", "doi", "status", "reason", "pages", "chars", "path"),
                    row))


def batches(ids: list[str], size: int = 500):
    """Slices of ids that keep IN (...) below SQLite's parameter limit."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def doc_filter(column: str, ids: list[str] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(ids))})", list(ids)


