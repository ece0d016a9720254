"""Shared logic of the instructor-based backends (llama in-process, OpenAI-compatible servers).

One GroupTask becomes one chat request whose answer is constrained to
catalog.group_model(group). Every value is checked against the passages (task.check) inside
pydantic validation, so a failing quote makes instructor ask once more with the reasons. The
answer of the final attempt is passed on as it is: the core verifies every candidate anyway
and records what it rejects.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any, Callable

from pydantic import BaseModel, create_model, model_validator

from extractor.backends.base import BackendError, CallStats, Candidate, GroupOutput, GroupTask
from extractor.schemas.catalog import (MAX_QUOTE_CHARS, MAX_VALUE_CHARS, MAX_VALUES_PER_FIELD,
                                       MIN_QUOTE_CHARS, group_model)

PROMPT_FILE = "extract_v1.txt"
# One validation retry: a second chance with the reasons, without doubling every call.
MAX_RETRIES = 1


@lru_cache(maxsize=None)
def prompt_template(name: str = PROMPT_FILE) -> str:
    return resources.files("extractor.prompts").joinpath(name).read_text(encoding="utf-8")


def prompt_hash(name: str = PROMPT_FILE) -> str:
    """Identifies the prompt a result came from (stored with results)."""
    return hashlib.sha256(prompt_template(name).encode("utf-8")).hexdigest()[:12]


def passage_id(i: int) -> str:
    return f"P{i + 1}"


def field_meaning(description: str) -> str:
    """The description without its list of illustrations ("optimizer: SGD, Adam" -> "optimizer").

    Small models copy listed examples into their answers, quotes included; the field key and
    the words before the colon carry the meaning.
    """
    text = " ".join(description.split())
    head, sep, _ = text.partition(":")
    return head.strip() if sep and head.strip() else text


def render_prompt(task: GroupTask, template: str | None = None) -> str:
    fields = "\n".join(f"- {f.key}: {field_meaning(f.description)}" for f in task.fields)
    passages = "\n\n".join(f"[{passage_id(i)}] {p.text.strip()}"
                           for i, p in enumerate(task.passages))
    hints = ""
    if task.hints:
        lines = [f'- {h.field}: "{h.value}" (from: "{h.quote}")' for h in task.hints]
        hints = ("\nCANDIDATES found by keyword rules. Confirm each by quoting the passage that "
                 "states it for this study, or reject it by leaving it out:\n"
                 + "\n".join(lines) + "\n")
    return Template(template or prompt_template()).substitute(
        group_description=task.group.description or task.group.name,
        fields=fields, passages=passages or "(no passages)", hints=hints,
        min_quote=MIN_QUOTE_CHARS, max_quote=MAX_QUOTE_CHARS, max_value=MAX_VALUE_CHARS,
        max_values=MAX_VALUES_PER_FIELD)


def build_messages(task: GroupTask) -> list[dict[str, Any]]:
    return [{"role": "user", "content": render_prompt(task)}]


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n\s*\n")


def quote_choices(passages) -> list[str]:
    """The passages cut into sentence-sized pieces a quote may be (for grammar-level grounding).

    Pieces stay verbatim substrings of their passage: long sentences are cut at spaces into
    pieces of at most MAX_QUOTE_CHARS, pieces shorter than MIN_QUOTE_CHARS are dropped.
    """
    out: dict[str, None] = {}
    for p in passages:
        for sent in _SENTENCE_END.split(p.text):
            sent = sent.strip()
            while len(sent) > MAX_QUOTE_CHARS:
                cut = sent.rfind(" ", MIN_QUOTE_CHARS, MAX_QUOTE_CHARS)
                cut = cut if cut > 0 else MAX_QUOTE_CHARS
                out.setdefault(sent[:cut].strip(), None)
                sent = sent[cut:].strip()
            if len(sent) >= MIN_QUOTE_CHARS:
                out.setdefault(sent, None)
    return list(out)


# --- per-request bookkeeping ---------------------------------------------------------------

@dataclass
class _Attempts:
    """Filled by instructor hooks: one CallStats per request sent to the model."""
    max_attempts: int
    calls: list[CallStats] = field(default_factory=list)
    messages: list[list[dict]] = field(default_factory=list)   # what each attempt sent
    _t0: float = 0.0

    @property
    def final(self) -> bool:
        return len(self.calls) >= self.max_attempts

    def on_kwargs(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(CallStats(attempt=len(self.calls) + 1))
        self.messages.append(list(kwargs.get("messages") or []))
        self._t0 = time.perf_counter()

    def _elapsed(self) -> None:
        if self.calls and self.calls[-1].latency_ms is None:
            self.calls[-1].latency_ms = (time.perf_counter() - self._t0) * 1000

    def on_response(self, response: Any) -> None:
        self._elapsed()
        usage = getattr(response, "usage", None)
        if usage is not None and self.calls:
            self.calls[-1].prompt_tokens = getattr(usage, "prompt_tokens", None)
            self.calls[-1].completion_tokens = getattr(usage, "completion_tokens", None)

    def on_error(self, error: Exception, **_: Any) -> None:
        self._elapsed()
        if self.calls:
            self.calls[-1].error = _short(error)


def _short(error: BaseException, limit: int = 500) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= limit else text[:limit] + "..."


def checked_model(task: GroupTask, attempts: _Attempts) -> type[BaseModel]:
    """group_model(task.group) plus a validator that checks every value's quote.

    The check is bound by closure rather than through instructor's `context=`: instructor
    renders all messages as Jinja templates whenever a context is given, which would mangle
    or reject passage text containing braces.
    """
    base = group_model(task.group)
    keys = [f.key for f in task.fields]

    def check_quotes(self):
        if attempts.final:     # no retry left: pass the answer on; the core verifies it
            return self
        problems = []
        # The same value given for several fields of one group is almost always a small model
        # filling every field from one sentence; each field is a different question.
        fields_of: dict[str, list[str]] = {}
        for key in keys:
            for ev in getattr(self, key):
                fields_of.setdefault(" ".join(ev.value.lower().split()), []).append(key)
        for value, ks in fields_of.items():
            if len(set(ks)) > 1:
                problems.append(f"{value!r} is given for {', '.join(sorted(set(ks)))}; keep it "
                                f"only for the field it answers and use [] for the others")
        for key in keys:
            for ev in getattr(self, key):
                if len(ev.quote.strip()) < MIN_QUOTE_CHARS:
                    problems.append(f"{key} {ev.value!r}: quote {ev.quote!r} is shorter than "
                                    f"{MIN_QUOTE_CHARS} characters; copy the full phrase")
                    continue
                reason = task.check(Candidate(key, ev.value, ev.quote)) if task.check else None
                if reason:
                    problems.append(f"{key} {ev.value!r}: {reason}")
        if problems:
            raise ValueError("these values are not supported by a verbatim quote; fix the "
                             "quote or remove the value (empty list = unknown):\n- "
                             + "\n- ".join(problems))
        return self

    validator = model_validator(mode="after")(check_quotes)
    return create_model(base.__name__, __base__=base, __validators__={"check_quotes": validator})


def to_candidates(result: BaseModel, task: GroupTask) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[tuple[str, str, str]] = set()
    for f in task.fields:
        for ev in getattr(result, f.key):
            value, quote = " ".join(ev.value.split()), ev.quote.strip()
            key = (f.key, value.lower(), quote)
            if value and quote and key not in seen:
                seen.add(key)
                out.append(Candidate(f.key, value, quote))
    return out


# --- the raw create function instructor wraps ------------------------------------------------

def relaxed_json(text: str) -> str:
    """Re-serialise JSON that has raw control characters inside strings.

    llama.cpp's JSON grammar lets raw newlines into strings; pydantic's parser rejects them.
    Anything that is not JSON is returned unchanged for instructor to report.
    """
    try:
        return json.dumps(json.loads(text, strict=False), ensure_ascii=False)
    except (TypeError, ValueError):
        return text


def flatten_tool_messages(messages: list[dict]) -> list[dict]:
    """Turn instructor's tool-call reask turns into plain assistant/user text.

    Chat templates of small local models drop tool_calls and `tool` turns, so the model would
    not see its previous answer or the reasons it was rejected.
    """
    out = []
    for m in messages:
        m = dict(m)
        if m.get("role") == "assistant" and m.get("tool_calls"):
            args = [tc["function"]["arguments"] for tc in m["tool_calls"]]
            out.append({"role": "assistant", "content": m.get("content") or "\n".join(args)})
        elif m.get("role") == "tool":
            out.append({"role": "user", "content": m.get("content") or ""})
        else:
            out.append({k: v for k, v in m.items() if k in ("role", "content", "name")})
    return out


def wrap_create(raw_create: Callable[..., Any], *, flatten: bool) -> Callable[..., Any]:
    def create(*args: Any, **kwargs: Any) -> Any:
        if flatten and "messages" in kwargs:
            kwargs["messages"] = flatten_tool_messages(kwargs["messages"])
        response = raw_create(*args, **kwargs)
        for choice in getattr(response, "choices", None) or []:
            msg = choice.message
            for tc in msg.tool_calls or []:
                tc.function.arguments = relaxed_json(tc.function.arguments)
            if isinstance(msg.content, str) and msg.content.lstrip().startswith("{"):
                msg.content = relaxed_json(msg.content)
        return response
    return create


def patched_create(raw_create: Callable[..., Any], mode: Any, *, flatten: bool):
    import instructor
    return instructor.patch(create=wrap_create(raw_create, flatten=flatten), mode=mode)


def extract_group(create: Callable[..., Any], task: GroupTask,
                  messages: list[dict] | None = None, **request: Any) -> GroupOutput:
    """Run one GroupTask through an instructor-patched create; BackendError on failure.

    `request` holds the request parameters (model, max_tokens, temperature, ...).
    """
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
    from instructor.core.hooks import Hooks

    if not task.fields:
        return GroupOutput(candidates=[])
    attempts = _Attempts(max_attempts=MAX_RETRIES + 1)
    hooks = Hooks()
    hooks.on("completion:kwargs", attempts.on_kwargs)
    hooks.on("completion:response", attempts.on_response)
    hooks.on("completion:error", attempts.on_error)
    hooks.on("parse:error", attempts.on_error)
    try:
        result = create(messages=messages or build_messages(task),
                        response_model=checked_model(task, attempts),
                        max_retries=MAX_RETRIES, hooks=hooks, **request)
    except IncompleteOutputException as e:
        raise BackendError(f"{task.group.name}: the answer was cut off at max_tokens "
                           f"({request.get('max_tokens')}); raise max_tokens",
                           attempts.calls) from e
    except InstructorRetryException as e:
        cause = e.__cause__ or e
        if not getattr(e, "failed_attempts", None):   # the request itself failed, not parsing
            raise BackendError(f"{task.group.name}: request failed: {_short(cause)}",
                               attempts.calls) from e
        raise BackendError(f"{task.group.name}: no valid answer after {len(attempts.calls)} "
                           f"attempt(s): {_short(cause)}", attempts.calls) from e
    except BackendError:
        raise
    except Exception as e:      # transport errors, bad model names, server errors
        raise BackendError(f"{task.group.name}: request failed: {_short(e)}", attempts.calls) from e
    return GroupOutput(candidates=to_candidates(result, task), calls=attempts.calls)
