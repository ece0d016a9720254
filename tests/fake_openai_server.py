"""A real HTTP server speaking the OpenAI chat-completions protocol, for robustness tests.

Not a mock of the client: the real openai client (through instructor, TOOLS mode) talks HTTP
to it. Each POST /v1/chat/completions asks about one field over numbered sentences (S1..Sn) and
is answered with one tool call {"answers": [{"sentence", "value"}]}, built from a
responder(fields, sentences) -> {field: [{"quote", "value"}]}: each quote becomes the number of
the sentence holding it. The default responder quotes sentences that contain known terms, so
its answers verify. Faults are injected on demand from a FIFO queue (one fault per request):

  timeout        sleep `timeout_sleep` s (beyond the client's timeout), then hang up
  429            HTTP 429 with Retry-After: `retry_after`
  500 / 503      HTTP error with an OpenAI-style error body
  400            a request error (must not be retried)
  reset          close the socket without any response (RST)
  bad_body       HTTP 200 whose body is not JSON
  invalid_json   a tool call whose arguments are not JSON
  truncated      a tool call whose arguments JSON is cut in half (finish_reason "stop")
  length         a cut-off answer (finish_reason "length")
  bad_quote      a value its sentence does not contain (the verifier rejects it)

Run standalone (for the kill -9 test's subprocesses and the benchmark):
  python tests/fake_openai_server.py --latency 0.2 --port-file PATH
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest

# Terms the default responder looks for, per field key (of schemas/dl_methodology.yaml).
TERMS: dict[str, list[str]] = {
    "frameworks": ["PyTorch", "TensorFlow", "JAX", "Keras", "scikit-learn"],
    "optimizer": ["AdamW", "Adam", "SGD", "RMSprop"],
    "hardware": ["NVIDIA A100", "NVIDIA V100", "RTX 3090", "TPU"],
    "model_architecture": ["ResNet-50", "U-Net", "transformer", "LSTM", "random forest"],
    "datasets": ["ImageNet", "CIFAR-10", "MNIST"],
    "augmentation": ["random cropping", "horizontal flips", "colour jitter"],
    "regularization": ["dropout", "weight decay"],
    "stopping_criteria": ["early stopping"],
    "code_repository_platform": ["GitHub", "GitLab"],
}

FAULTS = ("timeout", "429", "500", "503", "400", "reset", "bad_body", "invalid_json",
          "truncated", "length", "bad_quote")

_SENTENCE_LINE = re.compile(r"^S(\d+): (.*)$", re.M)
_FIELD_LINE = re.compile(r"^FIELD: (\S+)", re.M)
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\d))+(?:[.!?]|$)")   # "0.001" does not end one


def question_of(messages: list[dict]) -> tuple[str | None, list[str]]:
    """The field key and the numbered sentences of the first user message (later turns are
    reasks)."""
    for m in messages:
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            key = _FIELD_LINE.search(m["content"])
            return (key.group(1) if key else None,
                    [t.strip() for _, t in _SENTENCE_LINE.findall(m["content"])])
    return None, []


def grounded_answer(fields: list[str], passages: list[str]) -> dict[str, list[dict]]:
    """For each field, up to 4 (term, sentence) pairs where a passage sentence names the term."""
    out: dict[str, list[dict]] = {f: [] for f in fields}
    for f in fields:
        seen = set()
        for p in passages:
            for s in _SENTENCE.findall(p):
                sentence = s.strip()
                for term in TERMS.get(f, []):
                    m = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", sentence)
                    if not m or term in seen or len(sentence) < 8:
                        continue
                    quote = sentence
                    if len(quote) > 300:    # a run-on "sentence": quote a window of words
                        a = sentence.rfind(" ", 0, max(0, m.start() - 60)) + 1
                        b = sentence.find(" ", m.end() + 60)
                        quote = sentence[a:b if b > 0 else len(sentence)].strip()
                    seen.add(term)
                    out[f].append({"quote": quote, "value": term})
        out[f] = out[f][:4]
    return out


# --- fixture papers (written for these tests, not taken from any paper) ----------------------

_ARCH = ["ResNet-50", "U-Net", "LSTM", "transformer", "random forest"]
_DATA = ["ImageNet", "CIFAR-10", "MNIST"]
_FW = ["PyTorch", "TensorFlow", "JAX", "Keras"]
_OPT = ["Adam", "SGD", "RMSprop", "AdamW"]
_HW = ["NVIDIA A100", "NVIDIA V100", "RTX 3090", "TPU"]


def paper_text(i: int) -> str:
    """A short, deterministic methods-style paper; paper i differs from paper i+1."""
    a, d, f, o, h = (_ARCH[i % 5], _DATA[i % 3], _FW[i % 4], _OPT[(i // 2) % 4],
                     _HW[(i // 3) % 4])
    return (
        f"Counting reed warblers from field recordings, study {i}\n\n"
        "Abstract\n\n"
        f"We describe a detector for bird song in long field recordings (study number {i}). "
        "It reaches a high recall on held-out sites while staying cheap to run.\n\n"
        "Methods\n\n"
        f"The detector is a {a} trained on spectrogram crops, with weights first learnt on "
        f"{d}. All models were implemented with the {f} library and trained with the {o} "
        f"optimizer at a "
        f"learning rate of 0.00{i % 9 + 1} and a batch size of {16 * (i % 4 + 1)}. "
        f"Training ran on one {h} card and used early stopping once the validation loss had "
        f"not improved for {i % 5 + 3} epochs. We applied dropout of 0.{i % 5 + 1} before "
        "the last layer.\n\n"
        "Data augmentation used random cropping and horizontal flips of the spectrograms. "
        "Recordings from two sites were held out for testing.\n\n"
        "Availability\n\n"
        f"The code is available on GitHub under an open licence (release {i}).\n")


def write_papers(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = folder / f"paper{i:03d}.txt"
        p.write_text(paper_text(i), encoding="utf-8")
        paths.append(p)
    return paths


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:   # quiet
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps({"error": {"message": message, "type": "fake",
                                               "code": code}}).encode(), headers)

    def _refused(self) -> bool:
        """401 without the expected key; the configured status for GET /models."""
        fake = self.server.fake
        if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._error(401, "Incorrect API key provided")
            return True
        return False

    def do_GET(self) -> None:
        if self._refused():
            return
        if self.server.fake.models_status:
            self._error(self.server.fake.models_status, f"fake /models {self.server.fake.models_status}")
            return
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": self.server.fake.model, "object": "model", "owned_by": "fake"}]}).encode())
        else:
            self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}")
            return
        if self._refused():
            return
        try:
            req = json.loads(raw)
        except ValueError:
            self._error(400, "request body is not JSON")
            return
        if fake.strict_model and req.get("model") != fake.model:
            self._error(404, f"The model `{req.get('model')}` does not exist")
            return
        if not (isinstance(req, dict) and req.get("tools")):
            self._error(400, "this fake server answers only in tool-call format (instructor "
                             "TOOLS mode): the request has no `tools`")
            return
        fault = fake._next(req)
        fake.authorizations.append(self.headers.get("Authorization"))
        try:
            self._answer(fake, req, fault)
        finally:
            fake._done()

    def _answer(self, fake: "FakeOpenAI", req: dict, fault: str | None) -> None:
        if fake.latency:
            time.sleep(fake.latency)
        if fault == "timeout":
            time.sleep(fake.timeout_sleep)
            self.close_connection = True
            return
        if fault == "reset":
            # SO_LINGER 0: close sends RST, so the client sees a reset, not a clean EOF
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault == "429":
            self._error(429, "rate limited", {"Retry-After": f"{fake.retry_after:g}"})
            return
        if fault in ("500", "503", "400"):
            self._error(int(fault), fake.error_text or f"fake fault {fault}")
            return
        if fault == "bad_body":
            self._send(200, b"<html>upstream proxy error</html>")
            return
        self._send(200, json.dumps(fake.completion(req, fault)).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True          # a handler sleeping in a `timeout` fault never blocks stop()
    block_on_close = False
    fake: "FakeOpenAI"

    def handle_error(self, request, client_address) -> None:
        import sys
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return      # a client killed or timed out mid-answer: expected in these tests
        super().handle_error(request, client_address)


class FakeOpenAI:
    """Start with .start() (or `with FakeOpenAI() as s:`); .base_url for the client."""

    def __init__(self, responder: Callable[[list[str], list[str]], dict] | None = None,
                 latency: float = 0.0, model: str = "fake-model", timeout_sleep: float = 3.0,
                 retry_after: float = 1.0, prompt_tokens: int | None = None,
                 completion_tokens: int = 42):
        self.responder = responder or grounded_answer
        self.latency, self.model = latency, model
        self.timeout_sleep, self.retry_after = timeout_sleep, retry_after
        self.prompt_tokens, self.completion_tokens = prompt_tokens, completion_tokens
        self.error_text: str | None = None      # message of HTTP error faults
        self.api_key: str | None = None         # set: requests without it get HTTP 401
        self.models_status: int | None = None   # set: GET /models answers this HTTP status
        self.strict_model = False               # True: chat for another model gets 404
        self._faults: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self.requests: list[dict] = []          # every chat request received, in order
        self.authorizations: list[str | None] = []  # each request's Authorization header
        self.served: list[str] = []             # fault (or "ok") per request
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------
    def fail(self, *faults: str) -> "FakeOpenAI":
        """Queue faults; each one is served to the next request instead of a good answer."""
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; choose from {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend(faults)
        return self

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _next(self, req: dict) -> str | None:
        with self._lock:
            self.requests.append(req)
            fault = self._faults.popleft() if self._faults else None
            self.served.append(fault or "ok")
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return fault

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # -- answers ---------------------------------------------------------------------------
    def completion(self, req: dict, fault: str | None) -> dict:
        name = req["tools"][0]["function"]["name"]
        key, sentences = question_of(req.get("messages") or [])
        answers = []
        for a in self.responder([key], sentences).get(key, []) if key else []:
            at = next((i for i, s in enumerate(sentences, 1) if a["quote"] in s), None)
            if at:
                answers.append({"sentence": at, "value": a["value"]})
        if fault == "bad_quote":
            answers = [{"sentence": 1, "value": "invented"}]
        args = json.dumps({"answers": answers})
        if fault == "invalid_json":
            args = "Sure! Here are the values: frameworks = PyTorch"
        elif fault in ("truncated", "length"):
            args = args[:max(1, len(args) // 2)]
        prompt = sum(len(str(m.get("content") or "")) for m in req.get("messages") or []) // 4
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": req.get("model", self.model),
            "choices": [{"index": 0, "finish_reason": "length" if fault == "length" else "stop",
                         "message": {"role": "assistant", "content": None, "tool_calls": [
                             {"id": "call_1", "type": "function",
                              "function": {"name": name, "arguments": args}}]}}],
            "usage": {"prompt_tokens": self.prompt_tokens or max(1, prompt),
                      "completion_tokens": self.completion_tokens,
                      "total_tokens": (self.prompt_tokens or max(1, prompt))
                      + self.completion_tokens}}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, port: int = 0) -> "FakeOpenAI":
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--max-seconds", type=float, default=600.0,
                    help="exit after this long at the latest (bounded test helper)")
    ap.add_argument("--fail", default="", help=f"comma-separated faults to serve first "
                    f"({', '.join(FAULTS)})")
    args = ap.parse_args()
    srv = FakeOpenAI(latency=args.latency).start(args.port)
    srv.fail(*[f.strip() for f in args.fail.split(",") if f.strip()])
    if args.port_file:
        tmp = Path(args.port_file + ".tmp")
        tmp.write_text(str(srv.port))
        tmp.replace(args.port_file)
    print(f"listening on {srv.base_url}", flush=True)
    try:
        time.sleep(args.max_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


if __name__ == "__main__":
    main()


@pytest.fixture(name="server")
def metered_server():
    """A started FakeOpenAI whose every answer counts 100 prompt and 42 completion tokens (so
    cost and budget figures can be computed by hand); import it into a test module as `server`."""
    s = FakeOpenAI(prompt_tokens=100, completion_tokens=42).start()
    try:
        yield s
    finally:
        s.stop()

