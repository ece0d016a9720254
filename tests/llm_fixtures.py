"""Shared setup for the real-model integration tests (llama in-process and llama_cpp.server)."""
from __future__ import annotations

import os

import pytest

from extractor.backends.base import Candidate, GroupTask, Passage
from extractor.schemas.catalog import FieldSpec, GroupSpec

# Written for these tests (not from any paper).
METHODS = ("We fitted a small recurrent network to hourly river gauge readings from four "
           "stations. Training ran for 30 epochs with the RMSprop optimizer, a learning rate of "
           "0.002 and a batch size of 64. Training stopped early when the validation error had "
           "not improved for five epochs.")
OTHER = ("Earlier studies of river flow relied on physically based models calibrated by hand, "
         "which needed detailed catchment data.")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition_msg: str) -> None:
    """Skip locally, fail in CI: integration tests must really run there."""
    if in_ci():
        pytest.fail(f"CI is set, so this integration test must run, but: {condition_msg}")
    pytest.skip(condition_msg)


def smollm2_path():
    try:
        import llama_cpp  # noqa: F401
    except ImportError as e:
        need(f"llama-cpp-python is not installed ({e}); run .ci/install_local.sh")
    from extractor.models import ModelError, install_model
    try:
        return install_model("smollm2")
    except ModelError as e:
        need(f"the smollm2 test model is not available: {e}")


def training_task() -> GroupTask:
    group = GroupSpec("training", "How the model was trained", [
        FieldSpec("optimizer", "training", "optimizer: SGD, Adam, AdamW, RMSprop"),
        FieldSpec("hyperparameters", "training",
                  "named settings with values: learning rate, batch size, epochs"),
        FieldSpec("stopping_criteria", "training",
                  "when training stopped: fixed epochs, early stopping, patience"),
    ])
    passages = [Passage(chunk_id=1, text=METHODS, start=0, page=1),
                Passage(chunk_id=2, text=OTHER, start=len(METHODS) + 2, page=1)]

    def check(c: Candidate) -> str | None:
        return None if any(c.quote in p.text for p in passages) else "quote not found in passages"

    return GroupTask(doc_id="river", group=group, passages=passages, check=check)


def assert_well_formed(out, task: GroupTask) -> None:
    """Structure only: a 135M model's answers are not meant to be right."""
    from extractor.schemas.catalog import MAX_QUOTE_CHARS, MAX_VALUE_CHARS, MAX_VALUES_PER_FIELD
    keys = {f.key for f in task.fields}
    assert 1 <= len(out.calls) <= 2
    for i, call in enumerate(out.calls, 1):
        assert call.attempt == i
        assert call.prompt_tokens and call.prompt_tokens > 50
        assert call.completion_tokens and call.completion_tokens > 0
        assert call.latency_ms and call.latency_ms > 0
    assert out.calls[-1].error is None
    for c in out.candidates:
        assert isinstance(c, Candidate) and c.field in keys
        assert 0 < len(c.value) <= MAX_VALUE_CHARS and 0 < len(c.quote) <= MAX_QUOTE_CHARS
    for k in keys:
        assert sum(c.field == k for c in out.candidates) <= MAX_VALUES_PER_FIELD
