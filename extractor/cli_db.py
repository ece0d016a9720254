"""Commands that read and review the filled database: query, sql, show, audit, review, export,
eval. Thin: parse options, call extractor.query/audit/review/export, render with rich."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from extractor import store
from extractor.query import NOT_EXTRACTED, QueryError

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


# --- audit ----------------------------------------------------------------------------------

CONTEXT_SHOWN = 200     # characters of context shown on each side of a quote
PASSAGE_SHOWN = 300     # characters shown of each retrieved passage


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _highlight(context: str, start: int, end: int, side: int | None) -> Text:
    """The quote in bold on yellow inside its context, cut to `side` characters each way."""
    before, quote, after = context[:start], context[start:end], context[end:]
    if side is not None:
        before = ("… " + before[-side:].split(" ", 1)[-1]) if len(before) > side else before
        after = (after[:side].rsplit(" ", 1)[0] + " …") if len(after) > side else after
    t = Text(" ".join(before.split()) + (" " if before[-1:].isspace() else ""))
    t.append(quote, style="bold black on yellow")
    t.append((" " if after[:1].isspace() else "") + " ".join(after.split()))
    return t


@click.command("audit")
@click.argument("doc_id")
@click.argument("field", required=False)
@click.option("--unverified", is_flag=True,
              help="List values the backend proposed that verification rejected, and why.")
@click.option("--rejected", is_flag=True,
              help="List values removed by a reviewer's reject, with who, when and note.")
@click.option("--calls", is_flag=True,
              help="List the LLM requests for the paper (or FIELD): prompt, raw output, "
              "tokens, latency and error.")
@click.option("--full", is_flag=True,
              help="Print whole chunks and passages instead of a window around each quote.")
@db_option
@schema_option
def audit_cmd(doc_id, field, unverified, rejected, calls, full, db_path, schema_ref):
    """Evidence for each value of a paper (or one FIELD), highlighted in its passage, with
    page, offsets, match kind, backend, model, run and date; for unknown fields, the passages
    that were retrieved and read."""
    from extractor.audit import audit_paper, llm_calls, review_rejections
    from extractor.audit import unverified as list_unverified

    db = _open(db_path)
    schema = _schema(schema_ref, db)
    out = _out()
    try:
        if calls:
            _print_calls(out, llm_calls(db, doc_id, field, schema))
            return
        if unverified or rejected:
            if unverified:
                rows = list_unverified(db, doc_id, field, schema)
                out.print(f"[bold]Rejected by verification[/] ({len(rows)})")
                for r in rows:
                    out.print(f"  {escape(r['field'])}: [red]{escape(r['value'])}[/] — "
                              f"{escape(r['reason'] or '')} "
                              f"[dim](run {r['run_id']}, {escape(r['backend'])}/"
                              f"{escape(r['model'])})[/]")
                    if r["quote"]:
                        out.print(Text(f'    quote given: "{r["quote"]}"', style="dim"))
            if rejected:
                rows = review_rejections(db, doc_id, field, schema)
                out.print(f"[bold]Rejected by review[/] ({len(rows)})")
                for r in rows:
                    out.print(f"  {escape(r['field'])}: [red]{escape(r['value'])}[/] — by "
                              f"{escape(r['reviewer'])} on {r['created_at']}"
                              + (f": {escape(r['note'])}" if r["note"] else ""))
            return
        audits = audit_paper(db, doc_id, field, schema)
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    skipped = []
    for a in audits:
        st = a.state
        if st.status == NOT_EXTRACTED and not a.reviews:
            skipped.append(st.key)
            continue
        out.rule(Text(f"{st.key} · {st.status}", style=STATUS_STYLE[st.status]), align="left")
        prov = (f"{st.backend}/{st.model}, run {st.run_id}, {st.extracted_at}"
                if st.backend else "no extraction")
        if a.consensus:
            c = a.consensus
            out.print(f"[cyan]consensus: {c['status']}[/] · {c['runs_reporting']} of "
                      f"{c['runs_total']} runs report a value, at most {c['max_agree']} agree "
                      f"(--min-agree {c['min_agree']})")
        for v in st.values:
            tag = {"accept": " [green](accepted by review)[/]",
                   "set": " [green](set by review)[/]"}.get(v.review or "", "")
            how = f" [dim]({v.grounding} grounding)[/]" if v.grounding else ""
            out.print(f"[bold]{escape(v.value)}[/]{tag}{how}")
            agreed = v.agreement
            if agreed:
                out.print(f"  [cyan]agreed by {agreed['agree']} of {agreed['runs_total']} runs[/]"
                          f" (runs {', '.join(map(str, agreed['runs']))})")
            for e in a.evidence.get((v.normalized, v.value), []):
                out.print(Text("  ") + _highlight(e.context, e.hl_start, e.hl_end,
                                                  None if full else CONTEXT_SHOWN))
                page = f"page {e.page}" if e.page else "no page"
                src = (f"review by {e.reviewer}, {e.reviewed_at}" if e.source == "review"
                       else prov)
                out.print(f"  [dim]{page} · chars {e.start}–{e.end} · {e.match} match · "
                          f"{escape(src)}[/]")
        if not st.values:
            out.print(f"[yellow]unknown[/]: {escape(st.reason or 'no value stated')} "
                      f"[dim]({escape(prov)})[/]")
            if a.retrieved:
                out.print(f"  passages read ({len(a.retrieved)}):")
                for p in a.retrieved:
                    page = f"p.{p.page} " if p.page else ""
                    body = p.text if full else _shorten(p.text, PASSAGE_SHOWN)
                    out.print(Text(f"  #{p.rank} [{page}score {p.score:.2f}, chunk "
                                   f"{p.chunk_id}] ", style="dim") + Text(body))
        for r in a.reviews:
            state = "" if r["in_force"] else " (superseded)"
            out.print(f"  [cyan]review #{r['id']}[/]: {r['action']} "
                      f"{escape(repr(r['value']))} by {escape(r['reviewer'])} on "
                      f"{r['created_at']}{state}"
                      + (f" — {escape(r['note'])}" if r["note"] else ""))
    if skipped:
        out.print(f"[dim]not extracted: {', '.join(skipped)}[/]")


def _print_calls(out: Console, calls) -> None:
    out.print(f"[bold]LLM requests[/] ({len(calls)})")
    for c in calls:
        tokens = (f"{c.prompt_tokens}+{c.completion_tokens} tokens"
                  if c.prompt_tokens is not None else "no tokens")
        secs = f"{c.latency_ms / 1000:.1f} s" if c.latency_ms is not None else "-"
        out.rule(Text(f"#{c.id} {c.group}/{c.field or '(whole group)'} · attempt {c.attempt}"
                      f" · {tokens} · {secs} · {c.backend}/{c.model}, run {c.run_id}"),
                 align="left")
        if not c.messages:
            out.print("[dim]prompt not stored (a call logged before prompts were kept)[/]")
        for m in c.messages:
            out.print(Text(f"[{m.get('role')}]", style="cyan"))
            out.print(Text(str(m.get("content") or "")))
        out.print(Text("[output]", style="cyan"))
        out.print(Text(c.output if c.output is not None else "(none)"))
        if c.error:
            out.print(Text(f"error: {c.error}", style="red"))


# --- review ---------------------------------------------------------------------------------

@click.command("review")
@click.argument("doc_id")
@click.argument("field")
@click.option("--accept", "accept", metavar="VALUE", help="Confirm a current value.")
@click.option("--reject", "reject", metavar="VALUE", help="Remove a current value.")
@click.option("--set", "set_", metavar="VALUE", help="Add a value (needs --quote).")
@click.option("--correct", "correct", metavar="OLD",
              help="With --set NEW --quote: replace the current value OLD by NEW; when NEW "
                   "only respells OLD, OLD becomes an alias of NEW in every paper.")
@click.option("--quote", default=None,
              help="With --set: the passage of the paper that states the value.")
@click.option("--by", "reviewer", default=None, help="Reviewer name (default: $USER).")
@click.option("--note", default=None, help="Why; kept with the decision.")
@db_option
@schema_option
def review_cmd(doc_id, field, accept, reject, set_, correct, quote, reviewer, note, db_path,
               schema_ref):
    """Record a human decision on one value of FIELD for DOC_ID.

    The latest decision on a value wins; query, show and export apply it.

    \b
    methex review paper_a frameworks --reject TensorFlow --note "cited, not used"
    methex review paper_a optimizer --set Adam --quote "optimised with Adam"
    """
    from extractor.review import ReviewError, add_review, correct_value

    if correct is not None:
        if set_ is None or accept is not None or reject is not None:
            raise click.UsageError("--correct OLD goes with --set NEW --quote TEXT only")
        db = _open(db_path)
        try:
            c = correct_value(db, doc_id, field, correct, set_, quote=quote,
                              reviewer=reviewer, note=note,
                              schema=_schema(schema_ref, db))
        except ReviewError as e:
            raise click.ClickException(str(e)) from None
        _out().print(f"review #{c.set.id}: {escape(repr(correct))} corrected to "
                     f"{escape(repr(c.set.value))} for {escape(doc_id)}/{field}"
                     + (f"; {escape(repr(correct))} is now an alias of it in every paper"
                        if c.alias else ""))
        return
    chosen = [(a, v) for a, v in (("accept", accept), ("reject", reject), ("set", set_))
              if v is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --accept VALUE, --reject VALUE, "
                               "--set VALUE --quote TEXT")
    action, value = chosen[0]
    if quote is not None and action != "set":
        raise click.UsageError("--quote goes with --set only")
    db = _open(db_path)
    try:
        r = add_review(db, doc_id, field, action, value, quote=quote, reviewer=reviewer,
                       note=note, schema=_schema(schema_ref, db))
    except ReviewError as e:
        raise click.ClickException(str(e)) from None
    out = _out()
    out.print(f"review #{r.id}: {r.action} {escape(repr(r.value))} for "
              f"{escape(r.doc_id)}/{r.field} by {escape(r.reviewer)}")
    if r.action == "set":
        page = f", page {r.page}" if r.page else ""
        out.print(f"quote found ({r.match}) at chars {r.start}–{r.end}{page}")
        if not r.grounded:
            _err().print(f"[yellow]warning:[/] the words of {escape(repr(r.value))} do not "
                         "all occur in the quote; check the value")


# --- export ---------------------------------------------------------------------------------

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


COMMANDS = [query_cmd, sql_cmd, show_cmd, audit_cmd, review_cmd, export_cmd, eval_cmd]


@click.group()
def db_cli():
    """The database commands on their own (the main `methex` group adds them too)."""


for _c in COMMANDS:
    db_cli.add_command(_c)


if __name__ == "__main__":
    db_cli()
