"""`methex ingest PATH...`: put papers (PDF, .txt, .md; folders recursively) into the database."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extractor.ingest.pipeline import IngestReport, ingest_paths
from extractor.store import default_db_path, open_db

STATUSES = ("ingested", "unchanged", "unreadable", "failed")


def run_ingest(paths: list[str | Path], db_path: str | Path | None = None, *,
               console: Console | None = None, progress: bool = True) -> IngestReport:
    """Open the database at ``db_path`` (default: $METHEX_DB or methex.db) and ingest ``paths``
    (see ingest_with_progress)."""
    db = open_db(db_path or default_db_path())
    try:
        return ingest_with_progress(db, paths, console=console, progress=progress)
    finally:
        db.conn.close()


def ingest_with_progress(db, paths: list[str | Path], *, console: Console | None = None,
                         progress: bool = True) -> IngestReport:
    """Ingest ``paths`` into the open ``db`` with a progress bar (when stderr is a terminal) and
    a summary table on ``console`` (stderr by default). Returns the report; callers decide the
    exit code (``report.ok`` is False only when some file failed)."""
    console = console or Console(stderr=True)
    if progress and console.is_terminal:
        with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TextColumn("{task.description}"),
                      console=console, transient=True) as bar:
            task = bar.add_task("", total=None)

            def on_progress(outcome, done, total):
                bar.update(task, completed=done, total=total, description=Path(outcome.path).name)

            report = ingest_paths(db, paths, on_progress=on_progress)
    else:
        report = ingest_paths(db, paths)
    print_summary(report, console)
    return report


def print_summary(report: IngestReport, console: Console) -> None:
    counts = Table(title="ingest", show_header=True)
    for s in STATUSES:
        counts.add_column(s, justify="right")
    counts.add_row(*(str(report.count(s)) for s in STATUSES))
    console.print(counts)
    if not report.outcomes:
        console.print("[yellow]no supported files found[/] (.pdf, .txt, .md)")
    problems = [o for o in report.outcomes if o.status in ("failed", "unreadable") or o.reason]
    if problems:
        t = Table(title="files needing attention", show_header=True)
        t.add_column("file", overflow="fold")
        t.add_column("status")
        t.add_column("reason", overflow="fold")
        for o in problems:
            t.add_row(o.path, o.status, o.reason or "")
        console.print(t)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database (default: $METHEX_DB or methex.db).")
def ingest(paths: tuple[Path, ...], db_path: Path | None) -> None:
    """Ingest PDF, .txt and .md files (folders recursively) into the database.

    Re-ingesting an unchanged file does nothing; a changed file replaces its older version.
    Unreadable documents (no text layer, (cid:NN) font codes, mostly non-letters) are stored with
    their reason. Text files over 10 MB and PDFs over 200 MB are rejected. The exit code is 1 only
    if some file failed.
    """
    try:
        report = run_ingest(list(paths), db_path)
    except KeyboardInterrupt:   # each file is stored in one transaction: nothing is half-written
        Console(stderr=True).print("[yellow]interrupted[/]: the files already ingested are "
                                   "stored whole; rerun the same command to resume")
        sys.exit(130)
    sys.exit(0 if report.ok else 1)
