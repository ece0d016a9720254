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
        FieldSpec("optimizer", "training", "optimizer: SGD, Adam, AdamW, RMSprop",
                  search_terms=("optimizer",), vocabulary={"RMSprop": ("RMSprop",)}),
        FieldSpec("hyperparameters", "training",
                  "named settings with values: learning rate, batch size, epochs",
                  search_terms=("learning rate", "batch size", "epochs")),
        FieldSpec("stopping_criteria", "training",
                  "when training stopped: fixed epochs, early stopping, patience",
                  search_terms=("stopped early", "early stopping")),
    ])
    passages = [Passage(chunk_id=1, text=METHODS, start=0, page=1),
                Passage(chunk_id=2, text=OTHER, start=len(METHODS) + 2, page=1)]

    def check(c: Candidate) -> str | None:
        return None if any(c.quote in p.text for p in passages) else "quote not found in passages"

    return GroupTask(doc_id="river", group=group, passages=passages, check=check)


def assert_well_formed(out, task: GroupTask) -> None:
    """Structure only: a 135M model's answers are not meant to be right."""
    import json

    from extractor.backends.sentences import quote_choices
    from extractor.schemas.catalog import MAX_VALUE_CHARS, MAX_VALUES_PER_FIELD
    keys = [f.key for f in task.fields]
    # one request per field (each has a sentence naming it), a second only with reasons
    assert [k for k in keys if any(c.field == k for c in out.calls)] == keys
    for k in keys:
        calls = [c for c in out.calls if c.field == k]
        assert [c.attempt for c in calls] == list(range(1, len(calls) + 1)) and len(calls) <= 2
        for call in calls:
            assert call.prompt_tokens and call.prompt_tokens > 50
            assert call.completion_tokens and call.completion_tokens > 0
            assert call.latency_ms and call.latency_ms > 0
            assert f"FIELD: {k}" in json.loads(call.messages)[0]["content"] and call.output
        assert calls[-1].error is None
    sentences = set(quote_choices(task.passages))
    for c in out.candidates:
        assert isinstance(c, Candidate) and c.field in keys
        assert 0 < len(c.value) <= MAX_VALUE_CHARS and c.quote in sentences
    for k in keys:
        assert sum(c.field == k for c in out.candidates) <= MAX_VALUES_PER_FIELD
