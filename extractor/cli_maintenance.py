"""methex backup / methex check [--vacuum]: thin over extractor.maintenance."""
from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extractor import store
from extractor.maintenance import MaintenanceError, backup, check, vacuum

db_option = click.option("--db", "db_path", default=None, metavar="FILE",
                         help="SQLite database (default: $METHEX_DB or ./methex.db).")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
@db_option
@click.option("--force", is_flag=True, help="Replace DEST if it exists.")
def backup_cmd(dest, db_path, force):
    """Copy the database to DEST, safely even while a run is writing to it.

    The copy is one consistent snapshot in a single file; restore by using it as --db.
    """
    src = db_path or store.default_db_path()
    try:
        size = backup(src, dest, overwrite=force)
    except MaintenanceError as e:
        raise click.ClickException(str(e)) from None
    Console(stderr=True, highlight=False).print(
        f"backup of {escape(src)} written to {escape(dest)} ({size / 2**20:.1f} MB); "
        f"check it with: methex check --db {escape(dest)}", soft_wrap=True)


@click.command("check")
@db_option
@click.option("--vacuum", "do_vacuum", is_flag=True,
              help="When every check passes, apply pending migrations and VACUUM: give the "
                   "file's free pages back to the disk (needs the database to itself).")
def check_cmd(db_path, do_vacuum):
    """Check the database: SQLite integrity, foreign keys, schema version, and that every
    unit, value and quote hangs together. Reads only (but --vacuum); exit 1 if anything is
    wrong."""
    path = db_path or store.default_db_path()
    report = _check_and_print(path)
    if not do_vacuum:
        # Pages are never full; a third of the file unused is worth a VACUUM.
        if report.unused_bytes > report.file_bytes / 3:
            Console(highlight=False).print(
                f"{report.unused_bytes / 2**20:.1f} of {report.file_bytes / 2**20:.1f} MB "
                "in the file unused; `methex check --vacuum` gives most of it back to the disk")
        sys.exit(0 if report.ok else 1)
    # Pending migrations do not stop a vacuum: it applies them first (013 frees space only then).
    blocking = [c for c in report.checks if c.problems and not (
        c.name == "schema version" and "not applied" in c.problems[0])]
    if blocking:
        raise click.ClickException("not vacuumed: fix the problems above first")
    try:
        before, after = vacuum(path)
    except MaintenanceError as e:
        raise click.ClickException(str(e)) from None
    Console(highlight=False).print(
        f"vacuumed: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB; checked again:")
    sys.exit(0 if _check_and_print(path).ok else 1)


def _check_and_print(path):
    try:
        report = check(path)
    except MaintenanceError as e:
        raise click.ClickException(str(e)) from None
    t = Table(title=f"methex check: {path}")
    t.add_column("check")
    t.add_column("result")
    for c in report.checks:
        t.add_row(c.name, "[green]ok[/]" if not c.problems else
                  "[red]" + escape("; ".join(c.problems)) + "[/]")
    out = Console(highlight=False)
    out.print(t)
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    out.print(f"schema {report.schema}" + (f"; {counts}" if counts else ""))
    return report
