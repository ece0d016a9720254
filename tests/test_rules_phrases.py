"""Open-vocabulary phrase values for descriptive fields (extractor/backends/rules_phrases.py),
on invented sentences (never paper text)."""
from __future__ import annotations

import pytest

from extractor.backends.base import GroupTask, Passage
from extractor.backends.rules import RulesBackend
from extractor.backends.rules_phrases import (bare, passage_sentences, phrase_values,
                                              sentence_phrases, states_field)
from extractor.relevance import classifier_scores
from extractor.schemas.catalog import load_schema
from extractor.verify import check_candidate

SCHEMA = load_schema()
SPEC = {f.key: f for f in SCHEMA.fields}


@pytest.mark.parametrize("field,sentence,value", [
    ("augmentation", "During training we applied random horizontal flips and small rotations "
     "to each tile.", "small rotations to each tile"),
    ("stopping_criteria", "Training used early stopping with patience 10 on the validation loss.",
     "early stopping with patience 10"),
    ("stopping_criteria", "The two networks were trained for 92 and 45 epochs, respectively.",
     "92 and 45 epochs"),
    ("generalizability", "We evaluated the model with 5-fold cross-validation on held-out sites.",
     "5-fold cross-validation on held-out sites"),
    ("preprocessing", "All crops were resized to 224 x 224 pixels and normalized per spectral "
     "band.", "resized to 224 x 224 pixels"),
    ("preprocessing", "All crops were resized to 224 x 224 pixels and normalized per spectral "
     "band.", "normalized per spectral band"),
])
def test_phrase_is_the_clause_around_the_field_word(field, sentence, value):
    got = sentence_phrases(sentence, SPEC[field])
    assert value in got
    assert all(v in sentence for v in got)      # verbatim: verification grounds it as is


def test_phrase_stops_at_a_schedule_and_at_generic_words():
    # "every 30 epochs" is a learning-rate schedule, not an epoch count
    assert sentence_phrases("The rate was decayed by 0.1 every 30 epochs.",
                            SPEC["stopping_criteria"]) == []
    # a phrase made only of generic and the field's own words adds nothing to a vocabulary hit
    assert bare("the training set", SPEC["data_split"])
    assert not bare("70% for training", SPEC["data_split"])


@pytest.mark.parametrize("sentence", [
    "Flipping is not a proper transformation for these spectrograms and was not used.",
    "In future work, it may be a good idea to augment the recordings with added noise.",
    "Smith et al. [8] used random rotations to enlarge their training set.",
    "Table 3 Augmentation settings per model",
])
def test_no_phrase_from_statements_not_about_this_study(sentence):
    assert not states_field(sentence, "augmentation")
    assert phrase_values([(sentence, None)], SPEC["augmentation"], []) == []


def test_phrase_values_skip_what_the_rules_already_found():
    s = "We stopped training early with a patience of 10 epochs on the validation loss."
    assert phrase_values([(s, None)], SPEC["stopping_criteria"], ["patience of 10 epochs"]) == []


def test_rules_default_has_no_phrase_values_and_unchanged_settings():
    assert RulesBackend().settings == {}
    assert RulesBackend(phrases="stopping_criteria").settings == {"phrases": "stopping_criteria"}


@pytest.mark.skipif(classifier_scores("a sentence") is None, reason="no learned classifier")
def test_rules_with_phrases_gives_verified_phrase_values():
    text = ("We trained the detector with the Adam optimizer for 150 epochs on our own images. "
            "Training was stopped once the validation loss had not improved for 12 epochs.")
    passages = [Passage(chunk_id=1, text=text, start=0, page=None)]
    assert all(s in text for s, _ in passage_sentences(passages))
    group = next(g for g in SCHEMA.groups if g.name == "training")
    task = GroupTask("d", group, passages)
    plain = set(RulesBackend().extract(task).candidates)
    extra = [c for c in RulesBackend(phrases="all").extract(task).candidates if c not in plain]
    for c in extra:
        assert SCHEMA.field(c.field).descriptive
        assert c.value in c.quote and c.quote in text     # verifiable by construction
        _, reason = check_candidate(c, SCHEMA.field(c.field), text, passages)
        assert reason is None, (c, reason)


def test_a_given_scorer_decides_which_sentences_state_the_field():
    keys = [f.key for f in SCHEMA.fields]

    def scorer(text):       # a stand-in classifier that singles out stopping_criteria
        return {k: (0.9 if k == "stopping_criteria" else 0.01) for k in keys}

    own = "We trained every network for 80 epochs with early stopping after 5 epochs."
    assert states_field(own, "stopping_criteria", scorer=scorer)
    assert not states_field(own, "augmentation", scorer=scorer)
    assert not states_field("Smith et al. [4] trained their network for 80 epochs.",
                            "stopping_criteria", scorer=scorer)
    got = phrase_values([(own, None)], SPEC["stopping_criteria"], [], scorer=scorer)
    assert got and all(v in own and q == own for v, q in got)
