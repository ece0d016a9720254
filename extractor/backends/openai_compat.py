"""Backend for OpenAI and OpenAI-compatible servers (llama_cpp.server, vLLM, ...).

The API key comes from the argument or OPENAI_API_KEY and lives only inside the openai client:
it is never logged, and `settings` (what gets stored with results) does not contain it.
"""
from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlparse

from extractor.backends.base import GroupOutput, GroupTask
from extractor.backends.llm import TOP_SENTENCES, ask, extract_fields, patched_create
from extractor.backends.retry import RetryPolicy, call_with_retries

# Against llama_cpp.server, TOOLS / TOOLS_STRICT / FUNCTIONS are grammar-constrained and work;
# JSON_SCHEMA gets HTTP 500. OpenAI itself handles TOOLS well, so TOOLS is the default for both.
DEFAULT_MODE = "TOOLS"
MODES = ("TOOLS", "TOOLS_STRICT", "FUNCTIONS", "JSON", "MD_JSON", "JSON_SCHEMA")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
PREFLIGHT_TIMEOUT = 15.0    # seconds for the one request before a run


def is_local(base_url: str | None) -> bool:
    return bool(base_url) and (urlparse(base_url).hostname or "") in LOCAL_HOSTS


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 mode: str | None = None, timeout: float = 600.0, max_retries: int = 3,
                 max_tokens: int = 1024, temperature: float | None = 0.0,
                 retry: RetryPolicy | None = None, top_sentences: int = TOP_SENTENCES):
        try:
            import instructor
            import openai
        except ImportError as e:    # both are core dependencies; a broken install ends here
            raise ImportError(f"the openai backend needs the openai and instructor packages: {e}")
        if not model:
            raise ValueError("the openai backend needs a model name (--model)")
        mode_name = (mode or DEFAULT_MODE).upper()
        if mode_name not in MODES:
            raise ValueError(f"unknown instructor mode {mode!r}; choose one of {', '.join(MODES)}")
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        local = is_local(base_url)
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if not local:
                raise ValueError("no API key: set OPENAI_API_KEY (or pass api_key) for "
                                   f"{base_url or 'api.openai.com'}")
            key = "local"       # local servers ignore the key, but the client requires one
        self.model = model
        self.base_url = base_url
        self.mode = mode_name
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.temperature = temperature
        self.top_sentences = top_sentences
        # The client never retries by itself (max_retries=0): extractor.backends.retry does,
        # so every request, failed ones included, is recorded in llm_calls. `max_retries` is
        # the default number of retries; METHEX_RETRY_* variables or `retry` override it.
        self.retry = retry or RetryPolicy.from_env(RetryPolicy(max_tries=max_retries + 1))
        self._stop = threading.Event()      # set by interrupt(): retries stop waiting
        self._client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout,
                                     max_retries=0)
        # Local chat templates drop tool turns, so reasks are sent as plain text there.
        self._create = patched_create(self._client.chat.completions.create,
                                      getattr(instructor.Mode, mode_name), flatten=local)

    @property
    def settings(self) -> dict[str, Any]:
        """Request settings stored with results; never includes the API key."""
        return {"base_url": self.base_url, "mode": self.mode, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "top_sentences": self.top_sentences}

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={self.base_url!r}, mode={self.mode})"

    def extract(self, task: GroupTask) -> GroupOutput:
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens}
        if self.temperature is not None:    # some hosted models reject any temperature
            request["temperature"] = self.temperature

        def send(messages, answer_model, key):
            # Transport faults are retried per request; each try's timeout is what is left
            # of the retry budget.
            return call_with_retries(
                lambda left: ask(self._create, messages, answer_model, key,
                                 timeout=max(0.1, min(self.timeout, left)), **request),
                self.retry, f"{task.group.name}/{key}", cancel=self._stop,
                retry_answers=self.temperature != 0)

        return extract_fields(send, task, self.top_sentences)

    def preflight(self) -> str | None:
        """One cheap request before a run (GET /models; a 1-token completion only when the
        model is not listed, as llama.cpp serves any name). Returns why the endpoint cannot
        serve this run (unreachable, key refused, no API at the URL, unknown model), naming
        the URL, the model and what to check; None when it can, or when the answer is
        anything else (a slow or busy server is left to the run's retries)."""
        import openai
        where = self.base_url or "https://api.openai.com/v1"
        client = self._client.with_options(timeout=min(self.timeout, PREFLIGHT_TIMEOUT))

        def why(e: Exception) -> str | None:
            if isinstance(e, openai.APITimeoutError):
                return None
            if isinstance(e, openai.APIConnectionError):
                cause = e.__cause__ or e
                return (f"cannot reach {where} (model {self.model}): {type(cause).__name__}: "
                        f"{str(cause)[:200]}. Check that the server is running and that "
                        "--base-url / $OPENAI_BASE_URL names its host, port and path (…/v1)")
            if isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
                return (f"{where} refused the API key (HTTP {e.status_code}) for model "
                        f"{self.model}: check $OPENAI_API_KEY")
            return None

        try:
            served = [m.id for m in client.models.list()]
        except openai.NotFoundError:
            return (f"no OpenAI-compatible API at {where} (HTTP 404 on /models; model "
                    f"{self.model}): check --base-url (it usually ends in /v1)")
        except openai.APIError as e:
            return why(e)
        if self.model in served:
            return None
        try:
            client.chat.completions.create(model=self.model, max_tokens=1,
                                           messages=[{"role": "user", "content": "ping"}])
        except openai.NotFoundError:
            return (f"model {self.model} is not served by {where} (HTTP 404); it serves: "
                    f"{', '.join(served[:10]) or 'no model'}. Check --model")
        except openai.APIError as e:
            return why(e)
        return None

    def interrupt(self) -> None:
        """Ctrl-C: requests in flight finish, but no retry waits or starts after this."""
        self._stop.set()
