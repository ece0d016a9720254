"""In-process llama.cpp backend (llama-cpp-python, the `local` extra).

One request per field (extractor.backends.llm). Output is grammar-constrained to the answer's
JSON schema, sentence numbers included. instructor runs in TOOLS mode, but the forced tool
call is served here as `response_format={"type": "json_object", "schema": ...}`: the same
grammar, without chat templates (Qwen's, for one) pasting the whole tool schema into the
prompt, which costs seconds of prompt processing per call on a CPU.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from extractor.backends.base import Backend, GroupOutput, GroupTask, option
from extractor.backends.llm import (TOP_SENTENCES, LLMBackend, ask, extract_fields,
                                    patched_create)

INSTALL_HINT = ("the llama backend needs llama-cpp-python, built for these CPUs by "
                "`.ci/install_local.sh PIP` (a plain `pip install -e '.[local]'` compiles with "
                "native flags, which crash on CPUs that advertise AMX)")


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
    """CPU threads for llama.cpp: every core this process may run on.

    Subtracting the load average (as before) chose 1 thread on an idle 2-core machine, whose
    own start-up load counted as busy; 2 threads read prompts 1.9x faster (BENCHMARKS.md).
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class LlamaBackend(LLMBackend):
    name = "llama"

    class Options(Backend.Options):
        model: str | None = option(None, "a .gguf path or installed model name (see `methex "
                                   "models`; default the recommended model)")
        n_ctx: int = option(4096, "context window, in tokens", ge=256)
        max_tokens: int = option(256, "longest answer, in tokens", ge=1)
        temperature: float = option(0.0, "sampling temperature", ge=0)
        seed: int = option(0, "sampling seed")
        top_sentences: int = option(TOP_SENTENCES, "sentences shown per field", ge=1)
        n_threads: int | None = option(None, "CPU threads (default: every core this process may "
                                       "use)", keyed=False, ge=1)

    def __init__(self, model_path: str | os.PathLike, n_ctx: int = 4096,
                 n_threads: int | None = None, max_tokens: int = 256, temperature: float = 0.0,
                 seed: int = 0, n_batch: int = 512, verbose: bool = False,
                 top_sentences: int = TOP_SENTENCES):
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
        # per-field prompts are a few sentences: 4096 tokens hold them and a reask with room
        self.top_sentences = top_sentences
        super().__init__(model=str(path), n_ctx=n_ctx, max_tokens=max_tokens,
                         temperature=temperature, seed=seed, top_sentences=top_sentences,
                         n_threads=self.n_threads)
        self._llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=self.n_threads,
                                    n_threads_batch=self.n_threads, n_batch=n_batch, seed=seed,
                                    verbose=verbose)
        # One model, one context: concurrent extract() calls take turns.
        self._lock = threading.Lock()
        self._create = patched_create(self._chat, instructor.Mode.TOOLS, flatten=True)

    @classmethod
    def from_options(cls, options: Options) -> LlamaBackend:
        from extractor.models import default_local_model, resolve_model
        return cls(resolve_model(options.model or default_local_model()), n_ctx=options.n_ctx,
                   n_threads=options.n_threads, max_tokens=options.max_tokens,
                   temperature=options.temperature, seed=options.seed,
                   top_sentences=options.top_sentences)

    @classmethod
    def missing_requirement(cls) -> str | None:
        import importlib.util
        import sys
        if importlib.util.find_spec("llama_cpp") is None:
            pip = Path(sys.executable).parent / "pip"
            return ("llama-cpp-python, which is not installed in this Python. Install it (a few "
                    f"minutes: it is compiled for this CPU) with:  bash .ci/install_local.sh {pip}")
        return None

    def _chat(self, *, messages, tools=None, tool_choice=None, model=None, **kwargs):
        """An OpenAI-style create(): a forced tool call is answered through a schema grammar."""
        from openai.types.chat import ChatCompletion

        tool = None
        if tools and isinstance(tool_choice, dict):
            name = tool_choice["function"]["name"]
            tool = next(t["function"] for t in tools if t["function"]["name"] == name)
            kwargs["response_format"] = {"type": "json_object", "schema": tool["parameters"]}
        with self._lock:
            # No reset(): llama-cpp-python reuses the KV cache of the longest common token
            # prefix, so a reask (same prompt + the reask turns) skips re-reading the prompt.
            resp = self._llm.create_chat_completion(messages=messages, seed=self.seed, **kwargs)
        if tool is not None:
            for choice in resp["choices"]:
                msg = choice["message"]
                msg["tool_calls"] = [{"id": "call_0", "type": "function", "function": {
                    "name": tool["name"], "arguments": msg.get("content") or ""}}]
                msg["content"] = None
        resp["model"] = self.model
        return ChatCompletion.model_validate(resp)

    def extract(self, task: GroupTask) -> GroupOutput:
        request: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature}
        return extract_fields(lambda messages, model, key: ask(
            self._create, messages, model, key, **request), task, self.top_sentences)
