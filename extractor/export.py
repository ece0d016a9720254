"""Export the database as JSONL (one object per paper, the shape scorers read) or CSV, and
score it against gold annotations."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any, Iterator

import sqlite_utils

from extractor.query import iter_values
from extractor.schemas.catalog import Schema, load_schema

JOIN = "; "
EVIDENCE_JOIN = " | "


def field_record(state, grounding: set[str] | None = None) -> dict[str, Any]:
    """{"status", "values", "evidence", "grounding", "canonical"} for one field; never-extracted
    fields are unknown. `values` are as written in the paper, `canonical` their canonical forms
    (extractor.canonical), `grounding` each value's grounding kind. grounding= keeps only values
    grounded by those kinds (values set by a reviewer, whose quote the reviewer chose, stay)."""
    return values_record(state.values, grounding)


def values_record(states, grounding: set[str] | None = None) -> dict[str, Any]:
    """field_record of a field's ValueStates. The values of a consensus run also carry
    "agreement": one {"agree", "runs_total", "runs"} per value (None for a value set by
    review)."""
    if not states:
        return {"status": "unknown", "values": [], "evidence": [], "grounding": [],
                "canonical": []}
    kept = [v for v in states
            if grounding is None or v.source == "review" or v.grounding in grounding]
    values = [v.value for v in kept]
    evidence = [{"quote": e["quote"], "start": e["start"], "end": e["end"], "page": e["page"]}
                for v in kept for e in v.evidence]
    rec = {"status": "reported" if values else "unknown", "values": values,
           "evidence": evidence,
           "grounding": [v.grounding or ("review" if v.source == "review" else None)
                         for v in kept],
           "canonical": [v.canonical or v.value for v in kept]}
    if any(v.agreement for v in kept):
        rec["agreement"] = [v.agreement for v in kept]
    return rec


def export_records(db: sqlite_utils.Database, schema: Schema | None = None,
                   doc_ids: list[str] | None = None,
                   grounding: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """One {"doc_id", "fields": {key: field_record}} per document in id order, for ALL schema
    keys, streamed: one ordered pass over the current values, not a query per paper."""
    schema = schema or load_schema()
    keys = schema.keys
    for doc_id, values, _ in iter_values(db, doc_ids):
        yield {"doc_id": doc_id,
               "fields": {k: values_record(values.get(k, ()), grounding) for k in keys}}


# json.dumps(rec, ensure_ascii=False), without building an encoder per paper
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def write_jsonl(records, fp: IO[str]) -> int:
    n = 0
    for rec in records:
        fp.write(_ENCODE(rec) + "\n")
        n += 1
    return n


def write_csv(records, fp: IO[str], keys: list[str], evidence: bool = False) -> int:
    """One row per paper, one column per field (values joined by "; "); with evidence, a
    `<field>__evidence` column after each field holding its quotes joined by " | "."""
    header = ["doc_id"]
    for k in keys:
        header.append(k)
        if evidence:
            header.append(f"{k}__evidence")
    w = csv.writer(fp)
    w.writerow(header)
    n = 0
    for rec in records:
        row = [rec["doc_id"]]
        for k in keys:
            f = rec["fields"][k]
            row.append(JOIN.join(f["values"]))
            if evidence:
                row.append(EVIDENCE_JOIN.join(e["quote"] for e in f["evidence"]))
        w.writerow(row)
        n += 1
    return n


def evaluate_db(db: sqlite_utils.Database, gold_dir: str | Path,
                schema: Schema | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    """Score the database's current results (reviews included) against a gold folder.

    fields restricts scoring to those keys. Returns evaluate.score's dict plus "missing":
    gold documents not in the database.
    """
    from extractor.evaluate import load_gold, score

    schema = schema or load_schema()
    gold = load_gold(gold_dir)
    if fields:
        gold = {d: {k: v for k, v in fs.items() if k in fields} for d, fs in gold.items()}
    in_db = {r[0] for r in db.execute("SELECT id FROM documents")}
    docs = sorted(d for d in gold if d in in_db)
    pred = {r["doc_id"]: r["fields"] for r in export_records(db, schema, docs)}
    texts = {}
    for i in range(0, len(docs), 500):
        part = docs[i:i + 500]
        texts.update(db.execute(f"SELECT id, text FROM documents WHERE id IN "
                                f"({','.join('?' * len(part))})", part).fetchall())
    result = score(pred, gold, texts)
    result["missing"] = sorted(d for d in gold if d not in in_db)
    return result
