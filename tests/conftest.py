"""Shared fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest

SHARED_BENCHMARK = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"


@pytest.fixture(scope="session")
def shared_benchmark() -> Path:
    """../shared/benchmark (corpus, gold-dev, pdfs), or skip the test when it is absent."""
    if not (SHARED_BENCHMARK / "corpus").is_dir():
        pytest.skip(f"shared benchmark data not found at {SHARED_BENCHMARK}")
    return SHARED_BENCHMARK
