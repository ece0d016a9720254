"""The Backend base class: classify_error drives retries (a provider's own rate-limit
exception), extract_many, options that are stored, keyed or secret."""
from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from extractor.backends.base import (Backend, BackendError, CallStats, Candidate, Fault,
                                     GroupOutput, GroupTask, Passage, option)
from extractor.backends.retry import RetryPolicy
from extractor.schemas.catalog import load_schema

FAST = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.05, max_seconds=10, jitter=0)
TEXT = "The model was implemented in PyTorch."


class ProviderRateLimited(Exception):
    """Another provider SDK's own 429: methex's openai classification does not know it."""

    def __init__(self, retry_in: float):
        super().__init__(f"slow down for {retry_in} s")
        self.retry_in = retry_in


class FlakyProvider:
    def __init__(self, rate_limited: int):
        self.rate_limited, self.requests = rate_limited, []

    def complete(self, prompt: str) -> str:
        self.requests.append(time.monotonic())
        if len(self.requests) <= self.rate_limited:
            raise ProviderRateLimited(0.3)
        return "PyTorch"


class ProviderBackend(Backend):
    name = "provider"

    def __init__(self, provider: FlakyProvider):
        super().__init__()
        self.provider = provider
        self.retry = FAST

    def extract(self, task: GroupTask) -> GroupOutput:
        def attempt(seconds_left: float) -> GroupOutput:
            value = self.provider.complete(task.passages[0].text)
            return GroupOutput([Candidate("frameworks", value, TEXT)],
                               [CallStats(field="frameworks", output=value)])
        return self.with_retries(attempt, task.group.name)


class KnowsItsProvider(ProviderBackend):
    def classify_error(self, exc: BaseException) -> Fault:
        if isinstance(exc, ProviderRateLimited):
            return Fault("rate_limit", True, retry_after=exc.retry_in)
        return super().classify_error(exc)


def task(doc_id: str = "d") -> GroupTask:
    group = next(g for g in load_schema().groups if "frameworks" in [f.key for f in g.fields])
    return GroupTask(doc_id, group, [Passage(1, TEXT, 0, None)])


def test_a_providers_own_rate_limit_is_retried_through_classify_error():
    provider = FlakyProvider(rate_limited=1)
    out = KnowsItsProvider(provider).extract(task())
    assert [c.value for c in out.candidates] == ["PyTorch"]
    # both requests are recorded, the failed one with the provider's error
    assert [(c.attempt, c.output) for c in out.calls] == [(1, None), (2, "PyTorch")]
    assert "ProviderRateLimited: slow down" in out.calls[0].error
    # the provider's delay was honoured, not the policy's 0.01 s backoff
    assert provider.requests[1] - provider.requests[0] >= 0.3


def test_without_classify_error_the_same_exception_is_fatal():
    provider = FlakyProvider(rate_limited=1)
    with pytest.raises(BackendError, match="ProviderRateLimited") as e:
        ProviderBackend(provider).extract(task())
    assert len(provider.requests) == 1 and len(e.value.calls) == 1


def test_rate_limits_beyond_the_tries_give_up_with_every_call():
    provider = FlakyProvider(rate_limited=5)
    with pytest.raises(BackendError, match=r"gave up: 3 tries") as e:
        KnowsItsProvider(provider).extract(task())
    assert [c.attempt for c in e.value.calls] == [1, 2, 3] and len(provider.requests) == 3


def test_interrupt_stops_a_backend_waiting_to_retry():
    be = KnowsItsProvider(FlakyProvider(rate_limited=1))
    be.retry = RetryPolicy(max_tries=3, base_delay=30, max_seconds=100, jitter=0)
    be.interrupt()      # set before the wait: the 30 s wait ends at once
    t0 = time.monotonic()
    with pytest.raises(BackendError, match="stopped while waiting to retry"):
        be.extract(task())
    assert time.monotonic() - t0 < 5


def test_extract_many_loops_and_keeps_going_past_a_failure():
    class Picky(Backend):
        name = "picky"

        def extract(self, t: GroupTask) -> GroupOutput:
            if t.doc_id == "bad":
                raise BackendError("no", [CallStats(error="no")])
            return GroupOutput([Candidate("frameworks", "PyTorch", TEXT)])

    out = Picky().extract_many([task("a"), task("bad"), task("c")])
    assert isinstance(out[0], GroupOutput) and isinstance(out[2], GroupOutput)
    assert isinstance(out[1], BackendError) and out[1].calls[0].error == "no"


class Optioned(Backend):
    name = "optioned"

    class Options(Backend.Options):
        model: str | None = option(None, "the model")
        base_url: str | None = option(None, "where")
        temperature: float = option(0.0, "sampling")
        timeout: float = option(60.0, "seconds", keyed=False)
        api_key: SecretStr | None = option(None, secret=True)


def test_options_stored_keyed_and_secret():
    be = Optioned(model="m", base_url="http://x", api_key="sk-secret", timeout=5)
    assert be.options.api_key.get_secret_value() == "sk-secret"
    assert be.settings == {"base_url": "http://x", "temperature": 0.0, "timeout": 5.0}
    assert be.cache_settings == {"base_url": "http://x", "temperature": 0.0}
    assert "sk-secret" not in repr(be.options) and "sk-secret" not in str(be.settings)
    with pytest.raises(ValueError, match="extra"):
        Optioned(temprature=1)      # a typo is an error, not a silently unused option


def test_openai_backend_options_exclude_the_key_and_key_the_endpoint(monkeypatch):
    from extractor.backends.registry import make_backend
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    a = make_backend("openai", model="m", base_url="http://localhost:1/v1", timeout=5)
    b = make_backend("openai", model="m", base_url="http://localhost:2/v1", timeout=9)
    assert a.cache_settings != b.cache_settings
    assert {**a.cache_settings, "base_url": None} == {**b.cache_settings, "base_url": None}
    assert "timeout" not in a.cache_settings and a.settings["timeout"] == 5
    assert "sk-secret" not in str(a.settings) + repr(a.options)
    assert a.prompt_hash != "-" and a.uses_hints and a.default_top_k is not None
    rules = make_backend("rules")
    assert rules.extract(task()).candidates[0].value == "PyTorch"
    assert rules.prompt_hash == "-" and not rules.uses_hints and rules.default_top_k is None
    assert rules.cache_settings == {}
