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


# Property-based tests: a bounded number of examples in CI (a few seconds per test), a large
# one on demand: HYPOTHESIS_PROFILE=many [METHEX_HYPOTHESIS_EXAMPLES=N] pytest tests/test_properties.py
def _hypothesis_profiles() -> None:
    import os
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:         # only the property tests need it; they fail on import alone
        return
    slow_ok = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("ci", max_examples=40, deadline=None, derandomize=False,
                              suppress_health_check=slow_ok, print_blob=True)
    settings.register_profile("many", deadline=None, suppress_health_check=slow_ok,
                              max_examples=int(os.environ.get("METHEX_HYPOTHESIS_EXAMPLES")
                                               or 2000), print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


_hypothesis_profiles()
