"""Backend for OpenAI and OpenAI-compatible servers (llama_cpp.server, vLLM, ...).

The API key comes from the argument or OPENAI_API_KEY (extractor.settings) and lives only inside
the openai client: it is never logged, and `settings` (what gets stored with results and keys
the cache) does not contain it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from pydantic import SecretStr

from extractor.backends.base import Backend, Fault, GroupOutput, GroupTask, option
from extractor.backends.llm import (TOP_SENTENCES, LLMBackend, ask, extract_fields,
                                    patched_create)
from extractor.backends.retry import RetryPolicy, classify
from extractor.settings import load_settings

# Against llama_cpp.server, TOOLS / TOOLS_STRICT / FUNCTIONS are grammar-constrained and work;
# JSON_SCHEMA gets HTTP 500. OpenAI itself handles TOOLS well, so TOOLS is the default for both.
DEFAULT_MODE = "TOOLS"
MODES = ("TOOLS", "TOOLS_STRICT", "FUNCTIONS", "JSON", "MD_JSON", "JSON_SCHEMA")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
PREFLIGHT_TIMEOUT = 15.0    # seconds for the one request before a run


def is_local(base_url: str | None) -> bool:
    return bool(base_url) and (urlparse(base_url).hostname or "") in LOCAL_HOSTS


class OpenAIBackend(LLMBackend):
    name = "openai"

    class Options(Backend.Options):
        model: str | None = option(None, "the model name the endpoint serves")
        base_url: str | None = option(None, "endpoint URL, e.g. http://localhost:11434/v1 "
                                      "(default $OPENAI_BASE_URL or api.openai.com; key from "
                                      "$OPENAI_API_KEY)")
        mode: str | None = option(None, "instructor mode (tools, tools_strict, functions, json, "
                                  "md_json, json_schema; default tools)")
        temperature: float | None = option(0.0, "sampling temperature", ge=0)
        max_tokens: int = option(1024, "longest answer, in tokens", ge=1)
        top_sentences: int = option(TOP_SENTENCES, "sentences shown per field", ge=1)
        timeout: float = option(600.0, "seconds allowed per request", keyed=False, gt=0)
        max_retries: int = option(3, "retries of a failed request (timeouts, 429, 5xx, broken "
                                  "JSON) before the unit is recorded as failed", keyed=False,
                                  ge=0, le=20)
        api_key: SecretStr | None = option(None, secret=True)

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
        conf = load_settings()
        base_url = base_url or conf.openai_base_url or None
        local = is_local(base_url)
        key = api_key or (conf.openai_api_key.get_secret_value() if conf.openai_api_key else None)
        if not key:
            if not local:
                raise ValueError("no API key: set OPENAI_API_KEY (or pass api_key) for "
                                   f"{base_url or 'api.openai.com'}")
            key = "local"       # local servers ignore the key, but the client requires one
        # the resolved request settings (the key stays in the client only)
        super().__init__(model=model, base_url=base_url, mode=mode_name,
                         temperature=temperature, max_tokens=max_tokens,
                         top_sentences=top_sentences, timeout=timeout, max_retries=max_retries)
        self.model = model
        self.base_url = base_url
        self.mode = mode_name
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.temperature = temperature
        self.top_sentences = top_sentences
        # The client never retries by itself (max_retries=0): extractor.backends.retry does,
        # so every request, failed ones included, is recorded in llm_calls. `max_retries` is
        # the default number of retries; METHEX_RETRY_* settings or `retry` override it.
        self.retry = retry or RetryPolicy.from_env(RetryPolicy(max_tries=max_retries + 1))
        self._client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout,
                                     max_retries=0)
        # Local chat templates drop tool turns, so reasks are sent as plain text there.
        self._create = patched_create(self._client.chat.completions.create,
                                      getattr(instructor.Mode, mode_name), flatten=local)

    @classmethod
    def from_options(cls, options: Options) -> OpenAIBackend:
        if not options.model:
            raise ValueError("--model is required with --backend openai (e.g. gpt-4o-mini, "
                             "or the model name your Ollama/vLLM server serves)")
        retry = RetryPolicy.from_env()
        if "max_retries" in options.model_fields_set:   # a flag beats $METHEX_RETRY_TRIES
            retry = replace(retry, max_tries=options.max_retries + 1)
        key = options.api_key.get_secret_value() if options.api_key else None
        return cls(options.model, base_url=options.base_url, api_key=key, mode=options.mode,
                   timeout=options.timeout, max_retries=options.max_retries,
                   max_tokens=options.max_tokens, temperature=options.temperature,
                   retry=retry, top_sentences=options.top_sentences)

    @property
    def settings(self) -> dict[str, Any]:
        """Request settings stored with results; never includes the API key."""
        return super().settings

    def classify_error(self, exc: BaseException) -> Fault:
        return classify(exc)

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={self.base_url!r}, mode={self.mode})"

    def extract(self, task: GroupTask) -> GroupOutput:
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens}
        if self.temperature is not None:    # some hosted models reject any temperature
            request["temperature"] = self.temperature

        def send(messages, answer_model, key):
            # Transport faults are retried per request; each try's timeout is what is left
            # of the retry budget.
            return self.with_retries(
                lambda left: ask(self._create, messages, answer_model, key,
                                 timeout=max(0.1, min(self.timeout, left)), **request),
                f"{task.group.name}/{key}", retry_answers=self.temperature != 0)

        return extract_fields(send, task, self.top_sentences)

    def offline(self, transport: Any) -> OpenAIBackend:
        """A copy of this backend whose requests go to `transport` (an httpx transport) instead
        of the network, each tried once. Batch files (extractor.batch) build and answer through
        it the very requests a live run sends: same client, same instructor patch, same body."""
        import copy

        import httpx
        import instructor
        import openai
        twin = copy.copy(self)
        # no API key is needed or sent: nothing leaves the process
        twin._client = openai.OpenAI(api_key="offline", base_url=self.base_url,
                                     timeout=self.timeout, max_retries=0,
                                     http_client=httpx.Client(transport=transport))
        twin._create = patched_create(twin._client.chat.completions.create,
                                      getattr(instructor.Mode, self.mode),
                                      flatten=is_local(self.base_url))
        twin.retry = RetryPolicy(max_tries=1)
        return twin

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
