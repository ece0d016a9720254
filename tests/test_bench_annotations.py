"""The oracle benchmark's rejection breakdown (benchmarks/bench_annotations.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_annotations import reason_class  # noqa: E402


def test_reasons_fall_into_their_classes():
    assert reason_class("quote not found in the passages read") == "quote not found"
    assert reason_class("a further quote is not found in the passages read") == "quote not found"
    assert reason_class("value not grounded in its quote") == "not grounded"
    assert reason_class("quote does not speak of preprocessing (none of its terms or known "
                        "values)") == "not about the field"
    assert reason_class("'GitLab' is a known value of another field, not of "
                        "data_repository_platform") == "another field's value"
    assert reason_class("value is a fragment (ends with 'may')") == "value shape"
