"""`methex costs`: calls, tokens, retries and estimated cost per run. Thin: extractor.costs."""
from __future__ import annotations

import click
from rich.table import Table

from extractor.cli_common import _open, _out, _print_json, db_option, json_option


def _usd(x: float | None) -> str:
    return "no price" if x is None else f"${x:,.4f}"


@click.command("costs")
@click.option("--run", "run_id", type=int, default=None, help="Only this run (default: every "
              "run with LLM calls).")
@click.option("--prices", "prices_file", default=None, metavar="FILE",
              help="JSON {MODEL: {\"prompt\": USD, \"completion\": USD}} per 1M tokens, over "
              "the default table (or $METHEX_PRICES).")
@json_option
@db_option
def costs_cmd(run_id, prices_file, as_json, db_path):
    """LLM calls, retries, tokens and estimated cost per run, per paper and per group
    (every request counted, failed tries included)."""
    from extractor.costs import PriceError, ledger, load_prices

    try:
        rows = ledger(_open(db_path), run_id, load_prices(prices_file))
    except (PriceError, KeyError) as e:
        raise click.ClickException(str(e).strip("'\"")) from None
    if as_json:
        _print_json([{"run": r.run_id, "backend": r.backend, "model": r.model,
                      "price_per_1m": r.price, "papers": r.papers,
                      "tokens_per_paper": r.tokens_per_paper, **vars(r.total),
                      "groups": {g: vars(t) for g, t in r.groups.items()}} for r in rows])
        return
    out = _out()
    if not rows:
        out.print("no LLM calls recorded")
        return
    for r in rows:
        t = Table(title=f"run {r.run_id}: {r.backend} / {r.model} · {r.papers} papers · "
                        f"{r.tokens_per_paper or 0:,.0f} tokens per paper", title_justify="left")
        for c in ("group", "calls", "retries", "failed", "prompt tok", "completion tok",
                  "cost"):
            t.add_column(c, justify="left" if c == "group" else "right")
        for name, g in [*r.groups.items(), ("total", r.total)]:
            if name == "total":
                t.add_section()
            t.add_row(name, str(g.calls), str(g.retries), str(g.failed),
                      f"{g.prompt_tokens:,}", f"{g.completion_tokens:,}", _usd(g.cost),
                      style="bold" if name == "total" else None)
        out.print(t)
