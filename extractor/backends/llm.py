"""Shared logic of the instructor-based backends (llama in-process, OpenAI-compatible servers).

A GroupTask is split into one request per field, over that field's few best sentences
(sentences.top_sentences), numbered S1..Sn. The model answers extractively:
{"answers": [{"sentence": 2, "value": "PyTorch"}]}; the candidate's quote is sentence 2
verbatim, so a quote can never be invented. A field whose passages name none of its terms
costs no request: it is unknown without asking.

Retries never repeat a request: instructor re-asks once with the parse error when an answer
does not fit the schema, and a field is asked once more, with the verifier's reasons, when
task.check rejects one of its values. At temperature 0 an identical request brings back the
identical answer (measured: 9 of 21 retries byte-identical), so it is never sent.
"""
from __future__ import annotations

import hashlib
import json
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field, create_model

from extractor.backends.base import (Backend, BackendError, CallStats, Candidate, GroupOutput,
                                     GroupTask)
from extractor.backends.sentences import top_sentences
from extractor.schemas.catalog import MAX_VALUE_CHARS, MAX_VALUES_PER_FIELD, FieldSpec

# Fixed instructions first, the field's own lines last: llama.cpp reuses the KV cache of the
# common prefix, so each call reads only what differs from the previous one.
PROMPT_FILE = "extract_field_v1.txt"
# One parse reask (its prompt carries the parse error, so it is a different request).
PARSE_RETRIES = 1
TOP_SENTENCES = 3       # per field (BENCHMARKS.md)
REASK = ("These answers were rejected by a check against the paper:\n${reasons}\n"
         "Answer again for ${key}: the value must be words of its sentence, and the sentence "
         "must state it. Leave out what you cannot fix; {\"answers\": []} means unknown.")


@lru_cache(maxsize=None)
def prompt_template(name: str = PROMPT_FILE) -> str:
    return resources.files("extractor.prompts").joinpath(name).read_text(encoding="utf-8")


def prompt_hash(name: str = PROMPT_FILE) -> str:
    """Identifies the prompts a result came from (stored with results, part of the cache key)."""
    return hashlib.sha256((prompt_template(name) + REASK).encode("utf-8")).hexdigest()[:12]


class LLMBackend(Backend):
    """A backend that asks a language model through instructor, one field at a time, with the
    prompt of this module (so results are keyed by its hash) and the rules' hints if asked."""

    uses_hints = True

    @property
    def prompt_hash(self) -> str:
        return prompt_hash()


def field_meaning(description: str) -> str:
    """The description without its list of illustrations ("optimizer: SGD, Adam" -> "optimizer").

    Small models copy listed examples into their answers; the field key and the words before
    the colon carry the meaning.
    """
    text = " ".join(description.split())
    head, sep, _ = text.partition(":")
    return head.strip() if sep and head.strip() else text


@lru_cache(maxsize=None)
def answer_model(n: int) -> type[BaseModel]:
    """{"answers": [{"sentence": 1..n, "value": str}]}: the sentence number is an enum, so a
    grammar-constrained model cannot point outside the sentences it was shown."""
    answer = create_model(
        "Answer", sentence=(Literal[tuple(range(1, n + 1))], ...),
        value=(str, Field(min_length=1, max_length=MAX_VALUE_CHARS)))
    return create_model("FieldAnswers", answers=(
        list[answer], Field(default_factory=list, max_length=MAX_VALUES_PER_FIELD)))


def render_field_prompt(task: GroupTask, spec: FieldSpec, sentences: list[str]) -> str:
    numbered = "\n".join(f"S{i}: {' '.join(s.split())}" for i, s in enumerate(sentences, 1))
    hints = ""
    for h in task.hints:
        if h.field != spec.key:
            continue
        at = next((i for i, s in enumerate(sentences, 1) if h.quote in s or s in h.quote), None)
        if at:
            hints += (f'\nKeyword rules suggest "{h.value}" from S{at}. Keep it only if S{at} '
                      f"states it for this study.\n")
    return Template(prompt_template()).substitute(
        group_description=task.group.description or task.group.name, key=spec.key,
        meaning=field_meaning(spec.description), sentences=numbered, hints=hints,
        max_value=MAX_VALUE_CHARS, max_values=MAX_VALUES_PER_FIELD)


def reask_message(key: str, rejected: list[tuple[int, str, str]]) -> str:
    reasons = "\n".join(f'- S{i} "{value}": {reason}' for i, value, reason in rejected)
    return Template(REASK).substitute(reasons=reasons, key=key)


# What is being asked, (doc_id, group, field), while a field's requests are sent: an HTTP
# transport standing in for the network (extractor.batch) files each request under it.
ASKING: ContextVar[tuple[str, str, str] | None] = ContextVar("methex_asking", default=None)


# --- one request -----------------------------------------------------------------------------

@dataclass
class Reply:
    """The parsed answer of one request (with instructor's parse reask, if any) and every
    request it took. `calls` is reassigned by retry.call_with_retries."""
    answers: list[Any]
    output: str
    calls: list[CallStats] = field(default_factory=list)


@dataclass
class _Recorder:
    """Filled by instructor hooks: one CallStats per request, with its messages (tool-call turns
    as the plain text local chat templates get) and the raw output."""
    field: str
    calls: list[CallStats] = field(default_factory=list)
    _t0: float = 0.0

    def on_kwargs(self, *args: Any, **kwargs: Any) -> None:
        msgs = flatten_tool_messages(list(kwargs.get("messages") or []))
        self.calls.append(CallStats(attempt=len(self.calls) + 1, field=self.field,
                                    messages=json.dumps(msgs, ensure_ascii=False)))
        self._t0 = time.perf_counter()

    def _elapsed(self) -> None:
        if self.calls and self.calls[-1].latency_ms is None:
            self.calls[-1].latency_ms = (time.perf_counter() - self._t0) * 1000

    def on_response(self, response: Any) -> None:
        self._elapsed()
        if not self.calls:
            return
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.calls[-1].prompt_tokens = getattr(usage, "prompt_tokens", None)
            self.calls[-1].completion_tokens = getattr(usage, "completion_tokens", None)
        self.calls[-1].output = response_text(response)

    def on_error(self, error: Exception, **_: Any) -> None:
        self._elapsed()
        if self.calls:
            self.calls[-1].error = _short(error)


def response_text(response: Any) -> str | None:
    """The raw text the model produced: tool-call arguments, else the message content."""
    for choice in getattr(response, "choices", None) or []:
        msg = choice.message
        if msg.tool_calls:
            return "\n".join(tc.function.arguments for tc in msg.tool_calls)
        return msg.content
    return None


def _short(error: BaseException, limit: int = 500) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= limit else text[:limit] + "..."


def ask(create: Callable[..., Any], messages: list[dict], answer_type: type[BaseModel],
        key: str, /, **request: Any) -> Reply:
    """One request through an instructor-patched create; BackendError (with its calls) on
    failure. `request` holds model, max_tokens, temperature, timeout, ..."""
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
    from instructor.core.hooks import Hooks

    rec = _Recorder(field=key)
    hooks = Hooks()
    hooks.on("completion:kwargs", rec.on_kwargs)
    hooks.on("completion:response", rec.on_response)
    hooks.on("completion:error", rec.on_error)
    hooks.on("parse:error", rec.on_error)
    try:
        result = create(messages=messages, response_model=answer_type, max_retries=PARSE_RETRIES,
                        hooks=hooks, **request)
    except IncompleteOutputException as e:
        raise BackendError(f"{key}: the answer was cut off at max_tokens "
                           f"({request.get('max_tokens')}); raise max_tokens", rec.calls) from e
    except InstructorRetryException as e:
        cause = e.__cause__ or e
        if not getattr(e, "failed_attempts", None):   # the request itself failed, not parsing
            raise BackendError(f"{key}: request failed: {_short(cause)}", rec.calls) from e
        raise BackendError(f"{key}: no valid answer after {len(rec.calls)} request(s): "
                           f"{_short(cause)}", rec.calls) from e
    except Exception as e:      # transport errors, bad model names, server errors
        raise BackendError(f"{key}: request failed: {_short(e)}", rec.calls) from e
    output = rec.calls[-1].output if rec.calls else None
    return Reply(answers=list(result.answers), output=output or result.model_dump_json(),
                 calls=rec.calls)


# --- a group, one field at a time --------------------------------------------------------------

# send(messages, answer model, field key) -> Reply; backends add their transport retries here
Send = Callable[[list[dict], type[BaseModel], str], Reply]


def _holder(value: str, pointed: int, sentences: list[str]) -> int:
    """The sentence (1-based) a value comes from: the one the model pointed at, unless the value
    is not written there but in another sentence it was shown. A 1.5B model often names a value
    of the next sentence (measured: 10 of 18 rejected values on 2 papers); the verifier
    still checks the value against the sentence finally used."""
    def has(i: int) -> bool:
        return value.lower() in " ".join(sentences[i - 1].split()).lower()
    if has(pointed):
        return pointed
    return next((i for i in range(1, len(sentences) + 1) if has(i)), pointed)


def _candidates(reply: Reply, key: str, sentences: list[str]) -> list[tuple[int, Candidate]]:
    out, seen = [], set()
    for a in reply.answers:
        value = " ".join(a.value.split())
        at = _holder(value, a.sentence, sentences)
        if value and (at, value.lower()) not in seen:
            seen.add((at, value.lower()))
            out.append((at, Candidate(key, value, sentences[at - 1])))
    return out


def extract_field(send: Send, task: GroupTask, spec: FieldSpec,
                  top_n: int = TOP_SENTENCES) -> GroupOutput:
    """Ask about one field; once more with the verifier's reasons if it rejects a value.
    In a hybrid task a field the rules' hints answer is not asked: their values stand."""
    if not task.ask_hinted:
        known = [h for h in task.hints if h.field == spec.key]
        if known:
            return GroupOutput(candidates=known)
    sentences = top_sentences(spec, task.passages, top_n, task.hints)
    if not sentences:
        return GroupOutput(candidates=[])
    asking = ASKING.set((task.doc_id, task.group.name, spec.key))
    try:
        return _ask_field(send, task, spec, sentences)
    finally:
        ASKING.reset(asking)


def _ask_field(send: Send, task: GroupTask, spec: FieldSpec, sentences: list[str]
               ) -> GroupOutput:
    answer_type = answer_model(len(sentences))
    messages = [{"role": "user", "content": render_field_prompt(task, spec, sentences)}]
    calls: list[CallStats] = []

    def send_logged(msgs: list[dict]) -> Reply:
        try:
            reply = send(msgs, answer_type, spec.key)
        except BackendError as e:
            raise BackendError(f"{task.group.name}/{e}", _numbered(calls + e.calls)) from e
        calls.extend(reply.calls)
        return reply

    reply = send_logged(messages)
    found = _candidates(reply, spec.key, sentences)
    checks = [(i, c, task.check(c) if task.check else None) for i, c in found]
    rejected = [(i, c.value, reason) for i, c, reason in checks if reason]
    if rejected:
        retry = messages + [{"role": "assistant", "content": reply.output},
                            {"role": "user", "content": reask_message(spec.key, rejected)}]
        if retry != messages:   # never the same request twice: same prompt, same answer
            # the first answer's rejected values are passed on too: the core records them as
            # rejected, so `audit --unverified` shows what the model proposed
            again = _candidates(send_logged(retry), spec.key, sentences)
            firsts = [c for _, c in found]
            found += [x for x in again if x[1] not in firsts]
    return GroupOutput(candidates=[c for _, c in found], calls=_numbered(calls))


def _numbered(calls: list[CallStats]) -> list[CallStats]:
    for i, c in enumerate(calls, 1):
        c.attempt = i
    return calls


def extract_fields(send: Send, task: GroupTask, top_n: int = TOP_SENTENCES) -> GroupOutput:
    """Every field of the group, one after the other; a field that fails fails the unit (with
    the calls of every field so far, so llm_calls records all that was spent)."""
    out = GroupOutput(candidates=[])
    for spec in task.fields:
        try:
            one = extract_field(send, task, spec, top_n)
        except BackendError as e:
            raise BackendError(str(e), out.calls + e.calls) from e
        out.candidates += one.candidates
        out.calls += one.calls
    return out


# --- the raw create function instructor wraps ------------------------------------------------

def relaxed_json(text: str) -> str:
    """Re-serialise JSON that has raw control characters inside strings.

    llama.cpp's JSON grammar lets raw newlines into strings; pydantic's parser rejects them.
    Valid JSON and anything that is not JSON are returned unchanged (the call log keeps the
    model's own text; instructor reports what does not parse).
    """
    try:
        json.loads(text)
        return text
    except (TypeError, ValueError):
        pass
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
