"""Batch files: a run's requests written for the OpenAI Batch API or `vllm run-batch`, and their
results imported as if the answers had come back live.

How: run_extraction replays every pending unit through the code of a live run
(OpenAIBackend.extract -> instructor -> the openai client), with an httpx transport (Replay) in
place of the network. A request whose answer has been imported gets it; any other request is
collected for the requests file, with its body exactly as the client would POST it, and is
given an empty placeholder answer, so the unit's other fields are walked too. A unit that
needed a placeholder is held back (never stored); a unit whose every request is answered is
verified and stored as live: same cache key, same llm_calls rows (prompt and raw output),
same rejected values, same failed rows.

Re-asks (the verifier's reasons, or instructor's reask after an answer that does not parse)
depend on the first answer, so they can only be written once it is imported. Imported answers
are kept (batch_answers, db/015), and the next --batch-out replays each unit up to its
re-ask and writes only that. Repeat batch-out / batch-in until nothing is pending.

custom_id = CACHE_KEY/DOC/GROUP/FIELD/BODY_SHA: the unit's configuration, the unit, the
field asked, and the sha256 (32 hex) of the request body (canonical JSON) that the answer
belongs to.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import sqlite_utils

from extractor import store, store_batch
from extractor.backends.base import Backend
from extractor.backends.llm import ASKING
from extractor.extract import RunReport, Settings, cache_key, run_extraction, select_groups
from extractor.schemas.catalog import Schema

URL = "/v1/chat/completions"
# A results line without a usable answer still fails its unit the way a live HTTP error
# would; when the line gives no status of its own, this one stands for "no response".
NO_RESPONSE = 502


class BatchError(ValueError):
    pass


def body_sha(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def custom_id(key: str, doc_id: str, group: str, field_key: str, sha: str) -> str:
    return f"{key}/{doc_id}/{group}/{field_key}/{sha}"


def parse_custom_id(text: str) -> tuple[str, str, str, str, str] | None:
    """(cache key, doc, group, field, body sha), or None. A doc id may hold "/"."""
    key, sep, rest = text.partition("/")
    parts = rest.rsplit("/", 3)
    if not sep or len(parts) != 4 or not all(parts) or len(key) != 16:
        return None
    return key, *parts


def placeholder(body: dict) -> dict:
    """An empty answer ({"answers": []}) in the shape the request asks for (tool call,
    function call or content): it lets the replay walk on; its unit is never stored."""
    args = '{"answers": []}'
    msg: dict = {"role": "assistant", "content": None}
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        msg["tool_calls"] = [{"id": "call_0", "type": "function",
                              "function": {"name": name, "arguments": args}}]
    elif body.get("functions"):
        msg["function_call"] = {"name": body["functions"][0]["name"], "arguments": args}
    else:
        msg["content"] = args
    return {"id": "methex-placeholder", "object": "chat.completion", "created": 0,
            "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "stop", "message": msg}]}


class Replay(httpx.BaseTransport):
    """Answers the openai client from imported answers (answer(sha) -> completion body or
    None); files every other request under the unit and field being asked (llm.ASKING)."""

    def __init__(self, model: str, answer: Callable[[str], dict | None],
                 failures: dict[str, tuple[int, dict]]):
        self.model, self.answer, self.failures = model, answer, failures
        self.unanswered: dict[tuple[str, str], list[tuple[str, str, dict]]] = {}
        self.asked: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            # the run's preflight: nothing to check, no endpoint is used
            return httpx.Response(200, json={"object": "list", "data": [
                {"id": self.model, "object": "model"}]})
        body = json.loads(request.content)
        sha = body_sha(body)
        self.asked.add(sha)
        if sha in self.failures:
            status, error = self.failures[sha]
            return httpx.Response(status, json=error)
        known = self.answer(sha)
        if known is not None:
            return httpx.Response(200, json=known)
        doc, group, key = ASKING.get() or ("?", "?", "?")
        self.unanswered.setdefault((doc, group), []).append((key, sha, body))
        return httpx.Response(200, json=placeholder(body))


@dataclass
class ResultLine:
    line: int
    custom_id: str
    sha: str
    doc: str
    group: str


@dataclass
class BatchReport:
    run: RunReport
    lines: int = 0                  # results lines read
    imported: int = 0               # answers new to the database
    already: int = 0                # lines whose unit was already stored
    written: int = 0                # requests written (--batch-out)
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)


def _error_body(reason: str, code: str = "batch_result") -> dict:
    return {"error": {"message": reason, "type": "batch_error", "code": code}}


@dataclass
class Parsed:
    """One results line: a problem (reason set, line None when no custom_id of ours), an
    answer to keep (answer set), or a failed answer that fails its unit (failure set)."""
    line: ResultLine | None = None
    answer: dict | None = None
    failure: tuple[int, dict] | None = None
    reason: str | None = None


def parse_line(n: int, text: str, keys: dict[str, str]) -> tuple[Parsed, str | None]:
    """One OpenAI Batch output line, and its custom_id. keys: group -> the cache key this
    configuration writes for it."""
    try:
        obj = json.loads(text)
        cid = obj.get("custom_id") if isinstance(obj, dict) else None
    except json.JSONDecodeError as e:
        return Parsed(reason=f"malformed line: not JSON ({e})"), None
    if not isinstance(cid, str):
        return Parsed(reason="malformed line: no custom_id"), None
    parts = parse_custom_id(cid)
    if parts is None:
        return Parsed(reason="unknown custom_id: not one methex wrote "
                             "(KEY/DOC/GROUP/FIELD/SHA)"), cid
    key, doc, group, _field, sha = parts
    if keys.get(group) != key:
        return Parsed(reason="unknown custom_id: written for another configuration (backend, "
                             "model, prompt, schema or settings differ)"), cid
    line = ResultLine(n, cid, sha, doc, group)
    resp, error = obj.get("response"), obj.get("error")
    body = resp.get("body") if isinstance(resp, dict) else None
    status = resp.get("status_code") if isinstance(resp, dict) else None
    if status == 200 and isinstance(body, dict) and isinstance(body.get("choices"), list):
        return Parsed(line, answer=body), cid
    if isinstance(resp, dict) and isinstance(status, int) and status != 200:
        reason = f"HTTP {status}: {json.dumps(body, ensure_ascii=False)[:300]}"
        return Parsed(line, failure=(status, body if isinstance(body, dict)
                                     else _error_body(reason)), reason=reason), cid
    reason = (f"no response: {json.dumps(error, ensure_ascii=False)[:300]}" if error
              else "malformed line: response is not a chat completion with status_code 200")
    return Parsed(line, failure=(NO_RESPONSE, _error_body(f"batch results line {n}: {reason}")),
                  reason=reason), cid


def import_results(db: sqlite_utils.Database, path: str | Path, keys: dict[str, str],
                   report: BatchReport, chunk: int = 2000
                   ) -> tuple[list[ResultLine], dict[str, tuple[int, dict]],
                              set[tuple[str, str]]]:
    """Read a results file line by line, keeping its answers (in chunks: a big file never
    sits in memory whole) and its problems in the report. Returns the lines of this
    configuration, the failed answers (for this import's replay only) and the units stored
    before this import (their lines are "already stored", not unknown)."""
    known, failed, keep = [], {}, []
    seen: dict[tuple[str, str], bool] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, text in enumerate(fh, 1):
            if not text.strip():
                continue
            report.lines += 1
            p, cid = parse_line(n, text, keys)
            if p.line is not None:
                known.append(p.line)
                unit = (p.line.doc, p.line.group)
                if unit not in seen:
                    seen[unit] = _stored(db, *unit, keys[unit[1]])
            if p.answer is not None:
                keep.append((p.line.sha, cid, p.answer))
                if len(keep) >= chunk:
                    report.imported += store_batch.save_answers(db, keep)
                    keep = []
            else:
                if p.failure is not None:
                    failed[p.line.sha] = p.failure
                report.problems.append((n, cid, p.reason))
    if keep:
        report.imported += store_batch.save_answers(db, keep)
    return known, failed, {u for u, stored in seen.items() if stored}


def _stored(db: sqlite_utils.Database, doc: str, group: str, key: str) -> bool:
    sha256 = store.document_sha(db, doc)
    return bool(sha256 and store.group_status(db, doc, group, key, sha256))


def run_batch(db: sqlite_utils.Database, backend: Backend, schema: Schema,
              settings: Settings | None = None, hints_backend: Backend | None = None, *,
              results: str | Path | None = None, requests: str | Path | None = None,
              on_progress: Callable | None = None) -> BatchReport:
    """Import `results` (OpenAI Batch output), store every unit it completes, and write the
    requests still unanswered to `requests` (OpenAI Batch input). Either may be None."""
    if not hasattr(backend, "offline"):
        raise BatchError(f"batch files need --backend openai, not {backend.name}: they hold "
                         "OpenAI chat-completions requests")
    settings = replace(settings or Settings(), concurrency=1)
    keys = {g.name: cache_key(backend, schema, settings, g, hints_backend)
            for g in select_groups(schema, settings.fields)}
    report = BatchReport(run=RunReport(run_id=None))
    known, failed = [], {}
    stored_before: set[tuple[str, str]] = set()
    if results is not None:
        known, failed, stored_before = import_results(db, results, keys, report)
    # looked up one request at a time, on this thread (the replay runs with concurrency 1):
    # a million imported answers need not fit in memory
    transport = Replay(backend.model, lambda sha: store_batch.answer(db, sha), failed)
    written = 0
    out = open(requests, "w", encoding="utf-8") if requests is not None else None

    def hold(rec) -> bool:
        nonlocal written
        waiting = transport.unanswered.pop((rec.doc_id, rec.group), None)
        if not waiting:
            return False
        for key, sha, body in waiting if out is not None else ():
            out.write(json.dumps({"custom_id": custom_id(rec.cache_key, rec.doc_id, rec.group,
                                                         key, sha),
                                  "method": "POST", "url": URL, "body": body},
                                 ensure_ascii=False) + "\n")
            written += 1
        return True

    try:
        run = run_extraction(db, backend.offline(transport), schema, settings, hints_backend,
                             on_progress, hold=hold)
    finally:
        if out is not None:
            out.close()
    report.run, report.written = run, written
    problems = report.problems
    for r in known:
        if r.sha in transport.asked:
            continue
        if (r.doc, r.group) in stored_before:
            report.already += 1
        else:
            problems.append((r.line, r.custom_id, "unknown custom_id: no pending request of "
                             "this run has this body (paper, prompt or selection changed?)"))
    problems.sort(key=lambda p: p[0])
    report.problems = problems
    if problems:
        store_batch.record_problems(db, str(results), problems)
    return report
