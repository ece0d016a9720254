"""Human annotations stored as a run (backend `annotations`), through the same verification as
any backend.

Annotations come as a folder of gold-format JSON files (../shared/benchmark/FIELDS.md) or as a
JSONL file of `methex export`'s shape. Each annotated value is checked like a model's answer:
its quote must be found in the paper, the value grounded in it and the quote about the field.
So imported annotations can be queried, audited and scored with `eval`, and importing a gold set
and scoring it against itself measures what verification loses (a perfect model's ceiling).

Gold files give evidence per field, not per value: each value is paired with the first of its
field's quotes that verifies it; when none does, verification may relocate the evidence to a
sentence of the paper's body that does (extractor.verify; match kind "relocated"), and failing
that the value is stored rejected with the reason of the quote that got furthest.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from extractor import store
from extractor.backends.base import Candidate, Passage
from extractor.evaluate import GoldError, load_gold
from extractor.extract import GroupRecord
from extractor.schemas.catalog import Schema
from extractor.grounding import content_tokens
from extractor.verify import Verdict, verdict_of

BACKEND = "annotations"


class AnnotationError(ValueError):
    pass


def load_annotations(path: str | Path) -> dict[str, dict[str, dict[str, Any]]]:
    """{doc_id: {field: {"status", "values", "evidence": [quote, ...]}}} from a folder of JSON
    files or a JSONL file."""
    p = Path(path)
    if p.is_dir():
        try:
            gold = load_gold(p)
        except GoldError as e:
            raise AnnotationError(str(e)) from None
        return {d: {k: {**e, "evidence": _quotes(e["evidence"])} for k, e in fs.items()}
                for d, fs in gold.items()}
    if not p.is_file():
        raise AnnotationError(f"annotations not found: {p}")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise AnnotationError(f"{p}:{n}: not valid JSON: {e}") from None
        if not isinstance(rec, dict) or "doc_id" not in rec or not isinstance(
                rec.get("fields"), dict):
            raise AnnotationError(f"{p}:{n}: each line needs 'doc_id' and a 'fields' object")
        fields = {}
        for key, e in rec["fields"].items():
            values = [str(v) for v in (e or {}).get("values") or []]
            status = (e or {}).get("status") or ("reported" if values else "unknown")
            if status not in ("reported", "unknown"):
                raise AnnotationError(f"{p}:{n}: field {key!r}: status must be 'reported' or "
                                      f"'unknown'")
            fields[key] = {"status": status, "values": values,
                           "evidence": _quotes((e or {}).get("evidence"))}
        out[str(rec["doc_id"])] = fields
    if not out:
        raise AnnotationError(f"no annotations in {p}")
    return out


def _quotes(evidence) -> list[str]:
    return [str(e.get("quote") if isinstance(e, dict) else e) for e in evidence or []
            if (e.get("quote") if isinstance(e, dict) else e)]


@dataclass
class ImportReport:
    run_id: int
    docs: int = 0
    units: int = 0
    skipped: int = 0
    accepted: int = 0
    rejected: int = 0
    missing: list[str] = field(default_factory=list)        # annotated, not in the database
    unknown_fields: list[str] = field(default_factory=list)  # keys not in the schema
    reasons: dict[str, int] = field(default_factory=dict)   # rejection reason -> count


def _chunk_of(db: sqlite_utils.Database, doc_id: str, offset: int) -> int | None:
    row = db.execute('SELECT id FROM chunks WHERE doc_id = ? AND start <= ? AND "end" > ?'
                     " LIMIT 1", [doc_id, offset, offset]).fetchone()
    return row[0] if row else None


def _verdict(db, doc: dict, c: Candidate, spec, passages, page_starts,
             relocate: bool | list[Passage] = False) -> Verdict:
    v = verdict_of(c, spec, doc["text"], passages, page_starts, relocate)
    if v.match is not None:     # the whole-paper passage has no chunk: name the real one
        v.match = replace(v.match, chunk_id=_chunk_of(db, doc["id"], v.match.start))
        v.extra = tuple(replace(x, chunk_id=_chunk_of(db, doc["id"], x.start))
                        for x in v.extra)
    return v


def _progress(v: Verdict) -> int:
    if v.match is None:
        return 0
    return 2 if v.reason and v.reason.startswith("quote does not speak") else 1


def _related(value: str, quotes: list[str]) -> list[str]:
    """The quotes that share a content word with the value (the others cannot support it)."""
    words = set(content_tokens(value))
    return [q for q in quotes if words & set(content_tokens(q))]


def _body(db, doc_id: str) -> list[Passage]:
    """The chunks of a paper that may be evidence (not reference-list entries, not
    boilerplate): where verification may relocate an annotated value's evidence."""
    return [Passage(chunk_id=r[0], text=r[1], start=r[2], page=r[3]) for r in db.execute(
        "SELECT id, text, start, page FROM chunks WHERE doc_id = ? AND is_reference = 0"
        " AND is_boilerplate = 0 ORDER BY ord", [doc_id])]


def _verdicts(db, doc: dict, fields: list, ann: dict, page_starts) -> list[Verdict]:
    # The whole paper is "the passages read": an annotator read all of it.
    whole = [Passage(chunk_id=None, text=doc["text"], start=0, page=None)]
    body: list[Passage] | None = None
    out: list[Verdict] = []
    for spec in fields:
        entry = ann.get(spec.key)
        if not entry or entry["status"] != "reported":
            continue
        quotes = entry["evidence"] or [""]
        for value in entry["values"]:
            # One quote that states the value is the best evidence; failing that, the field's
            # quotes that speak of the value's words, together.
            tries = [Candidate(spec.key, value, q) for q in quotes]
            related = _related(value, quotes)
            if len(related) > 1:
                tries.append(Candidate(spec.key, value, related[0], tuple(related[1:])))
            best = None
            for c in tries:
                v = _verdict(db, doc, c, spec, whole, page_starts)
                if v.accepted:
                    best = v
                    break
                # report the rejection that got furthest through the checks
                if best is None or _progress(v) > _progress(best):
                    best = v
            if not best.accepted and best.match is not None:
                # no quote given verifies the value: a sentence of the paper's body may
                # (verification's evidence relocation), looked for once all were tried
                if body is None:
                    body = _body(db, doc["id"])
                v = _verdict(db, doc, best.candidate, spec, whole, page_starts, relocate=body)
                if v.accepted:
                    best = v
            out.append(best)
    return out


def import_annotations(db: sqlite_utils.Database, annotations: dict, schema: Schema,
                       source: str) -> ImportReport:
    """Store annotations as one run of backend `annotations` (model = source label).

    Each document x group is one unit, keyed on its annotation content: re-importing the same
    annotations is a no-op, changed ones replace the old unit.
    """
    run_id = store.start_run(db, BACKEND, source, schema.name, schema.version, "-",
                             {"source": source}, schema.spec_json)
    report = ImportReport(run_id=run_id)
    keys = set(schema.keys)
    report.unknown_fields = sorted({k for fs in annotations.values() for k in fs} - keys)
    docs = {r[0] for r in db.execute("SELECT id FROM documents")}
    report.missing = sorted(d for d in annotations if d not in docs)
    for doc in store.iter_documents(db, sorted(d for d in annotations if d in docs)):
        ann = annotations[doc["id"]]
        page_starts = json.loads(doc["page_starts"]) if doc["page_starts"] else None
        report.docs += 1
        for g in schema.groups:
            fields = [f for f in g.fields if f.key in ann]
            if not fields:
                continue
            content = json.dumps({f.key: ann[f.key] for f in fields}, sort_keys=True)
            key = hashlib.sha256("\x1f".join([BACKEND, source, schema.name, schema.version,
                                              g.name, content]).encode()).hexdigest()[:16]
            if store.group_status(db, doc["id"], g.name, key, doc["sha256"]) == "done":
                report.skipped += 1
                continue
            verdicts = _verdicts(db, doc, fields, ann, page_starts)
            for v in verdicts:
                if v.accepted:
                    report.accepted += 1
                else:
                    report.rejected += 1
                    report.reasons[v.reason] = report.reasons.get(v.reason, 0) + 1
            rec = GroupRecord(doc_id=doc["id"], doc_sha256=doc["sha256"], group=g.name,
                              cache_key=key, field_keys=[f.key for f in fields], status="done",
                              verdicts=verdicts,
                              unknown_reason="annotated as unknown, or no annotated value "
                                             "verified")
            store.write_group_result(db, run_id, rec)
            report.units += 1
    store.finish_run(db, run_id, 0.0, report.units, 0)
    return report
