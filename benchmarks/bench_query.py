"""Time the read side (facets, --where filters, show, audit, export, Datasette views) on a
synthesised database of N papers x 28 fields.

    python benchmarks/bench_query.py                 # 464 papers (the benchmark corpus)
    python benchmarks/bench_query.py --papers 10000  # to project toward 100k
    python benchmarks/bench_query.py --papers 100000 --db /tmp/q100k.db --reuse  # build once,
                                                     # then time again without rebuilding

The synthetic papers are made of generated sentences; each reported value sits in a sentence
that is its evidence, so offsets, chunks and retrievals have the shapes extraction writes.
Per paper: 40 chunks, 6 group results (+ a second, newer run for a third of the papers so
current_extractions has to pick), ~60% of fields reported with 1-3 values each, one rejected
value per paper, 6 retrievals per group result; 1% of papers carry a review.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from extractor.store import open_db
from extractor.schemas.catalog import load_schema

WORDS = ("model data network training sample image layer value species site survey "
         "method result accuracy feature class label field set test").split()
VOCAB = {  # a few spellings per value so facets have to group them
    "frameworks": ["PyTorch", "Pytorch", "TensorFlow", "Keras", "scikit-learn", "Darknet"],
    "hardware": ["NVIDIA RTX 3090 GPU", "NVIDIA Tesla V100", "GPU cluster", "Intel Xeon CPU",
                 "NVIDIA GeForce GTX 1080 Ti"],
    "optimizer": ["Adam", "ADAM", "SGD", "AdamW", "RMSprop"],
}


def values_for(key: str, rng: random.Random) -> list[str]:
    pool = VOCAB.get(key) or [f"{key.replace('_', ' ')} option {i}" for i in range(12)]
    return rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 3))))


def fold(v: str) -> str:
    return " ".join(v.casefold().split())


def synthesise(path: Path, n_papers: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    schema = load_schema()
    t0 = time.perf_counter()
    db = open_db(path)
    c = db.conn
    c.execute("PRAGMA synchronous = OFF")
    c.execute("BEGIN")
    runs = []
    for i, (backend, model) in enumerate((("rules", "rules-v1"), ("llama", "qwen2.5-3b"))):
        runs.append(c.execute(
            "INSERT INTO runs (backend, model, schema_name, schema_version, prompt_hash,"
            " settings, started_at) VALUES (?,?,?,?,?,?,?)",
            [backend, model, schema.name, schema.version, "p", "{}",
             f"2026-01-0{i + 1}T00:00:00"]).lastrowid)
    next_chunk = 0
    for d in range(n_papers):
        doc = f"10.9999_synth.{d:06d}"
        # Sentences: filler, then one sentence per value so each value has its own evidence.
        plan = {}
        for f in schema.fields:
            if rng.random() < 0.6:
                plan[f.key] = values_for(f.key, rng)
        sentences, where = [], {}
        for _ in range(40):
            sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 40)))
                             + ".")
        for key, vals in plan.items():
            for v in vals:
                where[(key, v)] = len(sentences)
                sentences.append(f"In this study the {key.replace('_', ' ')} was {v} for all "
                                 f"experiments.")
        order = list(range(len(sentences)))
        rng.shuffle(order)
        text, offs = "", {}
        for i in order:
            offs[i] = (len(text), len(text) + len(sentences[i]))
            text += sentences[i] + " "
        c.execute("INSERT INTO documents (id, path, sha256, title, chars, status, text,"
                  " ingested_at) VALUES (?,?,?,?,?,?,?,?)",
                  [doc, f"{doc}.txt", hashlib.sha256(text.encode()).hexdigest(),
                   f"Synthetic paper {d}", len(text), "ok", text, "2026-01-01"])
        chunk_of = {}
        for ord_, i in enumerate(order):
            s, e = offs[i]
            # ids given: chunks is a view (db/013), whose inserts leave no lastrowid
            chunk_of[i] = next_chunk = next_chunk + 1
            c.execute('INSERT INTO chunks (id, doc_id, ord, start, "end", text)'
                      " VALUES (?,?,?,?,?,?)", [next_chunk, doc, ord_, s, e, sentences[i]])
        doc_runs = runs if d % 3 == 0 else runs[:1]
        for run_id in doc_runs:
            for g in schema.groups:
                gr = c.execute(
                    "INSERT INTO group_results (run_id, doc_id, doc_sha256, grp, cache_key,"
                    " status, created_at) VALUES (?,?,?,?,?,?,?)",
                    [run_id, doc, "x", g.name, f"k{run_id}", "done", "2026-01-01"]).lastrowid
                c.executemany("INSERT INTO retrievals (group_result_id, chunk_id, rank, score)"
                              " VALUES (?,?,?,?)",
                              [(gr, chunk_of[order[r]], r + 1, 1.0 / (r + 1)) for r in range(6)])
                for f in g.fields:
                    vals = plan.get(f.key, [])
                    ex = c.execute(
                        "INSERT INTO extractions (group_result_id, run_id, doc_id, field,"
                        " status) VALUES (?,?,?,?,?)",
                        [gr, run_id, doc, f.key, "reported" if vals else "unknown"]).lastrowid
                    for v in vals:
                        i = where[(f.key, v)]
                        s, e = offs[i]
                        vid = c.execute(
                            "INSERT INTO field_values (extraction_id, doc_id, field, value,"
                            " normalized, accepted, quote) VALUES (?,?,?,?,?,?,?)",
                            [ex, doc, f.key, v, fold(v), 1, sentences[i]]).lastrowid
                        c.execute('INSERT INTO evidence (value_id, doc_id, quote, start, "end",'
                                  " chunk_id, match) VALUES (?,?,?,?,?,?,?)",
                                  [vid, doc, sentences[i], s, e, chunk_of[i], "exact"])
                    if f.key == "frameworks":
                        c.execute("INSERT INTO field_values (extraction_id, doc_id, field,"
                                  " value, normalized, accepted, reason, quote)"
                                  " VALUES (?,?,?,?,?,?,?,?)",
                                  [ex, doc, f.key, "Caffe", "caffe", 0,
                                   "quote not found in the passages read", "built on Caffe"])
        if d % 100 == 0 and plan.get("optimizer"):
            v = plan["optimizer"][0]
            c.execute("INSERT INTO reviews (doc_id, field, action, value, normalized, reviewer,"
                      " created_at) VALUES (?,?,?,?,?,?,?)",
                      [doc, "optimizer", "reject", v, fold(v), "bench", "2026-01-03"])
    c.execute("COMMIT")
    c.execute("ANALYZE")
    c.close()
    return time.perf_counter() - t0


def timeit(fn, repeat: int) -> tuple[float, float, object]:
    """(median wall ms, median CPU ms, result): the machine is shared, so CPU time too."""
    times, cpus, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpus), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=464)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", type=Path, default=None, help="keep the synthetic DB here")
    ap.add_argument("--reuse", action="store_true",
                    help="time the database at --db if it exists (built by an earlier run)")
    ap.add_argument("--only", default="", help="time only operations whose name contains this")
    ap.add_argument("--before", action="store_true",
                    help="also time the view-based read paths of 613ad37 (tests/legacy_queries.py:"
                         " db/005's current_values view) on the same database")
    ap.add_argument("--consensus", action="store_true",
                    help="first give every current value a consensus_values row (agreement, as"
                         " a consensus run's values carry): export then writes agreement for"
                         " every paper. Changes the database at --db for good")
    args = ap.parse_args()

    from extractor import query
    from extractor.audit import audit_paper
    from extractor.export import field_record, jsonl_lines, write_jsonl, write_lines
    from extractor.export import _rows_lines
    from extractor.query import parse_condition

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if path.exists() and not args.reuse:
        raise SystemExit(f"{path} exists; give a new path (or --reuse to time it again)")
    if path.exists():
        built = "reused"
    else:
        built = f"built in {synthesise(path, args.papers):.1f} s"
    schema = load_schema()
    t = time.perf_counter()
    db = open_db(path)      # applies pending migrations to a reused database
    opened = time.perf_counter() - t
    if args.consensus:
        t = time.perf_counter()
        with db.conn:
            db.conn.execute(
                "INSERT OR IGNORE INTO consensus_values (value_id, agree, runs_total, score, runs,"
                " source_values) SELECT value_id, 2, 3, 0.6667, '[1, 2]', '[]'"
                " FROM current_values WHERE value_id IS NOT NULL")
        print(f"consensus_values for every current value in {time.perf_counter() - t:.1f} s")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n_docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    n_ex = db.execute("SELECT count(*) FROM extractions").fetchone()[0]
    n_val = db.execute("SELECT count(*) FROM field_values").fetchone()[0]
    size = path.stat().st_size
    print(f"{n_docs} papers, {n_ex} extraction rows, {n_val} value rows, "
          f"{size / 1e6:.1f} MB ({size / n_docs:,.0f} bytes per paper), {built}, "
          f"opened (migrations) in {opened:.1f} s")
    doc = db.execute("SELECT id FROM documents ORDER BY id LIMIT 1 OFFSET 3").fetchone()[0]

    class Null:
        def write(self, s):
            pass

    cases = [
        ("facets frameworks", lambda q: q.field_facets(db, "frameworks", schema)),
        ("facets hyperparameters", lambda q: q.field_facets(db, "hyperparameters", schema)),
        ("where frameworks=pytorch",
         lambda q: q.find_papers(db, [parse_condition("frameworks=pytorch", schema)], None,
                                 schema)),
        ("where frameworks=pytorch page",
         lambda q: page(q, ["frameworks=pytorch"], None)),
        ("where hardware~gpu",
         lambda q: q.find_papers(db, [parse_condition("hardware~gpu", schema)], None, schema)),
        ("where hardware~gpu page", lambda q: page(q, ["hardware~gpu"], None)),
        ("where 2 conditions + show 3",
         lambda q: q.find_papers(db, [parse_condition("frameworks=pytorch", schema),
                                      parse_condition("hardware~nvidia", schema)],
                                 ["frameworks", "hardware", "optimizer"], schema)),
        ("where 2 conditions + show 3 page",
         lambda q: page(q, ["frameworks=pytorch", "hardware~nvidia"],
                        ["frameworks", "hardware", "optimizer"])),
        ("show one paper", lambda q: q.docs_state(db, schema, [doc])),
        ("audit one paper", lambda q: audit_paper(db, doc, None, schema) if q is query else None),
        ("papers view, first 100 rows",
         lambda q: db.execute("SELECT * FROM papers LIMIT 100").fetchall() if q is query
         else None),
        ("export jsonl (all papers)", lambda q: write_lines(jsonl_lines(db, schema), Null())
         if q is query else write_jsonl(legacy_export(q), Null())),
        # the lines from current_values rows, as with --grounding (values dropped per kind)
        ("export jsonl, row path", lambda q: write_lines(_rows_lines(db, schema, None), Null())
         if q is query else None),
    ]

    def page(q, conds, show):
        """Count + the first 50 matching papers (what a screen shows); no legacy equivalent."""
        if q is not query:
            return None
        res = q.papers_page(db, [parse_condition(c, schema) for c in conds], show, schema,
                            limit=50)
        return res.papers if res.total else []

    def legacy_export(q):
        states = q.docs_state(db, schema)
        return ({"doc_id": d, "fields": {k: field_record(states[d][k]) for k in schema.keys}}
                for d in sorted(states))

    impls = [("after", query)]
    if args.before:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        import legacy_queries
        legacy_queries.install(db)
        impls.insert(0, ("before", legacy_queries))
    print(f"{'operation':30} {'code':6} {'median ms':>10} {'cpu ms':>8}  result")
    for name, fn in cases:
        if args.only not in name:
            continue
        for label, q in impls:
            n = args.repeat if "export" not in name else max(1, args.repeat // 2)
            ms, cpu, res = timeit(lambda: fn(q), n)
            if res is None:
                continue
            if hasattr(res, "facets"):
                info = f"{len(res.facets)} values, {res.reported} reported"
            elif isinstance(res, (list, dict)):
                info = f"{len(res)} rows"
            else:
                info = str(res) if isinstance(res, int) else ""
            if "export" in name:
                info += f" ({n_docs / (ms / 1000):,.0f} papers/s; cpu {n_docs / (cpu / 1000):,.0f})"
            print(f"{name:30} {label:6} {ms:10.1f} {cpu:8.1f}  {info}")
    db.conn.close()


if __name__ == "__main__":
    main()
