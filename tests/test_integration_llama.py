"""The in-process llama backend on a real GGUF model (SmolLM2-135M from PyPI)."""
from __future__ import annotations

import pytest

from llm_fixtures import assert_well_formed, smollm2_path, training_task

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def backend():
    from extractor.backends.llama import LlamaBackend
    return LlamaBackend(smollm2_path(), n_ctx=2048)


def test_extracts_one_group_end_to_end(backend):
    task = training_task()
    out = backend.extract(task)
    assert backend.name == "llama" and backend.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert_well_formed(out, task)


def test_missing_model_file_is_a_clear_error(tmp_path):
    from extractor.backends.llama import LlamaBackend
    with pytest.raises(FileNotFoundError, match="model file not found"):
        LlamaBackend(tmp_path / "none.gguf")


def test_default_threads_use_every_allowed_core(backend):
    import os
    assert backend.n_threads == len(os.sched_getaffinity(0))
