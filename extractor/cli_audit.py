"""audit and review: the evidence behind a value, and a person's decision on it."""
from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from extractor.query import NOT_EXTRACTED, QueryError
from extractor.cli_common import STATUS_STYLE, _err, _open, _out, _schema, db_option, schema_option


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
                # relocated: verification chose this sentence, the quote given did not verify
                how_found = ("[yellow]relocated by verification[/] (the quote given did not "
                             "verify the value)" if e.match == "relocated" else f"{e.match} match")
                out.print(f"  [dim]{page} · chars {e.start}–{e.end} · {how_found} · "
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

