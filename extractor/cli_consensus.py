"""`methex consensus RUN...`: several runs combined into a consensus run. Thin: parse, call
extractor.consensus, render."""
from __future__ import annotations

import click

from extractor.cli_common import _open, _out, db_option


@click.command("consensus")
@click.argument("runs", nargs=-1, type=int, required=True)
@click.option("--min-agree", "min_agree", type=click.IntRange(min=1), default=2,
              show_default=True, help="Runs that must report a matching value for the "
              "consensus to report it.")
@click.option("--docs", default=None, help="Comma-separated document ids (default: all).")
@db_option
def consensus_cmd(runs, min_agree, docs, db_path):
    """Combine extraction RUNS (ids as in `methex audit`; two or more, same schema) into a new
    run of backend `consensus`: values matched across runs by canonical value and overlapping
    evidence; a value is reported when at least --min-agree runs agree, with every run's
    evidence; fields where the runs report only different values are marked conflicting.
    Query, show, audit, export and eval then read the consensus like any run (it is the
    latest). Agreement per value: table consensus_values (`methex sql`)."""
    from extractor.consensus import ConsensusError, build_consensus

    db = _open(db_path)
    try:
        rep = build_consensus(db, list(runs), min_agree,
                              [d.strip() for d in docs.split(",")] if docs else None)
    except ConsensusError as e:
        raise click.ClickException(str(e)) from None
    out = _out()
    if rep.run_id is None:
        out.print(f"nothing new: {rep.skipped} units already combined by an earlier consensus")
        return
    out.print(f"consensus run {rep.run_id} of runs {', '.join(map(str, runs))} "
              f"(--min-agree {min_agree}): {rep.units} units, {rep.skipped} already done; "
              f"fields reported {rep.reported}, unknown {rep.unknown}, "
              f"conflicting {rep.conflicting}; {rep.values} values")
