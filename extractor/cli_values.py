"""`methex values`: canonical values per field, near-duplicate suggestions, merge and split.
Thin: parse, call extractor.values, render."""
from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from extractor.cli_common import _open, _out, _print_json, _schema, db_option, json_option, \
    schema_option
from extractor.query import QueryError


class _ValuesGroup(click.Group):
    """`methex values FIELD` lists a field; `methex values merge|split|...` are subcommands."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group("values", cls=_ValuesGroup)
def values() -> None:
    """Canonical values across papers: `methex values FIELD` lists them with their spellings;
    merge, split, suggest and rebuild manage them."""


@values.command("list")
@click.argument("field")
@click.option("--suggest", is_flag=True,
              help="Also propose pairs of values that look like one thing (confirm with merge).")
@json_option
@db_option
@schema_option
def list_cmd(field, suggest, as_json, db_path, schema_ref):
    """Canonical values of FIELD with every spelling and paper count."""
    from extractor import values as V
    db = _open(db_path)
    schema = _schema(schema_ref, db)
    try:
        facets = V.list_values(db, field, schema)
        sugg = V.suggest(db, field, schema) if suggest else []
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _print_json({"field": field, "values": [
            {"canonical": f.value, "key": f.normalized, "papers": f.papers,
             "spellings": f.spellings} for f in facets],
            "suggestions": [{"a": s.a.value, "b": s.b.value, "ratio": s.ratio} for s in sugg]})
        return
    t = Table(title=f"{field}: {len(facets)} values", title_justify="left")
    for c in ("canonical value", "papers", "spellings"):
        t.add_column(c)
    for f in facets:
        t.add_row(escape(f.value), str(f.papers),
                  escape("; ".join(f"{s} ({n})" for s, n in sorted(f.spellings.items()))))
    out = _out()
    out.print(t)
    for s in sugg:
        out.print(f"maybe one thing ({s.ratio:.0f}%): {escape(repr(s.a.value))} and "
                  f"{escape(repr(s.b.value))} → methex values merge {field} "
                  f"{escape(repr(s.a.value))} {escape(repr(s.b.value))}")


@values.command("merge")
@click.argument("field")
@click.argument("target")
@click.argument("spellings", nargs=-1, required=True)
@db_option
@schema_option
def merge_cmd(field, target, spellings, db_path, schema_ref):
    """Make each of SPELLINGS a name of TARGET in FIELD, for stored values, reviews, queries,
    exports and every later extraction."""
    from extractor import values as V
    db = _open(db_path)
    try:
        n = V.merge(db, field, target, list(spellings), _schema(schema_ref, db))
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    _out().print(f"{len(spellings)} spelling(s) now name {escape(repr(target))} in {field}; "
                 f"{n} stored value(s) moved")


@values.command("split")
@click.argument("field")
@click.argument("spelling")
@db_option
@schema_option
def split_cmd(field, spelling, db_path, schema_ref):
    """Keep SPELLING apart as a value of its own in FIELD (undo a merge or a vocabulary alias)."""
    from extractor import values as V
    db = _open(db_path)
    try:
        n = V.split(db, field, spelling, _schema(schema_ref, db))
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    _out().print(f"{escape(repr(spelling))} is its own value in {field}; {n} stored value(s) "
                 f"moved back")


@values.command("rebuild")
@db_option
@schema_option
def rebuild_cmd(db_path, schema_ref):
    """Recompute every stored value's canonical form under the schema and the merges/splits
    recorded (values stored by older versions, or after a vocabulary change)."""
    from extractor import values as V
    db = _open(db_path)
    n = V.rebuild(db, _schema(schema_ref, db))
    _out().print(f"{n} stored value(s) got a new canonical form")
