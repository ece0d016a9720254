"""The base class every extraction backend subclasses, and the shared types it works with.

Backends never touch the database and never verify: they turn one GroupTask (a document's
retrieved passages for one field group) into candidate values with quotes. The core
(extractor.extract) verifies every candidate and stores the result.

A backend declares its request settings as a Pydantic `Options` model. The CLI builds a flag
for each option (`--base-url` for `base_url`), the run stores them (`runs.settings`) and the
result cache is keyed by those that change answers; an option marked `secret` (an API key) is
none of these. Backends are found by name through the `methex.backends` entry points
(extractor.backends.registry).

The core types live in extractor.core; they are re-exported here so `from
extractor.backends.base import Candidate` keeps working.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from extractor.backends.retry import RetryPolicy, call_with_retries, classify
from extractor.core import (BackendError, CallStats, Candidate, Fault,  # noqa: F401 (re-exported)
                            GroupOutput, GroupTask, Passage)
from extractor.retrieve import DEFAULT_TOP_K

T = TypeVar("T")


def option(default: Any = None, description: str = "", *, keyed: bool = True,
           secret: bool = False, **constraints: Any) -> Any:
    """A field of a backend's Options. keyed=False: the option does not change answers (a
    timeout, a thread count), so it is stored with the run but not part of the cache key.
    secret=True: never stored, keyed, printed or offered as a flag (set it from the
    environment or methex.toml)."""
    return Field(default, description=description, exclude=secret, repr=not secret,
                 json_schema_extra={"keyed": keyed and not secret, "secret": secret},
                 **constraints)


def _extra(field: Any) -> dict:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def is_secret(field: Any) -> bool:
    return bool(_extra(field).get("secret"))


def is_keyed(field: Any) -> bool:
    return _extra(field).get("keyed", True) and not is_secret(field)


class Backend:
    """Subclass, set `name`, declare `Options`, implement `extract`.

    `model` is the model identifier stored with every result ("-" when there is none).
    """

    name: ClassVar[str] = ""
    model: str = "-"
    # Passages per group when the user gives no --top-k (None: every usable chunk).
    default_top_k: ClassVar[int | None] = DEFAULT_TOP_K
    # Whether task.hints (the rules extractor's verified candidates) are read: --hints
    # computes them only for backends that use them.
    uses_hints: ClassVar[bool] = False

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    options: BaseModel

    def __init__(self, options: BaseModel | dict | None = None, **values: Any):
        given = options.model_dump() if isinstance(options, BaseModel) else dict(options or {})
        self.options = self.Options.model_validate({**given, **values})

    @classmethod
    def from_options(cls, options: BaseModel) -> Backend:
        """Build the backend from validated Options (what the registry and the CLI call)."""
        return cls(options)

    @classmethod
    def missing_requirement(cls) -> str | None:
        """What this backend needs that this Python lacks, and how to install it ("foo, which
        is not installed ..."), or None. Checked before any work is done."""
        return None

    # --- the work ----------------------------------------------------------------------------

    def extract(self, task: GroupTask) -> GroupOutput:
        raise NotImplementedError(f"{type(self).__name__} does not implement extract()")

    def extract_many(self, tasks: Sequence[GroupTask]) -> list[GroupOutput | BackendError]:
        """Every task's output, in order; a task that fails gives its BackendError instead, so
        one failure does not cost the batch. The one entry run_extraction calls: this default
        gets one task at a time (each unit is stored as soon as it is done); a backend that can
        batch requests overrides it and gets all units of a paper at once."""
        out: list[GroupOutput | BackendError] = []
        for task in tasks:
            try:
                out.append(self.extract(task))
            except BackendError as e:
                out.append(e)
        return out

    # --- faults ------------------------------------------------------------------------------

    def classify_error(self, exc: BaseException) -> Fault:
        """Is this failure worth another try, and after how long at the least? The default
        knows timeouts, dropped connections and the openai/instructor exceptions; a backend
        for another provider adds its own rate-limit and server errors."""
        for e in _chain(exc):
            if isinstance(e, TimeoutError):
                return Fault("timeout", True)
            if isinstance(e, ConnectionError):
                return Fault("connection", True)
        return classify(exc)

    @property
    def retry(self) -> RetryPolicy:
        """How often and how long a call is retried (defaults from the settings)."""
        policy = getattr(self, "_retry", None)
        if policy is None:
            policy = self._retry = RetryPolicy.from_env()
        return policy

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        self._retry = policy

    def with_retries(self, attempt: Callable[[float], T], label: str = "", *,
                     retry_answers: bool = True) -> T:
        """Run attempt(seconds_left) under this backend's retry policy, faults classified by
        classify_error; interrupt() stops waiting. The result needs a `calls` list."""
        return call_with_retries(attempt, self.retry, label, cancel=self._stop_event,
                                 retry_answers=retry_answers, classify=self.classify_error)

    @property
    def _stop_event(self) -> threading.Event:
        event = getattr(self, "_stop", None)
        if event is None:
            event = self._stop = threading.Event()
        return event

    def interrupt(self) -> None:
        """Ctrl-C: requests in flight finish, but no retry waits or starts after this."""
        self._stop_event.set()

    def preflight(self) -> str | None:
        """Why this backend cannot serve a run (an unreachable endpoint, a refused key), asked
        once before the first unit; None when it can. Local backends always can."""
        return None

    # --- what is stored with results --------------------------------------------------------

    @property
    def prompt_hash(self) -> str:
        """Hash of the prompt template the backend renders ("-" for backends without one)."""
        return "-"

    @property
    def settings(self) -> dict[str, Any]:
        """Request settings stored with the run: every option except `model` (stored on its
        own) and secrets."""
        return {k: v for k, v in self.options.model_dump(mode="json").items() if k != "model"}

    @property
    def cache_settings(self) -> dict[str, Any]:
        """The settings that change answers: part of the cache key of every result."""
        fields = type(self.options).model_fields
        return {k: v for k, v in self.settings.items() if k in fields and is_keyed(fields[k])}


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
