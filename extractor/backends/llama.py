"""In-process llama.cpp backend (llama-cpp-python, the `local` extra).

Output is grammar-constrained to the group's JSON schema. instructor runs in TOOLS mode, but
the forced tool call is served here as `response_format={"type": "json_object", "schema": ...}`:
the same grammar, without chat templates (Qwen's, for one) pasting the whole tool schema into
the prompt, which costs seconds of prompt processing per call on a CPU.
"""
from __future__ import annotations

import copy
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from extractor.backends.base import GroupOutput, GroupTask
from extractor.backends.llm import build_messages, extract_group, patched_create, quote_choices

INSTALL_HINT = ("the llama backend needs llama-cpp-python, built for these CPUs by "
                "`.ci/install_local.sh PIP` (a plain `pip install -e '.[local]'` compiles with "
                "native flags, which crash on CPUs that advertise AMX)")
RETRY_RESERVE = 400     # tokens for instructor's reask text on a validation retry


def _import_llama():
    # llama.cpp is built with OpenMP; its default busy-waiting made a group ~3x slower (106 s
    # vs 37 s) when the CPU was shared with other processes. Must be set before the library loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError as e:
        raise ImportError(f"{INSTALL_HINT} ({e})") from None
    return llama_cpp


def default_threads() -> int:
    """CPU threads for llama.cpp: the cores not already busy with other work.

    llama.cpp's threads meet at a barrier after every operation, so a thread that shares its
    core with another busy process stalls all of them: on 2 cores with one busy neighbour,
    2 threads took 98 s for a group that 1 thread did in 29 s.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        busy = round(os.getloadavg()[0])
    except OSError:
        busy = 0
    return max(1, min(cores or 1, (cores or 1) - busy))


def restrict_quotes(schema: dict, choices: list[str]) -> dict:
    """A copy of the answer schema whose quote strings must be one of `choices`."""
    schema = copy.deepcopy(schema)
    for node in [schema, *schema.get("$defs", {}).values()]:
        props = node.get("properties", {})
        if "quote" in props and "value" in props:
            props["quote"] = {"type": "string", "enum": choices}
    return schema


class LlamaBackend:
    name = "llama"

    def __init__(self, model_path: str | os.PathLike, n_ctx: int = 8192,
                 n_threads: int | None = None, max_tokens: int = 1024, temperature: float = 0.0,
                 seed: int = 0, n_batch: int = 512, verbose: bool = False,
                 ground_quotes: bool = False):
        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        llama_cpp = _import_llama()
        import instructor

        self.model = path.name
        self.model_path = path
        self.n_ctx = n_ctx
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self.n_threads = n_threads or default_threads()
        # ground_quotes: the grammar only allows quotes that are sentences of the passages.
        # Small models otherwise invent fluent quotes the verifier rejects; with it they pick
        # real but often irrelevant sentences, whose values may then pass verification. Off by
        # default: an unknown is better than a plausible wrong value.
        self.ground_quotes = ground_quotes
        self._llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=self.n_threads,
                                    n_threads_batch=self.n_threads, n_batch=n_batch, seed=seed,
                                    verbose=verbose)
        # One model, one context: concurrent extract() calls take turns.
        self._lock = threading.Lock()
        self._create = patched_create(self._chat, instructor.Mode.TOOLS, flatten=True)

    @property
    def settings(self) -> dict[str, Any]:
        return {"n_ctx": self.n_ctx, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "seed": self.seed,
                "ground_quotes": self.ground_quotes}

    def _chat(self, *, messages, tools=None, tool_choice=None, model=None, **kwargs):
        """An OpenAI-style create(): a forced tool call is answered through a schema grammar."""
        from openai.types.chat import ChatCompletion

        choices = kwargs.pop("quote_choices", None)
        tool = None
        if tools and isinstance(tool_choice, dict):
            name = tool_choice["function"]["name"]
            tool = next(t["function"] for t in tools if t["function"]["name"] == name)
            schema = tool["parameters"]
            if choices:
                schema = restrict_quotes(schema, choices)
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._lock:
            # No reset(): llama-cpp-python reuses the KV cache of the longest common token
            # prefix, so a validation retry (same prompt + the reask turns) skips re-reading
            # the passages, which is most of the cost of a call on a CPU.
            resp = self._llm.create_chat_completion(messages=messages, seed=self.seed, **kwargs)
        if tool is not None:
            for choice in resp["choices"]:
                msg = choice["message"]
                msg["tool_calls"] = [{"id": "call_0", "type": "function", "function": {
                    "name": tool["name"], "arguments": msg.get("content") or ""}}]
                msg["content"] = None
        resp["model"] = self.model
        return ChatCompletion.model_validate(resp)

    def _fit(self, task: GroupTask) -> GroupTask:
        """Drop the lowest-ranked passages until prompt + answer fit the context window.

        Room is kept for a validation retry, which appends the first answer (<= max_tokens)
        and the reasons (RETRY_RESERVE) before the second answer.
        """
        budget = self.n_ctx - 2 * self.max_tokens - RETRY_RESERVE - 64   # 64: chat template
        passages = list(task.passages)
        while True:
            t = replace(task, passages=passages)
            text = build_messages(t)[0]["content"]
            n = len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
            if n <= budget:
                return t
            if len(passages) > 1:
                passages.pop()
            else:   # one passage alone is too long: keep its head (a quote is any substring)
                p = passages[0]
                keep = max(200, int(len(p.text) * budget / n) - 200)
                if keep >= len(p.text):
                    return t
                passages = [replace(p, text=p.text[:keep])]

    def extract(self, task: GroupTask) -> GroupOutput:
        task = self._fit(task)
        request: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.ground_quotes:
            request["quote_choices"] = quote_choices(task.passages)
        return extract_group(self._create, task, **request)
