"""eval: a run scored against gold annotations (values, or retrieval of their evidence)."""
from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table


from extractor.cli_common import (_err, _open, _out, _print_json, _schema, db_option, json_option,
                                  schema_option)


# --- eval -----------------------------------------------------------------------------------

def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


@click.command("eval")
@click.option("--gold", "gold_dir", required=True,
              type=click.Path(exists=True, file_okay=False),
              help="Folder of gold *.json files (format in FIELDS.md).")
@click.option("--retrieval", is_flag=True,
              help="Score retrieval instead: share of gold reported fields whose gold evidence "
              "lies inside the passages backends read (runs retrieval live; no extraction "
              "needed).")
@click.option("--top-k", type=int, default=None,
              help="With --retrieval: passages per group (default: the extract default).")
@json_option
@db_option
@schema_option
def eval_cmd(gold_dir, retrieval, top_k, as_json, db_path, schema_ref):
    """Score the database (reviews applied) against gold annotations: per field and overall
    status accuracy, value precision/recall/F1, hallucination rate, verbatim evidence.
    With --retrieval: recall of gold evidence in the retrieved passages."""
    from extractor.evaluate import evaluate_db

    db = _open(db_path)
    schema = _schema(schema_ref, db)
    if retrieval:
        _eval_retrieval(db, gold_dir, schema, top_k, as_json)
        return
    res = _scored(lambda: evaluate_db(db, gold_dir, schema), "ingest and extract them first")
    if as_json:
        _print_json(res)
        return
    t = Table(title=f"{res['docs']} documents", title_justify="left")
    cols = [("field", "left"), ("n", "right"), ("status acc %", "right"), ("P %", "right"),
            ("R %", "right"), ("F1 %", "right"), ("halluc %", "right"),
            ("verbatim %", "right"), ("tp/pred/gold", "right")]
    for c, j in cols:
        t.add_column(c, justify=j)

    def row(name, m, style=None):
        t.add_row(name, str(m["n"]), _pct(m["status_accuracy"]), _pct(m["precision"]),
                  _pct(m["recall"]), _pct(m["f1"]), _pct(m["hallucination_rate"]),
                  _pct(m.get("evidence_verbatim")),
                  f"{m['tp']}/{m['predicted']}/{m['gold']}", style=style)

    order = [k for k in schema.keys if k in res["fields"]] + sorted(
        k for k in res["fields"] if k not in schema.keys)
    for k in order:
        row(k, res["fields"][k])
    t.add_section()
    row("overall", res["overall"], style="bold")
    out = _out()
    out.print(t)
    if res["missing"]:
        _err().print(f"[yellow]{len(res['missing'])} gold documents are not in the database "
                     f"and were not scored:[/] {escape(', '.join(res['missing'][:10]))}"
                     + (" …" if len(res["missing"]) > 10 else ""))


def _scored(score, what_to_do: str) -> dict:
    """Run a scoring function over a gold folder; a bad folder or no gold paper in the database
    is a clear error."""
    from extractor.evaluate import GoldError
    try:
        res = score()
    except GoldError as e:
        raise click.ClickException(str(e)) from None
    if res["docs"] == 0:
        raise click.ClickException(f"none of the {len(res['missing'])} gold documents is in "
                                   f"the database; {what_to_do}")
    return res


def _eval_retrieval(db, gold_dir, schema, top_k, as_json) -> None:
    from extractor.evaluate_retrieval import evaluate_retrieval
    from extractor.retrieve import DEFAULT_TOP_K

    res = _scored(lambda: evaluate_retrieval(
        db, gold_dir, schema, top_k if top_k is not None else DEFAULT_TOP_K), "ingest them first")
    if as_json:
        _print_json(res)
        return
    t = Table(title=f"{res['docs']} documents, top-k {res['top_k']}, "
              f"{res['chars_per_group']:.0f} characters per group", title_justify="left")
    for c, j in [("field", "left"), ("fields", "right"), ("recall %", "right"),
                 ("quotes", "right"), ("quote recall %", "right"), ("missed in", "left")]:
        t.add_column(c, justify=j)

    def row(name, m, style=None):
        t.add_row(name, f"{m['fields_recalled']}/{m['fields']}", _pct(m["retrieval_recall"]),
                  f"{m['quotes_recalled']}/{m['quotes']}", _pct(m["quote_recall"]),
                  escape(", ".join(m.get("missed_docs", []))), style=style)

    for k in schema.keys:
        if k in res["fields"]:
            row(k, res["fields"][k])
    t.add_section()
    row("overall", res["overall"], style="bold")
    _out().print(t)
    if res["overall"]["unlocated_quotes"]:
        _err().print(f"[yellow]{res['overall']['unlocated_quotes']} gold quote(s) not found in "
                     "their document's text (counted as misses)[/]")
    if res["missing"]:
        _err().print(f"[yellow]{len(res['missing'])} gold documents are not in the database "
                     "and were not scored[/]")


