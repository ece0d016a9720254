"""Backend factory: the one place that maps a backend name to its implementation.

Implementations are imported lazily so the core and the basic install never need
llama-cpp-python or a network client they do not use.
"""
from __future__ import annotations

from extractor.backends.base import Backend

BACKENDS = ("rules", "learned", "llama", "openai")
DEFAULT_BACKEND = "rules"


def make_backend(name: str, *, model: str | None = None, base_url: str | None = None,
                 mode: str | None = None, timeout: float | None = None,
                 max_retries: int | None = None, top_sentences: int | None = None) -> Backend:
    if name == "rules":
        from extractor.backends.rules import RulesBackend
        return RulesBackend()
    if name == "learned":
        from extractor.backends.learned import LearnedBackend
        return LearnedBackend(model)     # model: a trained artefact folder (default: shipped)
    if name == "llama":
        from extractor.backends.llama import LlamaBackend
        from extractor.models import default_local_model, resolve_model
        return LlamaBackend(resolve_model(model or default_local_model()),
                            **({"top_sentences": top_sentences} if top_sentences else {}))
    if name == "openai":
        from extractor.backends.openai_compat import OpenAIBackend
        if not model:
            raise ValueError("--model is required with --backend openai (e.g. gpt-4o-mini, "
                             "or the model name your Ollama/vLLM server serves)")
        from dataclasses import replace

        from extractor.backends.retry import RetryPolicy
        retry = RetryPolicy.from_env()
        if max_retries is not None:     # a flag beats $METHEX_RETRY_TRIES
            retry = replace(retry, max_tries=max_retries + 1)
        return OpenAIBackend(model, base_url=base_url, mode=mode, retry=retry,
                             **({"timeout": timeout} if timeout is not None else {}),
                             **({"top_sentences": top_sentences} if top_sentences else {}))
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")


def prompt_hash_for(backend: Backend) -> str:
    """Hash of the prompt template an LLM backend renders ("-" for backends without one)."""
    if backend.name in ("llama", "openai"):
        from extractor.backends.llm import prompt_hash
        return prompt_hash()
    return "-"
