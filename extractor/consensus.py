"""Consensus of several extraction runs over the same papers, stored as a run of its own.

Input: runs (different backends or models) that extracted the same papers under one schema.
For each paper x group that at least one input run finished, and each field of it:

- values of different runs **match** when they have the same canonical key
  (`field_values.normalized`), or when their evidence overlaps in the paper and the words of
  one value are all in the other ("Adam" ~ "Adam optimizer"); for descriptive fields
  (augmentation, data split, ...) overlapping evidence alone is enough, as two backends rarely
  phrase a description alike. A cluster holds at most one spelling (key) per run, so values
  one run keeps apart are never merged;
- a cluster's **agreement** is the number of distinct input runs in it; its score is that over
  the number of input runs with a result for the paper x field;
- a cluster agreed by at least K runs (`min_agree`) becomes an accepted value of the consensus
  run, with the most common spelling and all members' evidence; a cluster below K is stored as
  a rejected value with the reason, so `audit --unverified` shows what did not agree;
- a field is `reported` when a value reaches K, else `unknown`; it is `conflicting` when at
  least two runs report values for it and no value is shared by any two of them.

Nothing is re-verified: every input value passed verification, and its evidence offsets are
copied. Agreement goes to consensus_values / consensus_fields (db/014) in the same transaction
as the unit (store.write_group_result), so triggers keep the current values as for any run.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import sqlite_utils

from extractor import store
from extractor.backends.base import Candidate
from extractor.extract import GroupRecord
from extractor.grounding import content_tokens
from extractor.schemas.catalog import schema_from_json
from extractor.verify import QuoteMatch, Verdict

BACKEND = "consensus"


class ConsensusError(ValueError):
    pass


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    page: int | None
    chunk_id: int | None
    match: str


@dataclass(frozen=True)
class RunValue:
    """One accepted value of one input run."""
    run_id: int
    value_id: int
    value: str
    key: str                    # field_values.normalized
    canonical: str | None
    grounding: str | None
    quote: str | None
    evidence: tuple[Evidence, ...]


@dataclass
class Cluster:
    members: list[RunValue]
    runs: list[int]             # distinct agreeing runs, in input order

    @property
    def agree(self) -> int:
        return len(self.runs)


@dataclass
class FieldConsensus:
    clusters: list[Cluster]     # most agreed first
    runs_total: int             # input runs with a result for this paper x field
    runs_reporting: int         # of them, those that report a value
    conflicting: bool


def _overlap(a: RunValue, b: RunValue) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a.evidence for y in b.evidence)


def values_match(a: RunValue, b: RunValue, descriptive: bool = False) -> bool:
    if a.key == b.key:
        return True
    if not _overlap(a, b):
        return False
    if descriptive:
        return True
    wa, wb = set(content_tokens(a.value)), set(content_tokens(b.value))
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def agree_field(by_run: dict[int, list[RunValue]], run_order: list[int],
                descriptive: bool = False) -> FieldConsensus:
    """Cluster the values the runs in by_run report for one paper x field (a run with an empty
    list looked and found nothing). run_order breaks ties (earlier runs' spelling wins)."""
    groups: list[list[RunValue]] = []
    for v in (v for r in run_order for v in by_run.get(r, [])):
        # the same key joins (also a run's own repeat); otherwise a matching value of runs
        # not yet in the cluster: two values of one run never merge into one, so a run that
        # reports "flips" and "rotation" from one sentence keeps both
        home = next((g for g in groups if any(m.key == v.key for m in g)), None) or next(
            (g for g in groups if all(m.run_id != v.run_id for m in g)
             and any(values_match(m, v, descriptive) for m in g)), None)
        if home is None:
            groups.append([v])
        else:
            home.append(v)
    clusters = [Cluster(m, [r for r in run_order if any(v.run_id == r for v in m)])
                for m in groups]
    # stable: equal agreement keeps the order of first appearance (input run order)
    clusters.sort(key=lambda c: -c.agree)
    reporting = sum(1 for r in run_order if by_run.get(r))
    conflicting = reporting >= 2 and all(c.agree < 2 for c in clusters)
    return FieldConsensus(clusters, sum(1 for r in run_order if r in by_run), reporting,
                          conflicting)


def representative(c: Cluster, run_order: list[int]) -> RunValue:
    """The spelling most runs used; on a tie, the earliest input run's."""
    runs_per_key: dict[str, set[int]] = defaultdict(set)
    for v in c.members:
        runs_per_key[v.key].add(v.run_id)
    rank = {r: i for i, r in enumerate(run_order)}
    return min(c.members, key=lambda v: (-len(runs_per_key[v.key]), rank[v.run_id],
                                         v.value_id))


def merged_evidence(c: Cluster, rep: RunValue) -> list[Evidence]:
    seen, out = set(), []
    for v in [rep, *(m for m in c.members if m is not rep)]:
        for e in v.evidence:
            if (e.start, e.end) not in seen:
                seen.add((e.start, e.end))
                out.append(e)
    return out


# --- reading the input runs ---------------------------------------------------------------

@dataclass
class Unit:
    doc_id: str
    doc_sha256: str
    group: str
    gids: dict[int, int] = field(default_factory=dict)                 # run -> group_result
    fields: dict[str, dict[int, list[RunValue]]] = field(default_factory=dict)


def _check_runs(db: sqlite_utils.Database, run_ids: list[int]) -> tuple[str, str]:
    if len(set(run_ids)) < 2:
        raise ConsensusError("consensus needs at least two different runs")
    rows = {r[0]: r[1:] for r in db.execute(
        f"SELECT id, backend, schema_name, schema_version FROM runs WHERE id IN "
        f"({','.join('?' * len(run_ids))})", run_ids)}
    missing = [r for r in run_ids if r not in rows]
    if missing:
        raise ConsensusError(f"no such run: {', '.join(map(str, missing))}")
    versions = {rows[r][2] for r in run_ids}
    layouts = {_layout(db, v) for v in versions} if len(versions) > 1 else set()
    if len(layouts) > 1 or None in layouts:
        raise ConsensusError("the runs used schemas with different fields ("
                             + ", ".join(f"run {r}: {rows[r][1]} {rows[r][2][:12]}"
                                         for r in run_ids)
                             + "); consensus needs the same fields in the same groups")
    # Versions that differ only in vocabularies, patterns or wording (a schema tuned between an
    # LLM run and a rules run) still ask for the same fields: the newest run's version is used.
    newest = max(run_ids)
    return rows[newest][1], rows[newest][2]


def _layout(db: sqlite_utils.Database, version: str) -> tuple | None:
    """(group, field keys) of a stored schema version; None if it is not stored."""
    row = db.execute("SELECT spec_json FROM schemas WHERE version = ?", [version]).fetchone()
    if row is None:
        return None
    fields = schema_from_json(row[0]).fields
    return tuple(sorted((f.group, f.key) for f in fields))


def load_units(db: sqlite_utils.Database, run_ids: list[int],
               doc_ids: list[str] | None = None) -> dict[tuple[str, str], Unit]:
    """The done units of the input runs (on the current text of each paper), their fields and
    accepted values with evidence."""
    units: dict[tuple[str, str], Unit] = {}
    by_gid: dict[int, tuple[Unit, int]] = {}
    for r in run_ids:
        for gid, doc, sha, grp in db.execute(
                "SELECT g.id, g.doc_id, g.doc_sha256, g.grp FROM group_results g JOIN documents d"
                " ON d.id = g.doc_id AND d.sha256 = g.doc_sha256 WHERE g.run_id = ? AND"
                " g.status = 'done' ORDER BY g.id", [r]):
            if doc_ids and doc not in doc_ids:
                continue
            u = units.setdefault((doc, grp), Unit(doc, sha, grp))
            u.gids[r] = gid
            by_gid[gid] = (u, r)
    ev: dict[int, list[Evidence]] = defaultdict(list)
    for r in run_ids:
        for vid, s, e, page, chunk, match in db.execute(
                'SELECT ev.value_id, ev.start, ev."end", ev.page, ev.chunk_id, ev.match'
                " FROM evidence ev JOIN field_values fv ON fv.id = ev.value_id"
                " JOIN extractions x ON x.id = fv.extraction_id WHERE x.run_id = ?"
                " ORDER BY ev.id", [r]):
            ev[vid].append(Evidence(s, e, page, chunk, match))
    for r in run_ids:
        for gid, key, vid, value, norm, canon, grounding, quote in db.execute(
                "SELECT x.group_result_id, x.field, fv.id, fv.value, fv.normalized,"
                " fv.canonical, fv.grounding, fv.quote FROM extractions x LEFT JOIN"
                " field_values fv ON fv.extraction_id = x.id AND fv.accepted = 1"
                " WHERE x.run_id = ? ORDER BY x.id, fv.id", [r]):
            if gid not in by_gid:
                continue
            u, run = by_gid[gid]
            vals = u.fields.setdefault(key, {}).setdefault(run, [])
            if vid is not None and ev.get(vid):
                vals.append(RunValue(run, vid, value, norm, canon, grounding, quote,
                                     tuple(ev[vid])))
    return units


# --- writing the consensus run --------------------------------------------------------------

@dataclass
class ConsensusReport:
    run_id: int | None          # None: every unit was already stored by an earlier consensus
    units: int = 0
    skipped: int = 0
    reported: int = 0
    unknown: int = 0
    conflicting: int = 0
    values: int = 0


def _verdict(key: str, c: Cluster, rep: RunValue, k: int, runs_total: int) -> Verdict:
    if c.agree >= k:
        ev = merged_evidence(c, rep)
        first, rest = ev[0], ev[1:]
        return Verdict(
            candidate=Candidate(key, rep.value, rep.quote or ""),
            match=QuoteMatch(first.start, first.end, first.match, first.chunk_id),
            page=first.page, reason=None, grounding=rep.grounding, canonical=rep.canonical,
            extra=tuple(QuoteMatch(e.start, e.end, e.match, e.chunk_id) for e in rest),
            extra_pages=tuple(e.page for e in rest))
    runs = ", ".join(map(str, c.runs))
    return Verdict(candidate=Candidate(key, rep.value, rep.quote or ""), match=None, page=None,
                   reason=f"agreed by {c.agree} of {runs_total} runs (run {runs}), fewer than "
                          f"--min-agree {k}")


def _unknown_reason(fc: FieldConsensus, by_run: dict[int, list[RunValue]], k: int) -> str:
    if fc.conflicting:
        said = "; ".join(f"run {r}: " + ", ".join(v.value for v in vs)
                         for r, vs in by_run.items() if vs)
        return f"conflicting: the runs report different values ({said})"
    if fc.runs_reporting == 0:
        return f"none of the {fc.runs_total} runs reports a value"
    best = fc.clusters[0].agree if fc.clusters else 0
    return f"no value agreed by {k} runs (at most {best} of {fc.runs_total})"


def _unit_record(u: Unit, run_ids: list[int], k: int, specs: dict, schema_version: str
                 ) -> tuple[GroupRecord, dict]:
    field_keys = [f for f in specs if f in u.fields] + sorted(
        f for f in u.fields if f not in specs)
    verdicts, meta = [], {"fields": {}, "values": {}}
    for key in field_keys:
        by_run = {r: u.fields[key][r] for r in run_ids if r in u.fields[key]}
        spec = specs.get(key)
        fc = agree_field(by_run, run_ids, bool(spec and spec.descriptive))
        for c in fc.clusters:
            rep = representative(c, run_ids)
            v = _verdict(key, c, rep, k, fc.runs_total)
            verdicts.append(v)
            meta["values"][(key, rep.value.strip())] = (
                c.agree, fc.runs_total, c.runs, [m.value_id for m in c.members])
        reported = any(c.agree >= k for c in fc.clusters)
        status = "conflicting" if fc.conflicting else "reported" if reported else "unknown"
        meta["fields"][key] = (status, fc.runs_reporting, fc.runs_total,
                               fc.clusters[0].agree if fc.clusters else 0,
                               None if reported else _unknown_reason(fc, by_run, k))
    gids = sorted(u.gids.values())
    cache_key = hashlib.sha256("\x1f".join(
        [BACKEND, str(k), schema_version, u.group, ",".join(map(str, run_ids)),
         ",".join(map(str, gids))]).encode()
    ).hexdigest()[:16]
    rec = GroupRecord(doc_id=u.doc_id, doc_sha256=u.doc_sha256, group=u.group,
                      cache_key=cache_key, field_keys=field_keys, status="done",
                      verdicts=verdicts, unknown_reason="no value agreed")
    return rec, meta


def _write_agreement(meta: dict, k: int):
    def write(c, gid: int) -> None:
        for xid, key in c.execute("SELECT id, field FROM extractions WHERE group_result_id = ?",
                                  [gid]).fetchall():
            status, reporting, total, best, reason = meta["fields"][key]
            c.execute("INSERT INTO consensus_fields (extraction_id, status, min_agree,"
                      " runs_reporting, runs_total, max_agree) VALUES (?,?,?,?,?,?)",
                      [xid, status, k, reporting, total, best])
            if reason:
                c.execute("UPDATE extractions SET reason = ? WHERE id = ?", [reason, xid])
            for vid, value in c.execute("SELECT id, value FROM field_values WHERE"
                                        " extraction_id = ?", [xid]).fetchall():
                agree, n, runs, sources = meta["values"][(key, value)]
                c.execute("INSERT INTO consensus_values (value_id, agree, runs_total, score,"
                          " runs, source_values) VALUES (?,?,?,?,?,?)",
                          [vid, agree, n, round(agree / n, 4) if n else 0.0,
                           json.dumps(runs), json.dumps(sources)])
    return write


def build_consensus(db: sqlite_utils.Database, run_ids: list[int], min_agree: int = 2,
                    doc_ids: list[str] | None = None) -> ConsensusReport:
    """Combine run_ids into a new run of backend `consensus` (model: the input runs)."""
    if min_agree < 1:
        raise ConsensusError("--min-agree must be at least 1")
    run_ids = list(dict.fromkeys(run_ids))
    schema_name, schema_version = _check_runs(db, run_ids)
    if min_agree > len(run_ids):
        raise ConsensusError(f"--min-agree {min_agree} is more than the {len(run_ids)} runs "
                             "given: nothing could be reported")
    row = db.execute("SELECT spec_json FROM schemas WHERE version = ?",
                     [schema_version]).fetchone()
    specs = {f.key: f for f in schema_from_json(row[0]).fields} if row else {}
    report = ConsensusReport(run_id=None)
    for (_doc, _grp), u in sorted(load_units(db, run_ids, doc_ids).items()):
        rec, meta = _unit_record(u, run_ids, min_agree, specs, schema_version)
        if store.group_status(db, u.doc_id, u.group, rec.cache_key, u.doc_sha256) == "done":
            report.skipped += 1
            continue
        if report.run_id is None:
            report.run_id = store.start_run(
                db, BACKEND, "runs " + ",".join(map(str, run_ids)), schema_name,
                schema_version, "-", {"runs": run_ids, "min_agree": min_agree})
        if store.write_group_result(db, report.run_id, rec,
                                    also=_write_agreement(meta, min_agree)) is None:
            report.skipped += 1
            continue
        report.units += 1
        for status, *_ in meta["fields"].values():
            setattr(report, status, getattr(report, status) + 1)
        report.values += sum(1 for v in rec.verdicts if v.accepted)
    if report.run_id is not None:
        store.finish_run(db, report.run_id, 0.0, report.units, 0)
    return report


def agreement_of(db: sqlite_utils.Database, value_id: int) -> dict | None:
    """How many input runs agreed on a stored consensus value (None for other runs' values)."""
    row = db.execute("SELECT agree, runs_total, score, runs FROM consensus_values WHERE"
                     " value_id = ?", [value_id]).fetchone()
    if row is None:
        return None
    return {"agree": row[0], "runs_total": row[1], "score": row[2], "runs": json.loads(row[3])}


def field_consensus_of(db: sqlite_utils.Database, extraction_id: int) -> dict | None:
    """A consensus field's status ('reported' | 'unknown' | 'conflicting') and counts; None for
    other runs' fields."""
    row = db.execute("SELECT status, min_agree, runs_reporting, runs_total, max_agree FROM"
                     " consensus_fields WHERE extraction_id = ?", [extraction_id]).fetchone()
    if row is None:
        return None
    return dict(zip(("status", "min_agree", "runs_reporting", "runs_total", "max_agree"), row))
