"""The core types every stage shares: a retrieved passage, a candidate value, a unit of work
for a backend and what it returns.

This module sits below everything else (import-linter contracts in pyproject.toml): ingest,
retrieve and verify use these types, backends produce them, extract moves them along. It
imports nothing of methex at run time (the schema types are for annotations only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:   # annotations only: the schema module reaches into ingest
    from extractor.schemas.catalog import FieldSpec, GroupSpec


@dataclass(frozen=True)
class Passage:
    chunk_id: int
    text: str
    start: int          # offset of the chunk in the document's normalised text
    page: int | None
    score: float = 0.0
    # the chunk's section label from ingestion ("methods", "related_work", ...; None when the
    # document has no headings), so backends can tell this study's methods from others' work
    section: str | None = None


@dataclass(frozen=True)
class Candidate:
    field: str
    value: str
    quote: str
    # further quotes that together with `quote` state the value (an annotator's value may sum
    # up two sentences); each must be found like the first, and all are stored as evidence
    extra_quotes: tuple[str, ...] = ()


@dataclass
class CallStats:
    """One LLM request (retries are separate CallStats)."""
    attempt: int = 1            # 1.. per field (per group for backends that ask per group)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    # The call log, so anyone can see why a value came out: the field asked about, the
    # request's messages (JSON) and the model's raw output text. Never any credential.
    field: str | None = None
    messages: str | None = None
    output: str | None = None


@dataclass
class GroupTask:
    doc_id: str
    group: GroupSpec
    passages: list[Passage]
    # Candidates from the rules extractor, offered to LLM backends to confirm or reject.
    hints: list[Candidate] = field(default_factory=list)
    # check(candidate) -> None if the candidate verifies against the passages, else the reason.
    # LLM backends ask a field once more, with the reasons, when it rejects a value.
    check: Callable[[Candidate], str | None] | None = None
    # False (--hybrid): a field the hints answer keeps their values unasked; only the fields
    # they leave unknown are asked. True: every field is asked, hints offered to confirm.
    ask_hinted: bool = True

    @property
    def fields(self) -> list[FieldSpec]:
        return self.group.fields


@dataclass
class GroupOutput:
    candidates: list[Candidate]
    calls: list[CallStats] = field(default_factory=list)


class BackendError(Exception):
    """A backend failed for this task after its own retries; the batch goes on."""

    def __init__(self, message: str, calls: list[CallStats] | None = None):
        super().__init__(message)
        self.calls = calls or []


@dataclass(frozen=True)
class Fault:
    """What a backend's classify_error says about a failure: retry it (after `retry_after`
    seconds at the least, when the provider said so) or not."""
    kind: str                       # timeout | rate_limit | server | connection | answer | fatal
    retryable: bool
    retry_after: float | None = None
