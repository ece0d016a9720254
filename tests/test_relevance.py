"""The learned "speaks of the field" signal (extractor.relevance), as verification uses it.

Fixture sentences are written for these tests: each states a field without any of the field's
search terms, known values or patterns, so only the classifier can say what it is about."""
import pytest

from extractor import relevance
from extractor.backends.base import Candidate, Passage
from extractor.schemas.catalog import load_schema
from extractor.verify import about_field, check_candidate

pytestmark = pytest.mark.skipif(not (relevance.MODEL_DIR / "textcat").is_dir(),
                                reason="no shipped classifier artefact")

TRIM = "All recordings were trimmed to their first ten seconds before they were fed to the network."
TEAM = "Pictures of the sites were taken every morning by the field team."
DOC = f"Intro. {TRIM} Then more. {TEAM} The end."
WHOLE = [Passage(chunk_id=None, text=DOC, start=0, page=None)]


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def _check(schema, key, value, quote):
    return check_candidate(Candidate(key, value, quote), schema.field(key), DOC, WHOLE)[1]


@pytest.mark.parametrize("key,value,quote", [
    ("preprocessing", "trimming to the first ten seconds", TRIM),
    ("data_collection", "pictures taken by the field team", TEAM),
])
def test_classifier_accepts_a_quote_that_states_the_field_in_other_words(schema, key, value,
                                                                         quote):
    spec = schema.field(key)
    assert not about_field(value, quote, spec)          # the word lists alone say no
    assert relevance.classifier_says(quote, key)
    assert _check(schema, key, value, quote) is None


@pytest.mark.parametrize("key,value,quote", [
    ("optimizer", "trimming to the first ten seconds", TRIM),
    ("hardware", "trimming to the first ten seconds", TRIM),
    ("frameworks", "pictures taken by the field team", TEAM),
    ("randomness", "pictures taken by the field team", TEAM),
])
def test_classifier_rejects_the_same_quote_under_another_field(schema, key, value, quote):
    reason = _check(schema, key, value, quote)
    assert reason and reason.startswith(f"quote does not speak of {key}")


def test_below_the_threshold_or_without_a_classifier_the_word_lists_decide(schema, monkeypatch):
    value = "trimming to the first ten seconds"
    monkeypatch.setattr(relevance, "CLASSIFIER_MIN", 0.99)
    assert _check(schema, "preprocessing", value, TRIM).startswith("quote does not speak")
    monkeypatch.setattr(relevance, "CLASSIFIER_MIN", 2.0)      # switched off
    assert _check(schema, "preprocessing", value, TRIM).startswith("quote does not speak")
    monkeypatch.setattr(relevance, "CLASSIFIER_MIN", 0.0)
    monkeypatch.setattr(relevance, "_classifier", lambda: None)
    assert relevance.classifier_scores(TRIM) is None
    assert _check(schema, "preprocessing", value, TRIM).startswith("quote does not speak")


def test_a_value_of_another_field_is_still_judged_by_the_word_lists(schema):
    # the classifier is never asked whether a known value of another field belongs here
    reason = _check(schema, "preprocessing", "PyTorch", TRIM)
    assert reason and "known value of another field" in reason


def test_joined_quotes_count_when_one_part_states_the_field(schema):
    spec = schema.field("preprocessing")
    joined = f"Then more. … {TRIM}"
    assert about_field("trimming to the first ten seconds", joined, spec, learned=True)
    assert not relevance.classifier_says("Then more. … The end of it all.", "preprocessing")


@pytest.mark.parametrize("text", ["zzz qqq xxyyzz", "Then more."])
def test_a_quote_of_unknown_or_few_words_singles_out_no_field(text):
    # the classifier gives every field roughly its prior here; no field stands out (not a
    # guarantee for every short sentence: the value must still be grounded in the quote)
    assert not any(relevance.classifier_says(text, k) for k in relevance.classifier_scores(text))


def test_singles_out_needs_top_rank_and_a_margin_over_the_median():
    flat = {f"f{i}": 0.3 for i in range(10)}
    assert not relevance._singles_out({**flat, "f0": 0.35}, "f0", 0.0)
    low = {f"f{i}": 0.01 for i in range(10)}
    assert relevance._singles_out({**low, "f0": 0.2}, "f0", 0.0)
    assert not relevance._singles_out({**low, "f0": 0.2, "a": 0.5, "b": 0.5, "c": 0.5}, "f0", 0.0)
    assert not relevance._singles_out({**low, "f0": 0.2}, "f1", 0.0)
