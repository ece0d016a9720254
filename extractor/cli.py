"""methex command line: a thin layer over the library (parse flags, call, render with rich)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extractor import store
from pydantic import ValidationError

from extractor.backends import DEFAULT_BACKEND, backend_class, make_backend
from extractor.extract import RunReport, Settings, Shard, run_extraction, select_groups, \
    selected_documents, shard_files
from extractor.schemas.catalog import SchemaError, load_schema
from extractor.settings import SettingsError

err = Console(stderr=True)
out = Console()

db_option = click.option("--db", "db_path", default=None, metavar="FILE",
                         help="SQLite database (default: $METHEX_DB, db in ./methex.toml, or "
                         "./methex.db).")


class MethexGroup(click.Group):
    """Turns an unusable --db into one clear line instead of a traceback, for every command."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (store.DatabaseOpenError, SettingsError) as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=MethexGroup)
@click.version_option(package_name="methex")
def cli():
    """methex: turn papers into a queryable, auditable database of their methodology."""


class ShardType(click.ParamType):
    name = "I/N"

    def convert(self, value, param, ctx):
        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


# Options of the commands themselves; a backend option of the same name is left out.
CORE_PARAMS = {"backend", "hints", "hybrid", "schema_ref", "fields", "top_k", "concurrency",
               "retry_failed", "db_path", "docs", "paths", "shard", "token_budget", "max_cost",
               "breaker", "batch_in", "batch_out"}


def _click_type(field):
    """A click type for a backend option's annotation (the Options model validates again)."""
    import typing
    import annotated_types
    kind = field.annotation
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, __import__("types").UnionType) and len(args) == 1:
        kind = args[0]
    bounds = {}
    for m in field.metadata:
        if isinstance(m, annotated_types.Ge):
            bounds["min"] = m.ge
        elif isinstance(m, annotated_types.Gt):
            bounds.update(min=m.gt, min_open=True)
        elif isinstance(m, annotated_types.Le):
            bounds["max"] = m.le
    if kind is bool:
        return None
    if kind is int:
        return click.IntRange(**bounds) if bounds else click.INT     # (gt on ints: use ge)
    if kind is float:
        return click.FloatRange(**bounds) if bounds else click.FLOAT
    if typing.get_origin(kind) is typing.Literal:
        return click.Choice([str(a) for a in typing.get_args(kind)])
    return click.STRING


def backend_flags() -> dict[str, click.Option]:
    """One flag per option of every registered backend (`base_url` -> --base-url); an option
    several backends share is one flag. Secrets get no flag (environment / methex.toml)."""
    from extractor.backends.base import is_secret
    from extractor.backends.registry import loadable_backends
    uses: dict[str, list] = {}
    for bname, cls in loadable_backends().items():
        for fname, field in cls.Options.model_fields.items():
            if not is_secret(field) and fname not in CORE_PARAMS:
                uses.setdefault(fname, []).append((bname, field))
    flags = {}
    for fname, used in uses.items():
        flag = "--" + fname.replace("_", "-")
        texts = {b: f.description or "" for b, f in used}
        if len(set(texts.values())) == 1:
            help_text = f"{', '.join(texts)}: {next(iter(texts.values()))}"
        else:
            help_text = "; ".join(f"{b}: {t}" for b, t in texts.items())
        kind = _click_type(used[0][1])
        if kind is None:
            flags[fname] = click.Option([f"{flag}/--no-{flag[2:]}", fname], default=None,
                                        help=help_text + ".")
        else:
            flags[fname] = click.Option([flag, fname], type=kind, default=None,
                                        help=help_text + ".")
    return flags


BACKEND_FLAGS = backend_flags()


def extraction_options(f):
    from extractor.backends.registry import backend_names
    f = click.option("--backend", type=click.Choice(backend_names()), default=DEFAULT_BACKEND,
                     show_default=True, help="Extractor: deterministic rules, a trained "
                     "classifier, an embedded llama.cpp model, any OpenAI-compatible endpoint, "
                     "or an installed plugin (entry point methex.backends).")(f)
    for option in reversed(list(BACKEND_FLAGS.values())):
        f.__click_params__ = [*getattr(f, "__click_params__", []), option]
    f = click.option("--hints/--no-hints", default=False,
                     help="Give LLM backends the rules extractor's candidates to confirm.")(f)
    f = click.option("--hybrid", is_flag=True, default=False,
                     help="Rules first, an LLM backend completes: the rules' verified values "
                     "stand, the LLM is asked only about the fields they leave unknown.")(f)
    f = click.option("--schema", "schema_ref", default=None,
                     help="Field schema: bundled name or a YAML file (default dl_methodology).")(f)
    f = click.option("--fields", default=None, help="Comma-separated field keys to extract.")(f)
    f = click.option("--top-k", type=int, default=None,
                     help="Passages per field group (default: all for rules; for LLMs the "
                     "retrieval default, sentence windows fairly shared by the group's fields).")(f)
    f = click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Backend requests in flight (for LLM servers).")(f)
    f = click.option("--retry-failed", is_flag=True,
                     help="Rerun document x group units recorded as failed.")(f)
    f = click.option("--shard", type=ShardType(), default=None, metavar="I/N",
                     help="Only shard I of N of the papers (split by a hash of the paper id): "
                     "run N processes, --shard 1/N to N/N, on one database.")(f)
    f = click.option("--token-budget", "token_budget", type=click.IntRange(min=1), default=None,
                     metavar="N", help="Stop the run cleanly before its LLM calls (prompt + "
                     "completion) pass N tokens; a rerun resumes (see `methex costs`).")(f)
    f = click.option("--max-cost", "max_cost", type=click.FloatRange(min=0), default=None,
                     metavar="USD", help="Stop the run cleanly before its estimated cost (the "
                     "price table of `methex costs`, $METHEX_PRICES) passes USD; a rerun "
                     "resumes.")(f)
    f = click.option("--breaker", type=click.IntRange(min=0), default=None, metavar="N",
                     help="Stop the run when N units in a row cannot connect to the endpoint "
                     "(default 5; 0: never).")(f)
    return f


def _make_backend(*, backend, **opts):
    """The backend with the flags given for it; flags of other backends are named and left
    out, a backend that cannot run here says what to install before any work is done."""
    try:
        cls = backend_class(backend)
    except ValueError as e:
        raise click.ClickException(str(e))
    missing = cls.missing_requirement()
    if missing:
        raise click.ClickException(f"--backend {backend} needs {missing}   — or use --backend "
                                   "rules (no install needed)")
    given = {k: v for k, v in opts.items() if k in BACKEND_FLAGS and v is not None}
    fields = cls.Options.model_fields
    for name in sorted(set(given) - set(fields)):
        err.print(f"[yellow]ignored[/] {BACKEND_FLAGS[name].opts[0]}: not an option of "
                  f"--backend {escape(backend)}")
    try:
        return make_backend(backend, **{k: v for k, v in given.items() if k in fields})
    except ValidationError as e:
        raise click.ClickException("; ".join(
            f"--{'-'.join(str(x) for x in er['loc']).replace('_', '-')}: {er['msg']}"
            for er in e.errors()))
    except (KeyError, ValueError, FileNotFoundError, ImportError) as e:
        raise click.ClickException(str(e).strip("'\""))


def _extract(db, *, backend, hints, hybrid, schema_ref, fields, top_k, retry_failed, concurrency,
             docs, shard=None, token_budget=None, max_cost=None, breaker=None, batch_in=None,
             batch_out=None, be=None, **backend_opts) -> RunReport:
    try:
        schema = load_schema(schema_ref)
        field_list = [f.strip() for f in fields.split(",")] if fields else None
        n_groups = len(select_groups(schema, field_list))
    except (SchemaError, KeyError, ValueError) as e:
        raise click.ClickException(str(e).strip("'\""))
    be = be or _make_backend(backend=backend, **backend_opts)
    if hybrid and not be.uses_hints:
        raise click.ClickException(f"--hybrid completes the rules with an LLM backend (llama, "
                                   f"openai); --backend {be.name} takes no rules candidates")
    hints_be = make_backend("rules") if (hints or hybrid) and be.uses_hints else None
    if top_k is None:   # hybrid: the rules read every passage, as they do alone (an LLM
        # backend is shown only each field's few best sentences of them, so no longer prompt)
        top_k = hints_be.default_top_k if hybrid and hints_be else be.default_top_k
    settings = Settings(top_k=top_k, fields=field_list, docs=docs, retry_failed=retry_failed,
                        concurrency=concurrency, prompt_hash=be.prompt_hash, shard=shard,
                        max_tokens=token_budget, max_cost=max_cost, price=_price(be, max_cost),
                        hybrid=hybrid)
    if breaker is not None:
        settings.breaker = breaker
    ids = selected_documents(db, settings)
    n_docs = len(ids) if ids is not None else store.count_documents(db)
    with Progress(TextColumn("[bold]extract[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=False) as bar:
        task = bar.add_task("", total=n_docs * n_groups)

        def progress(doc_id, grp, rec):
            bar.update(task, advance=1, description=f"{doc_id} / {grp}")

        try:
            if batch_in or batch_out:
                from extractor.batch import BatchError, run_batch
                try:
                    batch = run_batch(db, be, schema, settings, hints_be, results=batch_in,
                                      requests=batch_out, on_progress=progress)
                except (BatchError, OSError) as e:
                    raise click.ClickException(str(e))
                report = batch.run
            else:
                report = run_extraction(db, be, schema, settings, hints_be, progress)
        except KeyError as e:
            raise click.ClickException(str(e).strip("'\""))
    _print_extract_summary(report, be)
    if batch_in or batch_out:
        from extractor.cli_batch import print_batch_summary
        print_batch_summary(batch, batch_in, batch_out)
    return report


def _price(be, max_cost):
    """The backend's price (USD per 1M prompt / completion tokens) when --max-cost needs it."""
    if max_cost is None:
        return None
    from extractor.costs import PriceError, load_prices, price_of
    try:
        return price_of(be.name, be.model, load_prices())
    except PriceError as e:
        raise click.ClickException(str(e))


def _print_extract_summary(report: RunReport, backend) -> None:
    run = f"extraction run {report.run_id}" if report.run_id is not None else \
        "nothing new to extract (no run recorded)"
    t = Table(title=f"{run}: {backend.name} / {backend.model}")
    for col in ("extracted", "already done", "failed", "seconds"):
        t.add_column(col, justify="right")
    t.add_row(str(report.done), str(report.skipped), str(report.failed),
              f"{report.seconds:.1f}")
    err.print(t)
    if report.stopped:
        err.print(f"[red]stopped[/]: {escape(report.stopped)}")
    if report.interrupted:
        err.print("[yellow]interrupted[/]: everything above is stored; rerun the same command "
                  "to resume")
    for doc, grp, error in report.failures[:20]:
        # error text comes from servers and papers: print it literally, never as markup
        err.print(f"[red]failed[/] {escape(doc)} / {escape(grp)}: {escape(error)}")
    if len(report.failures) > 20:
        err.print(f"... and {len(report.failures) - 20} more failures "
                  "(rerun with --retry-failed)")


@cli.command()
@db_option
@extraction_options
@click.option("--docs", default=None, help="Comma-separated document ids (default: all).")
@click.option("--batch-out", "batch_out", default=None, metavar="FILE",
              help="Send nothing: write the pending requests to FILE (OpenAI Batch input, "
              "for the OpenAI Batch API or `vllm run-batch`); --backend openai.")
@click.option("--batch-in", "batch_in", default=None, metavar="FILE",
              help="Send nothing: import FILE (OpenAI Batch output) and store every unit it "
              "answers, as a live run would; rerun --batch-out for re-asks still pending.")
def extract(db_path, docs, **opts):
    """Extract the schema's fields from ingested papers, verify and store them.

    Resumable: a rerun skips each document x group already done with the same content,
    schema, prompt, backend and model. With --batch-out / --batch-in the requests travel as
    files (see README, Scaling out); give both the same flags.
    """
    db = store.open_db(db_path)
    doc_list = [d.strip() for d in docs.split(",")] if docs else None
    report = _extract(db, docs=doc_list, **opts)
    sys.exit(130 if report.interrupted else 1 if report.failed or report.stopped else 0)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@extraction_options
def run(paths, db_path, **opts):
    """Ingest PATHS (PDF, text, folders) and extract their fields: the whole job in one go."""
    from extractor.cli_ingest import ingest_with_progress
    # a backend that cannot run fails before any ingesting
    be = _make_backend(**{k: v for k, v in opts.items() if k == "backend" or k in BACKEND_FLAGS})
    paths = list(paths)
    if opts["shard"]:
        paths = shard_files(paths, opts["shard"])
        if not paths:
            err.print(f"shard {opts['shard']}: none of these papers falls in this shard; "
                      "nothing to do")
            sys.exit(0)
    try:    # opening (migrations) and each file are one transaction each: nothing half-written
        db = store.open_db(db_path)
        ingest_report = ingest_with_progress(db, paths)
    except KeyboardInterrupt:   # each file is stored in one transaction: nothing is half-written
        err.print("[yellow]interrupted[/] during ingestion: the files already ingested are "
                  "stored whole; rerun the same command to resume")
        sys.exit(130)
    docs = ingest_report.doc_ids() or None
    if not docs:
        raise click.ClickException("nothing was ingested: no paper to extract from")
    report = _extract(db, docs=docs, be=be, **opts)
    _print_next_steps(db, db_path, docs)
    sys.exit(130 if report.interrupted else 1 if report.failed or report.stopped
             or ingest_report.failed else 0)


def _print_next_steps(db, db_path: str | None, docs: list[str]) -> None:
    """Where the results are and what to do with them; unreadable papers are named on every
    run (a rerun finds them unchanged, so ingestion alone would not mention them again)."""
    from extractor.query import check_doc
    unreadable = [d for d in (check_doc(db, i) for i in docs) if d["status"] != "ok"]
    for d in unreadable[:10]:
        err.print(f"[yellow]unreadable[/] {escape(d['doc_id'])}: {escape(d['reason'] or '')} "
                  "(its fields stay unknown)")
    if len(unreadable) > 10:
        err.print(f"... and {len(unreadable) - 10} more unreadable documents")
    path = db_path or store.default_db_path()
    flag = f" --db {path}" if db_path else ""
    example = next((i for i in docs if i not in {d["doc_id"] for d in unreadable}), docs[0])
    steps = [(f"methex query frameworks{flag}", "values of a field across papers"),
             (f"methex show {example}{flag}", "all fields of one paper"),
             (f"methex serve{flag}", "browse, audit and review in the browser")]
    width = max(len(c) for c, _ in steps)
    lines = [f"{'next:' if i == 0 else '':6}{escape(c.ljust(width))}   {why}"
             for i, (c, why) in enumerate(steps)]
    err.print(f"database: {escape(str(Path(path).resolve()))}\n" + "\n".join(lines),
              soft_wrap=True)     # commands to copy must not be cut across lines


def _register() -> None:
    # Command modules stay thin and separate; this is the one place that assembles them.
    from extractor.cli_db import audit_cmd, eval_cmd, export_cmd, query_cmd, review_cmd, \
        show_cmd, sql_cmd
    from extractor.cli_annotations import annotations
    from extractor.cli_batch import batch_run_cmd
    from extractor.cli_consensus import consensus_cmd
    from extractor.cli_costs import costs_cmd
    from extractor.cli_ingest import ingest
    from extractor.cli_models import models
    from extractor.cli_maintenance import backup_cmd, check_cmd
    from extractor.cli_serve import serve_cmd
    from extractor.cli_values import values
    for cmd in (ingest, annotations, models, values, query_cmd, sql_cmd, show_cmd, audit_cmd,
                review_cmd, export_cmd, eval_cmd, serve_cmd, backup_cmd, check_cmd, consensus_cmd,
                costs_cmd, batch_run_cmd):
        cli.add_command(cmd)


_register()
