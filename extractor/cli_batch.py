"""Batch files on the command line: the summary of `extract --batch-out/--batch-in` and
`methex batch-run`. Thin: extractor.batch, extractor.batch_runner."""
from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def print_batch_summary(batch, batch_in: str | None, batch_out: str | None) -> None:
    if batch_in:
        err.print(f"imported {escape(batch_in)}: {batch.lines} lines, {batch.imported} new "
                  f"answers, {batch.already} for units already stored, "
                  f"{len(batch.problems)} unusable")
    for line, cid, reason in batch.problems[:20]:
        err.print(f"[red]line {line}[/] {escape(cid or '-')}: {escape(reason)}")
    if len(batch.problems) > 20:
        err.print(f"... and {len(batch.problems) - 20} more (table batch_problems)")
    if batch_out:
        err.print(f"wrote {batch.written} requests for {batch.run.held} units to "
                  f"{escape(batch_out)}")
    elif batch.run.held:
        err.print(f"{batch.run.held} units still wait for answers (re-asks or requests not in "
                  "the file): write them with --batch-out")


@click.command("batch-run")
@click.argument("requests", type=click.Path(exists=True, dir_okay=False))
@click.option("--base-url", required=True, help="OpenAI-compatible endpoint, e.g. "
              "http://127.0.0.1:8000/v1 (key from $OPENAI_API_KEY if it needs one).")
@click.option("--out", "results", required=True, type=click.Path(dir_okay=False),
              help="Results file to write (OpenAI Batch output format).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Requests in flight.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds allowed per request.")
def batch_run_cmd(requests, base_url, results, concurrency, timeout):
    """Answer a requests file (from `methex extract --batch-out`) through an OpenAI-compatible
    server and write the results for `methex extract --batch-in`: `vllm run-batch` or the
    OpenAI Batch API for a plain server (llama.cpp, Ollama, ...)."""
    from extractor.batch_runner import run_requests
    try:
        r = run_requests(requests, base_url, results, concurrency=concurrency, timeout=timeout)
    except OSError as e:
        raise click.ClickException(str(e))
    err.print(f"{r.requests} requests in {r.seconds:.1f} s: {r.ok} answered, {r.failed} "
              f"failed" + (f", {r.bad_lines} lines that are no request" if r.bad_lines else "")
              + f"; wrote {escape(results)}")
