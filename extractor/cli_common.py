"""What every command module shares: the --db/--schema/--json options, consoles, opening
the database, resolving the schema."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from extractor import store
from extractor.query import NOT_EXTRACTED


STATUS_STYLE = {"reported": "green", "unknown": "yellow", NOT_EXTRACTED: "dim"}

db_option = click.option("--db", "db_path", default=None, metavar="FILE",
                         help="SQLite database (default: $METHEX_DB or ./methex.db).")
schema_option = click.option("--schema", "schema_ref", default=None, metavar="NAME|FILE",
                             help="Field schema: bundled name or YAML file "
                             "(default dl_methodology).")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON instead of a table.")


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _db_file(db_path: str | None) -> str:
    path = db_path or store.default_db_path()
    if not Path(path).exists():
        raise click.ClickException(f"database not found: {path} (run `methex ingest` first, "
                                   "or pass --db / set $METHEX_DB)")
    return path


def _open(db_path: str | None):
    # Writable open so the migrations (views, reviews table) are applied to older databases.
    return store.open_db(_db_file(db_path))


_SCHEMAS: dict = {}


def _schema(ref: str | None, db=None):
    """The schema a command works with: --schema (a name stored in the database, a bundled
    name, a YAML/JSON file or a Pydantic class); without it, the schema of the database's
    latest run, so a database filled with one's own fields reads back with them."""
    from extractor.schemas.catalog import SchemaError, load_schema, schema_from_json
    stored = None
    if db is not None and (ref is None or (":" not in ref and not Path(ref).exists()
                                           and Path(ref).suffix == "")):
        stored = store.stored_schema_json(db, ref)
    if stored is not None:
        if stored not in _SCHEMAS:
            _SCHEMAS[stored] = schema_from_json(stored)
        return _SCHEMAS[stored]
    # Parsing the YAML costs a noticeable fraction of a second; a file is re-read when it
    # changes (a long-lived process such as the test suite calls this many times).
    p = Path(ref) if ref else None
    key = (ref, p.stat().st_mtime_ns if p and p.is_file() else None)
    if key not in _SCHEMAS:
        try:
            _SCHEMAS[key] = load_schema(ref)
        except SchemaError as e:
            raise click.ClickException(str(e)) from None
    return _SCHEMAS[key]


def _split(items) -> list[str]:
    """--show a --show b and --show a,b both work."""
    return [s.strip() for item in items for s in item.split(",") if s.strip()]


def _print_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


# --- query ----------------------------------------------------------------------------------

