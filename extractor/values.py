"""Canonical values across papers: list them with their spellings, propose near-duplicates,
and record a user's merge or split (extractor.canonical explains the canonical form)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from extractor import store
from extractor.canonical import fold, near_duplicates
from extractor.query import Facet, check_field, field_facets
from extractor.schemas.catalog import Schema, load_schema


@dataclass
class Suggestion:
    a: Facet
    b: Facet
    ratio: float


def list_values(db: sqlite_utils.Database, field: str,
                schema: Schema | None = None) -> list[Facet]:
    """Canonical values of a field with their spellings and paper counts (reviews applied)."""
    return field_facets(db, field, schema).facets


def suggest(db: sqlite_utils.Database, field: str, schema: Schema | None = None
            ) -> list[Suggestion]:
    """Pairs of values that look like spellings of one thing, for a user to confirm with
    `merge`; nothing is merged here."""
    facets = {f.normalized: f for f in list_values(db, field, schema)}
    pairs = near_duplicates({k: f.papers for k, f in facets.items()})
    return [Suggestion(facets[a], facets[b], r) for a, b, r in pairs]


def merge(db: sqlite_utils.Database, field: str, target: str, spellings: list[str],
          schema: Schema | None = None) -> int:
    """Make every spelling a name of `target` in this field, in stored values, reviews and every
    later extraction. Returns the number of stored values moved."""
    schema = schema or load_schema()
    check_field(schema, field)
    # the target's display form: its current canonical name when it is already a value
    known = {f.normalized: f.value for f in list_values(db, field, schema)}
    canonical = known.get(store.canonical_of(db, field, target, schema.field(field))[1],
                          " ".join(target.split()))
    moved = 0
    for s in spellings:
        if fold(s) != fold(canonical):
            moved += store.set_alias(db, field, s, canonical, "merge", schema.field(field))
    return moved


def split(db: sqlite_utils.Database, field: str, spelling: str,
          schema: Schema | None = None) -> int:
    """Keep `spelling` apart as its own value (undoing a merge or a vocabulary alias)."""
    schema = schema or load_schema()
    check_field(schema, field)
    return store.set_alias(db, field, spelling, " ".join(spelling.split()), "split")


def rebuild(db: sqlite_utils.Database, schema: Schema | None = None) -> int:
    """Recompute canonical forms of every stored value (see store.rebuild_canonical)."""
    schema = schema or load_schema()
    return store.rebuild_canonical(db, {f.key: f for f in schema.fields})
