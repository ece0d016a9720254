"""The in-process llama backend on a real GGUF model (SmolLM2-135M from PyPI)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from extractor.backends.base import Passage
from llm_fixtures import assert_well_formed, smollm2_path, training_task

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def backend():
    from extractor.backends.llama import LlamaBackend
    return LlamaBackend(smollm2_path(), n_ctx=2048, max_tokens=512)


def test_extracts_one_group_end_to_end(backend):
    task = training_task()
    out = backend.extract(task)
    assert backend.name == "llama" and backend.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert_well_formed(out, task)


def test_passages_beyond_the_context_window_are_dropped(backend):
    task = training_task()
    filler = [Passage(chunk_id=10 + i, text="Unrelated filler sentence about weather. " * 40,
                      start=1000 * i, page=2) for i in range(12)]
    big = replace(task, passages=task.passages + filler)
    fitted = backend._fit(big)
    assert fitted.passages[:2] == task.passages          # best-ranked passages are kept
    assert 2 <= len(fitted.passages) < len(big.passages)


def test_missing_model_file_is_a_clear_error(tmp_path):
    from extractor.backends.llama import LlamaBackend
    with pytest.raises(FileNotFoundError, match="model file not found"):
        LlamaBackend(tmp_path / "none.gguf")


def test_grounded_quotes_are_sentences_of_the_passages():
    from extractor.backends.llama import LlamaBackend
    from extractor.backends.llm import quote_choices
    be = LlamaBackend(smollm2_path(), n_ctx=2048, max_tokens=512, ground_quotes=True)
    task = training_task()
    out = be.extract(task)
    allowed = set(quote_choices(task.passages))
    assert len(out.calls) == 1 and out.calls[0].error is None   # nothing for a retry to fix
    assert all(c.quote in allowed for c in out.candidates)
