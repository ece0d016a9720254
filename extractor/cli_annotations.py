"""`methex annotations import`: human annotations as a run, verified like any backend's
answers. Thin: parse, call extractor.annotations, render."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from extractor.cli_common import _open, _schema, db_option, schema_option


@click.group("annotations")
def annotations() -> None:
    """Human annotations (gold-format JSON files or exported JSONL) stored as a run."""


@annotations.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--source", default=None, metavar="LABEL",
              help="Name of this set of annotations, stored as the run's model "
                   "(default: the file or folder name).")
@db_option
@schema_option
def import_cmd(path: Path, source: str | None, db_path: str | None,
               schema_ref: str | None) -> None:
    """Import annotations from PATH: a folder of gold-format *.json files (one per paper, as in
    FIELDS.md) or a JSONL file in `methex export`'s shape. Every value goes through the same
    verification as a model's answer (quote found in the paper, value grounded in it, quote
    about the field); rejected values are kept with their reasons (`methex audit
    --unverified`). Papers must be ingested first. Re-importing unchanged annotations is a
    no-op."""
    from extractor.annotations import AnnotationError, import_annotations, load_annotations

    try:
        ann = load_annotations(path)
    except AnnotationError as e:
        raise click.ClickException(str(e)) from None
    db = _open(db_path)
    schema = _schema(schema_ref, db)
    rep = import_annotations(db, ann, schema, source or path.name)
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    total = rep.accepted + rep.rejected
    out.print(f"run {rep.run_id}: {rep.docs} papers, {rep.units} units written, "
              f"{rep.skipped} unchanged; {rep.accepted}/{total} values verified")
    for reason, n in sorted(rep.reasons.items(), key=lambda x: -x[1]):
        out.print(f"  rejected {n:>4} × {escape(reason)}")
    if rep.unknown_fields:
        err.print(f"[yellow]fields not in schema {schema.name} were ignored:[/] "
                  f"{escape(', '.join(rep.unknown_fields))}")
    if rep.missing:
        err.print(f"[yellow]{len(rep.missing)} annotated papers are not in the database "
                  f"(ingest them first):[/] {escape(', '.join(rep.missing[:10]))}"
                  + (" …" if len(rep.missing) > 10 else ""))
