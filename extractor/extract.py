"""Orchestration: document x group -> retrieve -> backend -> verify -> one stored unit.

Each document x group is prepared (retrieval) and completed (backend + verification, no
database access, so it may run in a worker thread), then written by
store.write_group_result in one transaction, so a crash never leaves half a result and a rerun
skips exactly the units already stored for the same content, schema, prompt, backend and model.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field

import sqlite_utils

from extractor import store
from extractor.backends.base import Backend
from extractor.core import BackendError, CallStats, Candidate, GroupTask
from extractor.guard import RunGuard
from extractor.retrieve import DEFAULT_TOP_K, retrieve
from extractor.schemas.catalog import GroupSpec, Schema
from extractor.verify import Verdict, check_candidate, verify


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based, "2/4"): the documents whose id hashes to it.

    sha256 of the id, not Python's hash(): every process and machine agrees on the split,
    whatever the order or the set of files it was given.
    """
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        i, sep, n = text.partition("/")
        if not sep or not i.strip().isdigit() or not n.strip().isdigit():
            raise ValueError(f"{text!r}: expected I/N, e.g. 1/2 (shard 1 of 2)")
        shard = cls(int(i), int(n))
        if not 1 <= shard.index <= shard.count:
            raise ValueError(f"{text!r}: shards are numbered 1 to N, and N is at least 1")
        return shard

    def __contains__(self, doc_id: str) -> bool:
        h = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:8], "big")
        return h % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass
class Settings:
    top_k: int | None = DEFAULT_TOP_K  # passages per group; None = every usable chunk
    fields: list[str] | None = None  # restrict to these keys
    docs: list[str] | None = None    # restrict to these documents
    retry_failed: bool = False       # rerun units recorded as failed
    concurrency: int = 1             # backend calls in flight
    prompt_hash: str = "-"           # of the backend's prompt template ("-" when none)
    shard: Shard | None = None       # only the documents of this shard (several processes)
    breaker: int = 5                 # stop after this many units in a row fail to connect
    max_tokens: int | None = None    # stop before the run's tokens would pass this
    max_cost: float | None = None    # stop before the run's estimated US dollars would pass this
    price: tuple[float, float] | None = None    # USD per 1M prompt / completion tokens
    # hybrid: the hints' values stand for the fields they answer; the backend is asked only
    # about the fields they leave unknown (with hints, else every field is asked and checked)
    hybrid: bool = False

    def public(self) -> dict:
        return {"top_k": self.top_k, "fields": self.fields, "docs": self.docs,
                "concurrency": self.concurrency, "shard": str(self.shard) if self.shard else None,
                "hybrid": self.hybrid}


def shard_files(paths: list[str], shard: Shard) -> list[str]:
    """The files (folders expanded) whose document id falls in `shard`, so each of N
    processes ingests only its own papers."""
    from extractor.ingest.pipeline import doc_id_for, expand_paths
    return [str(p) for p, _ in expand_paths(paths) if doc_id_for(p) in shard]


def selected_documents(db: sqlite_utils.Database, settings: Settings) -> list[str] | None:
    """Ids to extract from: settings.docs (None = all) narrowed to settings.shard."""
    if settings.shard is None:
        return settings.docs
    ids = settings.docs if settings.docs is not None else store.document_ids(db)
    return [i for i in ids if i in settings.shard]


@dataclass
class GroupRecord:
    """Everything one document x group produced, ready to be written in one transaction."""
    doc_id: str
    doc_sha256: str
    group: str
    cache_key: str
    field_keys: list[str]
    status: str                                    # "done" | "failed"
    error: str | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    unknown_reason: str | None = None
    passages: list = field(default_factory=list)   # Passage list, for `retrievals`
    calls: list[CallStats] = field(default_factory=list)
    seconds: float = 0.0
    fault: str | None = None        # failed: kind of fault (extractor.backends.retry.classify)


@dataclass
class RunReport:
    run_id: int | None              # None: every unit was already done, no run was recorded
    done: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # doc, group, error
    seconds: float = 0.0
    interrupted: bool = False
    stopped: str | None = None      # why the run stopped early (endpoint, token budget)
    tokens: int = 0                 # prompt + completion tokens of this run's calls
    cost: float = 0.0               # their estimated US dollars (at Settings.price)
    held: int = 0                   # units whose answers are still out (batch files)


def cache_key(backend: Backend, schema: Schema, settings: Settings, group: GroupSpec,
              hints: Backend | None) -> str:
    # the group's own version, not the schema's: editing one group leaves the others cached
    parts = [backend.name, backend.model, schema.name, group.version, settings.prompt_hash,
             str(settings.top_k), ",".join(f.key for f in group.fields),
             f"hints={hints.name if hints else '-'}"]
    if hints and settings.hybrid:   # (keys of runs without --hybrid stay as they were)
        parts.append("hybrid")
    # the backend's request settings that change answers (base URL, temperature, mode, ...;
    # never a secret): the same model at two endpoints gives two results. A backend without
    # options (rules) keeps the key it always had.
    if backend.cache_settings:
        parts.append(json.dumps(backend.cache_settings, sort_keys=True))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def select_groups(schema: Schema, fields: list[str] | None) -> list[GroupSpec]:
    if not fields:
        return list(schema.groups)
    wanted = set(fields)
    unknown = wanted - set(schema.keys)
    if unknown:
        raise KeyError(f"unknown field(s): {', '.join(sorted(unknown))}")
    out = []
    for g in schema.groups:
        fs = [f for f in g.fields if f.key in wanted]
        if fs:
            out.append(GroupSpec(name=g.name, description=g.description, fields=fs))
    return out


@dataclass
class Prepared:
    """A unit ready for the backend: retrieval is done, only the (slow) backend call remains."""
    rec: GroupRecord
    task: GroupTask | None      # None: nothing to ask (unreadable document, no passage)
    text: str = ""
    page_starts: list[int] | None = None
    t0: float = 0.0


def prepare_group(doc: dict, group: GroupSpec, db: sqlite_utils.Database, settings: Settings,
                  key: str, hints_backend: Backend | None = None) -> Prepared:
    """Retrieve passages (and rules hints) for one document x group. Reads the database."""
    t0 = time.monotonic()
    rec = GroupRecord(doc_id=doc["id"], doc_sha256=doc["sha256"], group=group.name,
                      cache_key=key, field_keys=[f.key for f in group.fields], status="done")
    if doc["status"] != "ok":
        rec.unknown_reason = f"document unreadable: {doc['reason']}"
        return Prepared(rec, None)
    text = doc["text"]
    passages = retrieve(db, doc["id"], group, k=settings.top_k)
    rec.passages = passages
    if not passages:
        rec.unknown_reason = "no passage of the paper matches this group's search terms"
        return Prepared(rec, None)
    by_key = {f.key: f for f in group.fields}

    def check(c: Candidate) -> str | None:
        return check_candidate(c, by_key.get(c.field), text, passages)[1]

    hints: list[Candidate] = []
    if hints_backend is not None:
        task = GroupTask(doc_id=doc["id"], group=group, passages=passages)
        hints = [v.candidate for v in verify(hints_backend.extract(task).candidates,
                                             group.fields, text, passages) if v.accepted]
    task = GroupTask(doc_id=doc["id"], group=group, passages=passages, hints=hints, check=check,
                     ask_hinted=not (settings.hybrid and hints_backend is not None))
    page_starts = json.loads(doc["page_starts"]) if doc["page_starts"] else None
    return Prepared(rec, task, text, page_starts, t0)


def complete_group(p: Prepared, backend: Backend) -> GroupRecord:
    """One unit through complete_units."""
    return complete_units([p], backend)[0]


def complete_units(ps: list[Prepared], backend: Backend) -> list[GroupRecord]:
    """Ask the backend about every unit that has something to ask (one extract_many call) and
    verify its candidates. No database access: safe in a worker thread.

    Never raises for backend faults: they become failed records and the batch goes on.
    """
    asking = [p for p in ps if p.task is not None]
    outs: list = []
    if asking:
        try:
            outs = list(backend.extract_many([p.task for p in asking]))
            if len(outs) != len(asking):
                raise RuntimeError(f"extract_many gave {len(outs)} outputs for "
                                   f"{len(asking)} tasks")
        except Exception as e:  # a backend bug must not stop the batch; it is recorded
            outs = [e] * len(asking)
    answers = dict(zip(map(id, asking), outs))
    return [_finish(p, answers[id(p)]) if p.task is not None else p.rec for p in ps]


def _finish(p: Prepared, out) -> GroupRecord:
    rec = p.rec
    if isinstance(out, BackendError):
        from extractor.backends.retry import classify
        rec.status, rec.error, rec.calls = "failed", str(out), out.calls
        rec.fault = classify(out).kind
    elif isinstance(out, BaseException):
        rec.status, rec.error = "failed", f"{type(out).__name__}: {out}"
    else:
        rec.calls = out.calls
        rec.verdicts = verify(out.candidates, p.task.group.fields, p.text, p.task.passages,
                              p.page_starts)
        rejected = sum(1 for v in rec.verdicts if not v.accepted)
        rec.unknown_reason = (f"no verified statement in the {len(p.task.passages)} passages read"
                              + (f" ({rejected} candidate value(s) rejected)" if rejected else ""))
    rec.seconds = time.monotonic() - p.t0
    return rec


def run_extraction(db: sqlite_utils.Database, backend: Backend, schema: Schema,
                   settings: Settings | None = None, hints_backend: Backend | None = None,
                   on_progress: Callable[[str, str, GroupRecord | None], None] | None = None,
                   hold: Callable[[GroupRecord], bool] | None = None) -> RunReport:
    """Extract every (selected) document x group not already stored for this configuration.

    Every unit goes through backend.extract_many: one unit per call for backends that keep
    the default loop (each is stored as soon as it is done), a document's units per call for
    backends that override it (they can batch). hold(rec) true: the unit is not stored, as
    its answers are still out (batch files, extractor.batch); a later run completes it.
    """
    if not isinstance(backend, Backend):
        raise TypeError(f"{backend!r} is not a backend: subclass extractor.backends.base.Backend")
    settings = settings or Settings()
    groups = select_groups(schema, settings.fields)
    report = RunReport(run_id=None)
    t0 = time.monotonic()
    guard = RunGuard(settings, report, backend)
    by_doc = type(backend).extract_many is not Backend.extract_many

    def record(rec: GroupRecord) -> None:
        if hold is not None and hold(rec):
            guard.released()
            report.held += 1
            if on_progress:
                on_progress(rec.doc_id, rec.group, None)
            return
        guard.recorded(rec)
        # the only writer: results are stored here, on the calling thread, one unit at a time.
        # The run row is created with the first unit, so a rerun with nothing to do leaves
        # no empty run behind (its started_at is thus when the first unit was written).
        if report.run_id is None:
            report.run_id = store.start_run(
                db, backend.name, backend.model, schema.name, schema.version,
                settings.prompt_hash,
                {**settings.public(), "hints": hints_backend.name if hints_backend else None,
                 "backend": backend.settings},
                schema.spec_json)
        if store.write_group_result(db, report.run_id, rec) is None:
            report.skipped += 1     # another process stored this unit first
        elif rec.status == "done":
            report.done += 1
        else:
            report.failed += 1
            report.failures.append((rec.doc_id, rec.group, rec.error or ""))
        if on_progress:
            on_progress(rec.doc_id, rec.group, rec)

    doc_ids = selected_documents(db, settings)

    def pending():
        """Lists of prepared units: one each, or a document's (by_doc)."""
        if doc_ids == []:    # a shard with no document ([] would mean "all" below)
            return
        for doc in store.iter_documents(db, doc_ids):
            chunk = []
            for g in groups:
                key = cache_key(backend, schema, settings, g, hints_backend)
                prior = store.group_status(db, doc["id"], g.name, key, doc["sha256"])
                if prior == "done" or (prior == "failed" and not settings.retry_failed):
                    report.skipped += 1
                    if on_progress:
                        on_progress(doc["id"], g.name, None)
                    continue
                if not guard.may_start():
                    break
                chunk.append(prepare_group(doc, g, db, settings, key, hints_backend))
                if not by_doc:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
            if guard.report.stopped:
                return

    try:
        if settings.concurrency <= 1:
            for chunk in pending():
                for rec in complete_units(chunk, backend):
                    record(rec)
        else:
            # N backend calls in flight; retrieval and writes stay on this thread.
            with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
                inflight: set[Future] = set()

                def drain(finished) -> None:
                    for f in finished:
                        for rec in f.result():
                            record(rec)
                try:
                    for chunk in pending():
                        inflight.add(pool.submit(complete_units, chunk, backend))
                        while len(inflight) >= settings.concurrency:
                            finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                            drain(finished)
                    while inflight:
                        finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                        drain(finished)
                except KeyboardInterrupt:
                    # The pool cannot drop requests already sent, so keep what they bring
                    # (they are paid for) and tell the backend to stop waiting to retry.
                    report.interrupted = True
                    backend.interrupt()
                    for f in as_completed(inflight):
                        for rec in f.result():
                            if rec.status == "done":    # a failure while stopping is no verdict
                                record(rec)
    except KeyboardInterrupt:
        # Ctrl-C: every stored unit is whole; a rerun resumes with the rest.
        report.interrupted = True
    finally:
        report.seconds = time.monotonic() - t0
        if report.run_id is not None:
            store.finish_run(db, report.run_id, report.seconds, report.done, report.failed)
    return report
