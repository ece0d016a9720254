"""A small stand-in for `vllm run-batch` / the OpenAI Batch API: POST each request of an OpenAI
Batch input file to an OpenAI-compatible server and write the results in the Batch output
format, for users with a plain server (llama.cpp, Ollama, ...) or to test a round trip.

Output lines: {"id", "custom_id", "response": {"status_code", "request_id", "body"},
"error"}; a request that got no HTTP answer has response null and the error. Lines come in
the order answers arrive (the Batch API promises no order either).
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class RunnerReport:
    requests: int = 0
    ok: int = 0
    failed: int = 0          # non-200 answers and requests without an answer
    bad_lines: int = 0       # input lines that are no request (not written out)
    seconds: float = 0.0


def _answer(client: httpx.Client, base_url: str, n: int, line: str) -> dict | None:
    try:
        req = json.loads(line)
        cid, body = req["custom_id"], req["body"]
        path = req.get("url", "/v1/chat/completions")
    except (json.JSONDecodeError, KeyError, TypeError):
        return None
    # the base URL ends where the OpenAI API's /v1 starts (as --base-url does)
    url = base_url.rstrip("/") + (path[3:] if path.startswith("/v1/") else path)
    out: dict = {"id": f"batch_req_{n}", "custom_id": cid, "response": None, "error": None}
    try:
        r = client.post(url, json=body)
    except httpx.HTTPError as e:
        out["error"] = {"code": "request_failed", "message": f"{type(e).__name__}: {e}"}
        return out
    try:
        answer = r.json()
    except ValueError:
        answer = {"error": {"message": r.text[:500]}}
    out["response"] = {"status_code": r.status_code,
                       "request_id": r.headers.get("x-request-id", ""), "body": answer}
    return out


def run_requests(requests: str | Path, base_url: str, results: str | Path, *,
                 api_key: str | None = None, concurrency: int = 1, timeout: float = 600.0,
                 on_done: Callable[[dict], None] | None = None) -> RunnerReport:
    """Answer every request of `requests` through `base_url` into `results`."""
    import time
    t0 = time.monotonic()
    report = RunnerReport()
    key = api_key or os.environ.get("OPENAI_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    lock = threading.Lock()
    with open(requests, encoding="utf-8") as fh:
        lines = [t for t in fh if t.strip()]
    with httpx.Client(timeout=timeout, headers=headers) as client, \
            open(results, "w", encoding="utf-8") as out, \
            ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:

        def one(n: int, line: str) -> None:
            res = _answer(client, base_url, n, line)
            with lock:
                if res is None:
                    report.bad_lines += 1
                    return
                report.requests += 1
                good = res["response"] is not None and res["response"]["status_code"] == 200
                report.ok += good
                report.failed += not good
                out.write(json.dumps(res, ensure_ascii=False) + "\n")
            if on_done:
                on_done(res)

        for f in [pool.submit(one, n, line) for n, line in enumerate(lines, 1)]:
            f.result()
    report.seconds = time.monotonic() - t0
    return report
