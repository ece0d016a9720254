"""Fault handling for LLM requests: classify a failure, back off, stop at a bounded budget.

One *try* is one run of the instructor call for one field of a document (its own parse
reask included, so a try sends one or two requests). A failed try is retried when the fault
is transient: timeouts, HTTP 429 (after the server's Retry-After), 408/409/5xx, dropped
connections, and answers that were not valid JSON or did not fit the schema (a fresh
request may well succeed -- but not at temperature 0, where the same request brings back the
same answer: callers pass retry_answers=False then). Faults that would repeat identically are
not retried: other 4xx (bad request, authentication, unknown model) and answers cut off at
max_tokens.

The budget is bounded twice: at most `max_tries` tries and at most `max_seconds` of wall
time (a wait that would end beyond it is not started). Every request of every try keeps its
CallStats (tokens, latency, error text), renumbered 1..n across tries, so llm_calls records
what was really spent. When the budget is spent the unit fails with BackendError(reason,
calls) and the batch goes on; `--retry-failed` reruns exactly those units later.
"""
from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from extractor.core import BackendError, CallStats, Fault

T = TypeVar("T")

# instructor logs every failed request at ERROR; with no logging configured Python prints
# them on stderr in the middle of the progress bar. llm_calls and the run summary already
# record them, so they reach only applications that configure logging themselves.
logging.getLogger("instructor").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 4            # 1 try + 3 retries per document x group
    max_seconds: float = 900.0    # wall-time budget per document x group, waits included
    base_delay: float = 2.0       # first wait; doubles each retry ...
    max_delay: float = 60.0       # ... up to this (a server's Retry-After may ask for more)
    jitter: float = 0.2           # +-20 % so N workers do not retry in lock step

    def __post_init__(self):
        if self.max_tries < 1:
            raise ValueError(f"max_tries must be at least 1, not {self.max_tries}")
        if self.max_seconds <= 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("retry seconds and delays must be positive")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), not {self.jitter}")

    @classmethod
    def from_env(cls, base: RetryPolicy | None = None,
                 environ: dict[str, str] | None = None) -> RetryPolicy:
        """`base` with the retry settings applied: METHEX_RETRY_TRIES / _SECONDS / _BASE_DELAY /
        _MAX_DELAY, or retry_* in methex.toml (extractor.settings). With `environ`, only that
        mapping is read (no file)."""
        from extractor.settings import load_settings
        s = load_settings(environ) if environ is None else load_settings(environ, toml=None)
        names = {"max_tries": s.retry_tries, "max_seconds": s.retry_seconds,
                 "base_delay": s.retry_base_delay, "max_delay": s.retry_max_delay}
        return replace(base or cls(), **{k: v for k, v in names.items() if v is not None})

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Wait before retry number `retry` (1-based): base * 2^(retry-1), capped, jittered."""
        d = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        if self.jitter and d:
            d *= 1 + self.jitter * (2 * (rng or random).random() - 1)
        return d


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def parse_retry_after(headers, now: float | None = None) -> float | None:
    """Seconds from Retry-After (delta seconds or HTTP date) or retry-after-ms; None if absent."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def classify(exc: BaseException) -> Fault:
    """What kind of fault ended a try, found anywhere in its exception chain."""
    import openai
    from pydantic import ValidationError as PydanticValidationError
    try:
        from instructor.core.exceptions import (IncompleteOutputException,
                                                InstructorRetryException)
    except ImportError:     # instructor is a core dependency; keep classification usable
        IncompleteOutputException = InstructorRetryException = ()  # type: ignore

    chain = list(_chain(exc))
    for e in chain:
        if IncompleteOutputException and isinstance(e, IncompleteOutputException):
            return Fault("fatal", False)        # cut at max_tokens: the same would happen again
        if isinstance(e, openai.APITimeoutError):
            return Fault("timeout", True)
        if isinstance(e, openai.APIConnectionError):
            return Fault("connection", True)
        if isinstance(e, openai.APIStatusError):
            code = e.status_code
            after = parse_retry_after(getattr(e.response, "headers", None))
            if code == 429:
                return Fault("rate_limit", True, after)
            if code >= 500 or code in (408, 409):
                return Fault("server", True, after)
            return Fault("fatal", False)        # 400/401/403/404/422: would fail again
        if isinstance(e, openai.APIResponseValidationError):
            return Fault("answer", True)        # a body that is not what the API promises
        if isinstance(e, (json.JSONDecodeError, PydanticValidationError)):
            return Fault("answer", True)
    for e in chain:
        if InstructorRetryException and isinstance(e, InstructorRetryException) and \
                getattr(e, "failed_attempts", None):
            return Fault("answer", True)        # every reask answered unparseable output
    return Fault("fatal", False)                 # unknown: a bug is not fixed by retrying


def _numbered(calls: list[CallStats], start: int) -> list[CallStats]:
    return [replace(c, attempt=start + i) for i, c in enumerate(calls)]


class _Stopped(BackendError):
    """Ctrl-C (the cancel event) ended the retries; never retried itself."""


def call_with_retries(attempt: Callable[[float], T], policy: RetryPolicy,
                      label: str = "",
                      *, sleep: Callable[[float], None] | None = None,
                      clock: Callable[[], float] = time.monotonic,
                      cancel: threading.Event | None = None,
                      retry_answers: bool = True,
                      classify: Callable[[BaseException], Fault] = classify) -> T:
    """Run `attempt(seconds_left)` (one try) until it succeeds or the budget is spent. A try
    should not outlive seconds_left (the openai backend makes it its request timeout), so
    max_seconds bounds the whole unit, not only the waits. Tenacity drives the loop; `classify`
    (a backend's classify_error) decides what is retried and how long to wait at the least.

    Returns the result of the successful try (anything with a `calls` list: a GroupOutput, a
    Reply) with the CallStats of all tries; raises BackendError(reason, all CallStats)
    otherwise. `cancel` (if set while waiting) ends the wait and the retries at once.
    retry_answers=False: an answer that did not parse (after instructor's reask) ends the unit
    instead of starting an identical fresh try.
    """
    calls: list[CallStats] = []
    t0 = clock()
    prefix = f"{label}: " if label else ""
    faults: list[Fault] = []            # of the last failed try
    last: list[str] = [""]              # its message
    pause: list[float] = [0.0]          # the wait chosen after it

    def one_try() -> T:
        if cancel is not None and cancel.is_set() and calls:
            raise _Stopped(f"{prefix}stopped before retrying", list(calls))
        try:
            return attempt(policy.max_seconds - (clock() - t0))
        except Exception as e:
            if isinstance(e, BackendError):
                msg, tried = str(e), e.calls
            else:                       # a provider's own exception, unwrapped
                msg, tried = f"{prefix}{type(e).__name__}: {e}"[:500], []
            calls.extend(_numbered(tried or [CallStats(error=msg[:500])], len(calls) + 1))
            faults[:], last[0] = [classify(e)], msg
            raise BackendError(msg, list(calls)) from e

    def should_retry(exc: BaseException) -> bool:
        if isinstance(exc, _Stopped) or not isinstance(exc, BackendError) or not faults:
            return False
        fault = faults[0]
        return fault.retryable and not (fault.kind == "answer" and not retry_answers)

    def wait_for(state: RetryCallState) -> float:
        wait = policy.backoff(state.attempt_number)
        if faults and faults[0].retry_after is not None:    # the server knows best
            wait = max(wait, faults[0].retry_after)
        pause[0] = wait
        return wait

    def spent(state: RetryCallState) -> bool:
        return state.attempt_number >= policy.max_tries or \
            clock() - t0 + pause[0] > policy.max_seconds

    def give_up(state: RetryCallState) -> T:
        e = state.outcome.exception()
        n, elapsed, msg = state.attempt_number, clock() - t0, str(e)
        if n >= policy.max_tries:
            raise BackendError(f"{msg} (gave up: {n} tries in {elapsed:.1f} s)", list(calls)) \
                from e.__cause__
        raise BackendError(
            f"{msg} (gave up after {n} tries in {elapsed:.1f} s: a {pause[0]:.1f} s wait "
            f"would pass the retry budget of {policy.max_seconds:g} s)", list(calls)) \
            from e.__cause__

    def pause_or_stop(seconds: float) -> None:
        if cancel is None:
            (sleep or time.sleep)(seconds)
        elif cancel.wait(seconds):
            raise _Stopped(f"{prefix}stopped while waiting to retry: {last[0]}", list(calls))

    # A try that is not retried ends the unit with its own error (and every try's calls).
    out = Retrying(retry=retry_if_exception(should_retry), wait=wait_for, stop=spent,
                   sleep=pause_or_stop, retry_error_callback=give_up)(one_try)
    out.calls = calls + _numbered(out.calls, len(calls) + 1)
    return out
