"""Human review decisions: accept, reject or set a value of one field of one paper.

A decision is a row in `reviews` (db/004_reviews.sql); the views of db/005 merge it with the
extraction results, so query, show and export see reviewed values without extra code.
A set value needs a quote that is found in the document text (exactly or after folding case,
white space, quotes and dashes) and is stored with its offsets, like extracted evidence.
"""
from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from extractor.query import QueryError, check_doc, check_field, docs_state
from extractor import store
from extractor.store import canonical_of, normalize_value
from extractor.schemas.catalog import Schema, load_schema
from extractor.grounding import grounded
from extractor.verify import locate_quote, page_of

ACTIONS = ("accept", "reject", "set")


class ReviewError(ValueError):
    pass


@dataclass
class Review:
    id: int
    doc_id: str
    field: str
    action: str
    value: str
    reviewer: str
    created_at: str
    note: str | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    page: int | None = None
    match: str | None = None
    grounded: bool | None = None    # set only: do the value's words occur in the quote?


def default_reviewer() -> str:
    from extractor.settings import load_settings
    # $METHEX_USER, user = "..." in methex.toml, else the login name ($LOGNAME, $USER, ...)
    return load_settings().user or getpass.getuser() or "unknown"


def add_review(db: sqlite_utils.Database, doc_id: str, field: str, action: str, value: str, *,
               quote: str | None = None, reviewer: str | None = None, note: str | None = None,
               schema: Schema | None = None) -> Review:
    """Record one decision. accept/reject name a value the paper currently has for the field;
    set adds a value and needs a quote from the paper."""
    schema = schema or load_schema()
    if action not in ACTIONS:
        raise ReviewError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    try:
        check_field(schema, field)
        check_doc(db, doc_id)
    except QueryError as e:
        raise ReviewError(str(e)) from None
    value = " ".join(value.split())
    if not normalize_value(value):
        raise ReviewError("the value is empty")
    # the same key as extraction gives the value (schema canonical form, users' aliases)
    norm = canonical_of(db, field, value, schema.field(field))[1]
    reviewer = (reviewer or default_reviewer()).strip()
    if not reviewer:
        raise ReviewError("the reviewer name is empty")

    row = dict(doc_id=doc_id, field=field, action=action, value=value, normalized=norm,
               reviewer=reviewer, note=note,
               created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    ok = None
    if action == "set":
        if not quote or not quote.strip():
            raise ReviewError("--set needs --quote: a passage of the paper that states the value")
        text, page_starts = db.execute("SELECT text, page_starts FROM documents WHERE id = ?",
                                       [doc_id]).fetchone()
        # No fuzzy matching for human quotes: what is stored must be what the paper says.
        m = locate_quote(text, quote, fuzzy=False)
        if m is None:
            raise ReviewError(f"quote not found in the text of {doc_id}; copy it verbatim "
                              f"from the paper (case and white space may differ)")
        ok = grounded(value, text[m.start:m.end], schema.field(field).aliases(value))
        row.update(quote=text[m.start:m.end], start=m.start, end=m.end, match=m.match,
                   page=page_of(m.start, json.loads(page_starts) if page_starts else None))
    else:
        row["normalized"] = _current_key(db, schema, doc_id, field, value, norm,
                                         hint=action == "accept")
    cols = list(row)

    def insert() -> int:
        with store.write_transaction(db) as conn:
            return conn.execute(
                f"INSERT INTO reviews ({', '.join(_q(c) for c in cols)}) "
                f"VALUES ({', '.join('?' * len(cols))})", [row[c] for c in cols]).lastrowid
    return Review(id=store.retry_busy(insert), grounded=ok,
                  **{k: v for k, v in row.items()
                     if k in Review.__dataclass_fields__ and k != "normalized"})


def _q(col: str) -> str:
    return f'"{col}"'


def list_reviews(db: sqlite_utils.Database, doc_id: str, field: str | None = None) -> list[dict]:
    """All decisions on a paper (optionally one field), oldest first, with whether each is
    the one in force for its value."""
    sql = ('SELECT r.id, r.field, r.action, r.value, r.normalized, r.quote, r.start, r."end",'
           " r.page, r.match, r.reviewer, r.note, r.created_at,"
           " r.id IN (SELECT id FROM latest_reviews WHERE doc_id = ?) AS in_force"
           " FROM reviews r WHERE r.doc_id = ?")
    params: list = [doc_id, doc_id]
    if field:
        sql += " AND r.field = ?"
        params.append(field)
    cur = db.execute(sql + " ORDER BY r.id", params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass
class Correction:
    set: Review
    rejected: Review | None     # the old value's reject (None: the field had no old value)
    alias: bool                 # the old spelling now names the new value in every paper


def _current_key(db: sqlite_utils.Database, schema: Schema, doc_id: str, field: str,
                 value: str, norm: str, hint: bool = False) -> str:
    """The stored key of the current value `value` names (by canonical key `norm`, or as
    written: rows stored before canonical forms existed carry the written form's key)."""
    current = docs_state(db, schema, [doc_id])[doc_id][field]
    hit = next((v.normalized for v in current.values if v.normalized == norm
                or normalize_value(v.value) == normalize_value(value)), None)
    if hit is None:
        have = "; ".join(v.value for v in current.values) or f"none ({current.status})"
        tip = " (use --set VALUE --quote ... to add a value)" if hint else ""
        raise ReviewError(f"{value!r} is not a current value of {field} for {doc_id}; "
                          f"current values: {have}{tip}")
    return hit


def correct_value(db: sqlite_utils.Database, doc_id: str, field: str, old: str | None,
                  new: str, *, quote: str | None, reviewer: str | None = None,
                  note: str | None = None, schema: Schema | None = None) -> Correction:
    """Replace `old` by `new`, stated by `quote`. The new value is checked first, so a quote
    that does not verify changes nothing. When `new` is another spelling of `old` (same numbers,
    mostly the same words), the old spelling becomes an alias of the new one for the field, so
    every paper and later extraction use the corrected name: the database learns from its
    reviewers. A changed number ("ResNet-50" -> "ResNet-101") corrects a fact and adds no alias."""
    from extractor.canonical import is_respelling
    from extractor.store import set_alias

    schema = schema or load_schema()
    if not new or not new.strip():
        raise ReviewError("the corrected value is empty")
    if old:     # the old value must be current before anything is written
        try:
            check_field(schema, field)
            check_doc(db, doc_id)
        except QueryError as e:
            raise ReviewError(str(e)) from None
        _current_key(db, schema, doc_id, field, old,
                     canonical_of(db, field, old, schema.field(field))[1])
    s = add_review(db, doc_id, field, "set", new, quote=quote, reviewer=reviewer, note=note,
                   schema=schema)
    rejected, alias = None, False
    if old and normalize_value(old) != normalize_value(new):
        rejected = add_review(db, doc_id, field, "reject", old, reviewer=reviewer,
                              note=note or f"corrected to {new!r}", schema=schema)
        if is_respelling(old, new, schema.field(field)):
            set_alias(db, field, old, " ".join(new.split()), "review", schema.field(field))
            alias = True
    return Correction(s, rejected, alias)
