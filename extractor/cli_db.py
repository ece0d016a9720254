"""Commands that read the filled database: query, sql, show, export (audit and review live in
cli_audit, eval in cli_eval; COMMANDS gathers them all). Thin: parse options, call
extractor.query/export, render with rich."""
from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from extractor.query import NOT_EXTRACTED, QueryError
from extractor.cli_common import (STATUS_STYLE, _db_file, _err, _open, _out, _print_json, _schema,
                                  _split, db_option, json_option, schema_option)
from extractor.cli_audit import audit_cmd, review_cmd
from extractor.cli_eval import eval_cmd


@click.command("query")
@click.argument("field", required=False)
@click.option("--where", "wheres", multiple=True, metavar="FIELD=VALUE|FIELD~TEXT",
              help="Keep papers where FIELD has VALUE (=, case/space-insensitive) or a value "
              "containing TEXT (~); agreement>=K (or FIELD.agreement>=K): a consensus value "
              "agreed by at least K runs. Repeat for AND.")
@click.option("--show", "shows", multiple=True, metavar="FIELD[,FIELD]",
              help="Fields to list for matching papers (default: the --where fields).")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Show only the N most common values (facets), or the first N matching "
                   "papers (lists; the count says how many match).")
@json_option
@db_option
@schema_option
def query_cmd(field, wheres, shows, limit, as_json, db_path, schema_ref):
    """Facet counts of FIELD's values, or the papers matching --where conditions.

    \b
    methex query frameworks
    methex query --where frameworks=PyTorch --where hardware~GPU --show optimizer
    methex query optimizer --where frameworks=PyTorch   (facets among matching papers)
    methex query --show frameworks,hardware             (every paper)
    methex query --where hardware~GPU --limit 50        (the first 50 and how many match)
    """
    from extractor.query import field_facets, matching_ids, papers_page, parse_condition

    if not field and not wheres and not shows:
        raise click.UsageError("give a FIELD for facet counts, or --where conditions / "
                               "--show fields to list papers")
    db = _open(db_path)
    schema = _schema(schema_ref, db)
    try:
        conds = [parse_condition(w, schema) for w in wheres]
        if field:
            docs = matching_ids(db, conds, schema) if conds else None
            _render_facets(field_facets(db, field, schema, docs), conds, limit, as_json)
        else:
            page = papers_page(db, conds, _split(shows) or None, schema, limit=limit)
            _render_matches(page.papers, page.total, conds, as_json)
    except QueryError as e:
        raise click.ClickException(str(e)) from None


def _render_facets(res, conds, limit, as_json) -> None:
    facets = res.facets[:limit] if limit else res.facets
    if as_json:
        _print_json({"field": res.field, "where": [str(c) for c in conds],
                     "papers": res.papers, "reported": res.reported, "unknown": res.unknown,
                     "not_extracted": res.not_extracted,
                     "values": [{"value": f.value, "normalized": f.normalized,
                                 "papers": f.papers, "spellings": f.spellings}
                                for f in facets]})
        return
    scope = f" where {' and '.join(map(str, conds))}" if conds else ""
    t = Table(title=f"{res.field}{scope}", title_justify="left")
    t.add_column("value")
    t.add_column("papers", justify="right")
    t.add_column("other spellings", style="dim")
    for f in facets:
        others = ", ".join(s for s in f.spellings if s != f.value)
        t.add_row(escape(f.value), str(f.papers), escape(others))
    out = _out()
    out.print(t)
    out.print(f"{res.papers} papers: [green]{res.reported} report it[/], "
              f"[yellow]{res.unknown} unknown[/], [dim]{res.not_extracted} not extracted[/]"
              + (f"; {len(res.facets) - len(facets)} more values" if limit
                 and len(res.facets) > limit else ""))


def _render_matches(matches, total, conds, as_json) -> None:
    if as_json:
        _print_json([{"doc_id": m.doc_id, "title": m.title, "doi": m.doi, "fields": m.fields}
                     for m in matches])
        return
    t = Table(title=" and ".join(map(str, conds)) or "all papers", title_justify="left")
    t.add_column("doc_id", no_wrap=True)
    t.add_column("title or DOI", max_width=40)   # plain-text papers rarely carry a title
    keys = list(matches[0].fields) if matches else []
    for k in keys:
        t.add_column(k)
    for m in matches:
        t.add_row(escape(m.doc_id), escape(m.title or m.doi or ""),
                  *[escape("; ".join(m.fields[k])) or Text("-", style="dim") for k in keys])
    out = _out()
    out.print(t)
    shown = f"; the first {len(matches)} shown" if len(matches) < total else ""
    out.print(f"{total} paper{'s' if total != 1 else ''} match{shown}")


# --- sql ------------------------------------------------------------------------------------

@click.command("sql")
@click.argument("statement")
@click.option("-p", "--param", "params", multiple=True,
              help="Value for a ? placeholder in STATEMENT (repeat in order).")
@json_option
@db_option
def sql_cmd(statement, params, as_json, db_path):
    """Run one read-only SQL statement (writes are refused by SQLite).

    Tables: documents, runs, schemas, group_results, extractions, field_values, evidence,
    retrievals, llm_calls, reviews, value_aliases, consensus_values, consensus_fields,
    current_map (current extraction per paper x field), current_values (effective values,
    reviews applied); views: chunks, current_extractions, paper_fields, papers.

    \b
    methex sql "SELECT field, count(*) FROM paper_fields WHERE status='reported' GROUP BY 1"
    methex sql "SELECT doc_id FROM current_values WHERE normalized = ?" -p pytorch
    """
    from extractor.query import SqlError, run_sql

    try:
        res = run_sql(_db_file(db_path), statement, list(params))
    except SqlError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _print_json([dict(zip(res.columns, r)) for r in res.rows])
        return
    if not res.columns:
        _out().print("(no result set)")
        return
    t = Table()
    for c in res.columns:
        t.add_column(escape(c))
    for r in res.rows:
        t.add_row(*[Text("NULL", style="dim") if v is None else escape(str(v)) for v in r])
    out = _out()
    out.print(t)
    out.print(f"{len(res.rows)} row{'s' if len(res.rows) != 1 else ''}")


# --- show -----------------------------------------------------------------------------------

def _state_json(st) -> dict:
    return {"status": st.status, "values": [v.value for v in st.values],
            "reviewed": [v.value for v in st.values if v.review in ("accept", "set")],
            "evidence": sum(len(v.evidence) for v in st.values),
            "backend": st.backend, "model": st.model, "run_id": st.run_id,
            "reason": st.reason}


@click.command("show")
@click.argument("doc_id")
@json_option
@db_option
@schema_option
def show_cmd(doc_id, as_json, db_path, schema_ref):
    """All fields of one paper: status, values, evidence count, backend and model.

    Values confirmed or added by a reviewer are marked with a check mark.
    """
    from extractor.query import paper_state

    db = _open(db_path)
    schema = _schema(schema_ref, db)
    try:
        doc, states = paper_state(db, doc_id, schema)
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        _print_json({**doc, "fields": {k: _state_json(s) for k, s in states.items()}})
        return
    out = _out()
    out.print(f"[bold]{escape(doc['doc_id'])}[/]  {escape(doc['title'] or '')}")
    meta = [f"doi {doc['doi']}" if doc["doi"] else None,
            f"{doc['pages']} pages" if doc["pages"] else None, f"{doc['chars']} chars",
            f"status {doc['status']}" + (f" ({doc['reason']})" if doc["reason"] else "")]
    out.print(escape(" · ".join(m for m in meta if m)), style="dim")
    t = Table()
    for c in ("group", "field", "status", "values", "evidence", "backend / model"):
        t.add_column(c, justify="right" if c == "evidence" else "left")
    for key in schema.keys:
        st = states[key]
        vals = Text()
        for i, v in enumerate(st.values):
            if i:
                vals.append("; ")
            vals.append(v.value)
            if v.review in ("accept", "set"):
                vals.append(" ✓", style="bold green")
        if st.status != "reported" and st.reason:
            vals.append(st.reason, style="dim")
        n_ev = sum(len(v.evidence) for v in st.values)
        who = f"{st.backend} / {st.model}" if st.backend else ""
        if st.reviewed:
            who = (who + " + review").strip(" +")
        t.add_row(st.group, key, Text(st.status, style=STATUS_STYLE[st.status]), vals,
                  str(n_ev) if st.values else "", escape(who))
    out.print(t)
    n = {s: sum(1 for st in states.values() if st.status == s) for s in STATUS_STYLE}
    out.print(f"[green]{n['reported']} reported[/], [yellow]{n['unknown']} unknown[/], "
              f"[dim]{n[NOT_EXTRACTED]} not extracted[/]")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="jsonl: one object per paper with values and evidence "
              "offsets; csv: one row per paper, one column per field.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Output file (default: standard output).")
@click.option("--evidence", is_flag=True,
              help="csv: add a <field>__evidence column of quotes after each field.")
@click.option("--grounding", "grounding", default=None, metavar="KIND,...",
              help="Keep only values grounded in their quote by these kinds: verbatim, alias, "
                   "words, number, paraphrase (e.g. 'verbatim,alias,words' drops paraphrases).")
@db_option
@schema_option
def export_cmd(fmt, output, evidence, grounding, db_path, schema_ref):
    """Export every paper's fields (reviews applied; unextracted fields are unknown)."""
    from extractor.export import export_records, jsonl_lines, write_csv, write_lines
    from extractor.grounding import KINDS

    kinds = set(_split([grounding])) if grounding else None
    if kinds and kinds - set(KINDS):
        raise click.BadParameter(f"unknown kind(s) {', '.join(sorted(kinds - set(KINDS)))}; "
                                 f"kinds are {', '.join(KINDS)}", param_hint="--grounding")
    db = _open(db_path)
    schema = _schema(schema_ref, db)
    try:
        fp = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror}") from None
    try:
        if fmt == "jsonl":
            n = write_lines(jsonl_lines(db, schema, kinds), fp)
        else:
            n = write_csv(export_records(db, schema, grounding=kinds), fp, schema.keys,
                          evidence)
    finally:
        if output:
            fp.close()
    if output:
        _err().print(f"wrote {n} papers to {escape(output)}")


COMMANDS = [query_cmd, sql_cmd, show_cmd, audit_cmd, review_cmd, export_cmd, eval_cmd]


@click.group()
def db_cli():
    """The database commands on their own (the main `methex` group adds them too)."""


for _c in COMMANDS:
    db_cli.add_command(_c)


if __name__ == "__main__":
    db_cli()
