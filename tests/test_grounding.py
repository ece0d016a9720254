"""Grounding kinds: how a value is grounded in its quote (extractor/grounding.py).

Each kind has accept and reject cases; the quote check (found, about the field) is tested in
test_verify.py.
"""
import pytest

from extractor.grounding import grounded, grounding_kind, numbers


@pytest.mark.parametrize("value,quote,kind", [
    ("PyTorch", "The network was written in PyTorch 2.1.", "verbatim"),
    ("Sentinel-2", "Scenes from Sentinel 2 were mosaicked.", "verbatim"),
    ("ResNet-50", "a ResNet50 backbone pretrained elsewhere", "verbatim"),
])
def test_verbatim(value, quote, kind):
    assert grounding_kind(value, quote) == kind


def test_alias_from_vocabulary():
    aliases = ("drone imagery", "UAV", "unmanned aerial vehicle")
    assert grounding_kind("drone imagery", "Plots were flown with a UAV at 60 m.", aliases) \
        == "alias"
    assert grounding_kind("drone imagery", "Plots were walked on foot at dawn.", aliases) is None


@pytest.mark.parametrize("value,quote", [
    ("random horizontal flip", "training tiles were flipped horizontally at random"),
    ("pretrained weights", "we started from pre-trained weights"),
    ("data normalisation", "inputs underwent data normalization per band"),
    ("CNN", "two convolutional neural networks (CNNs) were compared"),
    ("GPUs", "one GPU was used"),
])
def test_words_fold_case_number_hyphen_spelling(value, quote):
    assert grounding_kind(value, quote) == "words"


def test_words_reject_a_missing_word():
    assert grounding_kind("random vertical flip", "tiles were flipped horizontally") is None
    assert grounding_kind("PyTorch", "trained with the Adam optimiser") is None


@pytest.mark.parametrize("value,quote", [
    ("batch size = 32", "mini-batches of 32 tiles were drawn"),
    ("learning rate = 0.001", "a learning rate of 1e-3 was used"),
    ("learning rate = 1e-4", "the learning rate was 10−4 throughout"),   # superscript lost
    ("70/30", "70% of the plots for training and 30% for testing"),
])
def test_number(value, quote):
    assert grounding_kind(value, quote) in ("number", "words")


def test_a_number_is_never_invented():
    # every kind needs the value's numbers in the quote, paraphrase included
    assert grounding_kind("batch size = 64", "a batch size of 32") is None
    assert grounding_kind("5-fold cross-validation", "10-fold cross-validation was used",
                          descriptive=True) is None
    assert grounding_kind("dropout (rate 0.5)", "dropout was applied", descriptive=True) is None


def test_a_count_spelled_out_grounds_its_digits():
    assert grounded("epochs = 10", "the network was trained for ten epochs", strict=True)
    assert 12.0 in numbers("Twelve runs were averaged")
    assert not grounded("epochs = 11", "the network was trained for ten epochs")
    assert 1.0 not in numbers("one of the networks")


def test_numbers_read_scientific_notation():
    assert 0.0001 in numbers("1e-4") and 0.0001 in numbers("1 × 10^-4")
    assert 0.001 in numbers("learning rate equal to 10\u22123")


def test_paraphrase_only_for_descriptive_fields():
    value = "cross-validation over held-out sites"
    quote = "models were cross-validated by leaving whole sites out of training"
    assert grounding_kind(value, quote) is None
    assert grounding_kind(value, quote, descriptive=True) == "paraphrase"
    # too few of the value's words: no paraphrase
    assert grounding_kind("temporal blocking with buffers", quote, descriptive=True) is None


def test_qualifier_in_parentheses():
    assert grounding_kind("Feature Pyramid Network (FPN)",
                          "a Feature Pyramid Network sits on the backbone") == "verbatim"
    assert grounding_kind("ImageNet (pretraining)",
                          "weights pre-trained on ImageNet were loaded") == "words"
    assert grounding_kind("ImageNet (fine-tuning on birds)",
                          "weights pre-trained on ImageNet were loaded") is None


def test_strict_grounding_for_value_templates():
    # the rules backend picks value templates with strict=True: no word may be left out
    assert grounded("input size = 256 × 256", "256 × 256 pixel input tiles")
    assert not grounded("input size = 256 × 256", "256 × 256 pixel input tiles", strict=True)
    assert grounded("65/35", "65% for training and 35% for validation", strict=True)


def test_a_quote_naming_an_alias_names_its_canonical_value():
    vocab = {"satellite imagery": ("Sentinel-2", "Landsat"), "drone imagery": ("UAV",)}
    quote = "Cloud-free Sentinel-2 scenes from 2021 were mosaicked."
    assert grounding_kind("Sentinel-2 satellite imagery", quote, vocabulary=vocab) == "alias"
    assert grounding_kind("Sentinel-2 satellite imagery", quote) is None
    # the canonical of an alias that the quote does not name lends no words
    assert grounding_kind("Sentinel-2 drone imagery", quote, vocabulary=vocab) is None


def test_an_acronym_stands_for_the_words_it_spells():
    # the quote abbreviates part of a known alias of the value
    aliases = ("AUC", "AUC-ROC", "area under the receiver operating characteristic curve")
    assert grounding_kind("AUC-ROC", "scored by the area under the ROC curve", aliases) \
        == "alias"
    # either side may hold the acronym
    assert grounding_kind("LSTM", "a long short-term memory network was trained") == "alias"
    assert grounding_kind("gated recurrent unit", "a two-layer GRU encoder") == "alias"
    # initials that spell something else, or an acronym with no run to spell, ground nothing
    assert grounding_kind("LSTM", "a long-range spatial model was trained") is None
    assert grounding_kind("GRU", "a gated linear unit encoder") is None
    assert grounding_kind("gated recurrent unit", "a two-layer MLP encoder") is None
    # lower-case words are no acronyms: "roc" spelled by a run is not "the roc"
    assert grounding_kind("rnn", "a recurrent neural network") is None
