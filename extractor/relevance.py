"""Does a quote speak of a field? A learned signal beside extractor.verify's word lists.

The learned backend ships a sentence classifier ("does this sentence state field F for this
study", extractor.train, trained on benchmarks/gold-train only). verify.about_field asks it
only when none of the field's terms, known values or patterns is in the quote. The quote speaks
of field F when the classifier *singles F out*: F is among its TOP_K highest-scoring fields for
the quote and scores at least MEDIAN_RATIO times the median score over all fields ("the
recordings were trimmed to their first 15 seconds" is preprocessing without a preprocessing
word). A relative test, not an absolute threshold: on a sentence of words the classifier never
saw (or on a few words), every field scores about its prior (~0.2-0.35), so an absolute score
says little, while no field stands out.

TOP_K and MEDIAN_RATIO were chosen on gold-train (the most recall with the wrong-field control,
gold values and quotes moved to another field, under 5 %), then checked on gold-dev and
gold-full, which the classifier never saw (BENCHMARKS.md, oracle section).

The artefact is read with spaCy from the learned backend's folder (verification may not import
the backends). Without spaCy or without the artefact the signal is off and verification is
exactly the word-list check.
"""
from __future__ import annotations

import threading
from pathlib import Path

TOP_K = 3               # F must be among the classifier's 3 best fields for the quote
MEDIAN_RATIO = 4.0      # and score at least 4x the median field's score
CLASSIFIER_MIN = 0.0    # optional absolute floor (0: the relative test alone)
_MAX_CACHED = 50_000

_lock = threading.Lock()
_scores: dict[str, dict[str, float]] = {}
_unavailable: list[bool] = []
_nlp: list = []
# the learned backend's artefact (extractor.backends.learned.MODEL_DIR)
MODEL_DIR = Path(__file__).resolve().parent / "models_data" / "learned"


def _classifier():
    # Loaded from the artefact folder with spaCy itself, as the learned backend loads it:
    # verification sits below the backends (pyproject's import contracts), so it may not
    # import extractor.backends.learned.
    if _unavailable:
        return None
    if not _nlp:
        try:
            import spacy
            _nlp.append(spacy.load(MODEL_DIR / "textcat"))
        except Exception:   # no spaCy, no artefact, an artefact of another spaCy version
            _unavailable.append(True)
            return None
    return _nlp[0]


def classifier_scores(text: str) -> dict[str, float] | None:
    """The classifier's score per field for text, or None when there is no classifier."""
    nlp = _classifier()
    if nlp is None:
        return None
    with _lock:     # verification runs in worker threads; one spaCy pipeline, one at a time
        got = _scores.get(text)
        if got is None:
            if len(_scores) > _MAX_CACHED:
                _scores.clear()
            got = _scores[text] = dict(nlp(text).cats)
        return got


def classifier_says(quote: str, key: str, threshold: float | None = None) -> bool:
    """Does the classifier single out field key (see module docstring) for the quote or one
    of its parts (joined by " … "), with a score of at least threshold (default
    CLASSIFIER_MIN)?"""
    threshold = CLASSIFIER_MIN if threshold is None else threshold
    if threshold > 1:       # switched off
        return False
    for part in quote.split(" … "):
        scores = classifier_scores(part)
        if scores is None:
            return False
        if _singles_out(scores, key, threshold):
            return True
    return False


def _singles_out(scores: dict[str, float], key: str, threshold: float) -> bool:
    mine = scores.get(key, 0.0)
    if mine <= 0.0 or mine < threshold:
        return False
    ranked = sorted(scores.values(), reverse=True)
    median = ranked[len(ranked) // 2]
    return mine >= ranked[min(TOP_K, len(ranked)) - 1] and mine >= MEDIAN_RATIO * median
