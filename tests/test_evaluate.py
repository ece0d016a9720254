import json

import pytest

from extractor.evaluate import GoldError, load_gold, match_rank, match_values, score, tokens


def test_tokens_split_letters_digits_and_keep_decimals():
    assert tokens("ResNet-50") == tokens("resnet50") == ["resnet", "50"]
    assert tokens("learning rate = 0.001") == ["learning", "rate", "0.001"]


@pytest.mark.parametrize("written", ["3e-4", "3E-4", "3 × 10−4", "3x10^-4", "3 × 10⁻⁴", "0.0003"])
def test_a_number_in_powers_of_ten_is_compared_written_out(written):
    assert tokens(f"learning rate = {written}") == ["learning", "rate", "0.0003"]
    assert match_rank(f"learning rate = {written}", "peak learning rate = 0.0003")[0] == 2


@pytest.mark.parametrize("text,toks", [
    ("2002–2016", ["2002", "2016"]),             # a range, not a power
    ("10-30 Hz", ["10", "30", "hz"]),
    ("10^6 steps", ["1000000", "steps"]),
    ("lr 10−3", ["lr", "0.001"]),
])
def test_what_is_and_is_not_a_power_of_ten(text, toks):
    assert tokens(text) == toks


def test_val_is_validation():
    assert match_rank("700 training / 150 validation", "official split (700 train / 150 val "
                      "scenes)")[0] == 2


def test_max_is_maximum():
    assert match_rank("maximum learning rate = 0.003", "max learning rate = 0.003 (one-cycle)")[0] == 2
    assert match_rank("5 min", "5 minimum") is None or match_rank("5 min", "5 minimum")[0] < 3


def test_a_latin_plural_is_its_singular():
    assert match_rank("confusion matrix", "confusion matrices aggregated over folds")[0] == 2
    assert match_rank("vegetation indices", "vegetation index")[0] == 3


def test_imagery_is_images():
    assert match_rank("Sentinel-2 images", "Sentinel-2 imagery")[0] == 3
    assert match_rank("satellite images", "high resolution satellite imagery (Pleiades)")[0] == 2


def test_a_parenthesised_aside_is_detail_not_the_value():
    # the aside kept the whole value below Jaccard 0.5; the value itself matches
    assert match_rank("camera trap images", "camera traps (motion detection and time-lapse)") \
        == (1, 2 / 3)
    assert match_rank("camera trap images", "own camera trap dataset (Reconyx)") is None
    # the aside never hides a number that disagrees, and a value that is all aside stays whole
    assert match_rank("dropout = 0.5", "dropout (readout) = 0.1") is None
    assert match_rank("(ImageNet)", "ImageNet") is not None


def test_a_greek_letter_is_its_name():
    assert tokens("β1 = 0.9") == ["beta", "1", "0.9"]
    assert match_values(["β1 = 0.9, β2 = 0.999"], ["AdamW betas = (0.9, 0.999)"]) == [(0, 0)]
    # the numbers must still agree
    assert match_values(["β1 = 0.8, β2 = 0.99"], ["AdamW betas = (0.9, 0.999)"]) == []


def test_a_count_spelled_out_is_its_digits():
    assert tokens("ten runs") == tokens("10 runs") == ["10", "runs"]
    assert match_rank("epochs = 6", "epochs = six")[0] == 3
    assert tokens("five-fold cross-validation")[0] == "5"
    # "one" is as often a pronoun as a count, and a word inside a word is no count
    assert tokens("one of the models") == ["one", "of", "the", "models"]
    assert tokens("often") == ["often"]


@pytest.mark.parametrize("pred,gold,kind", [
    ("Support vector machine", "SVM", 3),
    ("MAE", "mean absolute error", 3),
    ("AUC", "area under the curve", 3),                 # skips "the"
    ("mAP", "mean average precision", 3),
    ("MIoU", "mean IoU", 3),                            # a word kept whole in the acronym
    ("Support vector machine", "SVM (one-vs-all, polynomial kernel)", 2),
    ("MLP", "Artificial neural network (multi-layer perceptron)", 2),
])
def test_an_acronym_is_the_words_it_stands_for(pred, gold, kind):
    assert match_rank(pred, gold)[0] == kind
    assert match_rank(gold, pred)[0] == kind


@pytest.mark.parametrize("pred,gold", [
    ("CNN", "recurrent neural network"),                # initials differ
    ("an", "artificial neural"),                        # a lower-case word is no acronym
    ("RF = 10", "random forest = 20"),                  # numbers must still agree
])
def test_what_is_no_acronym_of(pred, gold):
    assert match_rank(pred, gold) is None


@pytest.mark.parametrize("pred,gold,kind", [
    ("PyTorch", "pytorch", 3),
    ("ResNet50", "ResNet-50", 3),
    ("MobileNet-v2", "MobileNetV2", 3),                 # one name, joined differently
    ("Inception-ResNet v2", "InceptionResNetv2", 3),
    ("horizontal flip", "horizontal flipping", 3),      # one word, inflected
    ("vertical flip", "random horizontal and vertical flips", 2),
    ("mix up", "mixup of random bird species", 2),
    ("min-max normalisation", "min-max normalization", 3),
    ("bounding boxes", "manual bounding boxes", 2),
    ("ImageNet", "ImageNet (pretraining)", 2),
    ("k-fold cross-validation", "5-fold cross-validation", 1),     # Jaccard 3/5
])
def test_match_rank_kinds(pred, gold, kind):
    assert match_rank(pred, gold)[0] == kind


@pytest.mark.parametrize("pred,gold", [
    ("batch size = 32", "batch size = 64"),          # Jaccard 0.5, but numbers differ
    ("weight decay = 5e-4", "weight decay = 0.005"),
    ("10-fold cross-validation", "5-fold cross-validation"),
    ("camera trap images", "own camera trap dataset"),  # Jaccard 2/5
    ("Adam", "AdamW"),                               # no whole-word containment
    ("", "Adam"),
])
def test_match_rank_rejects(pred, gold):
    assert match_rank(pred, gold) is None


def test_matching_is_one_to_one_and_prefers_exact():
    # "accuracy" could match both gold values; it must take the exact one.
    pairs = match_values(["accuracy", "overall accuracy"], ["accuracy", "overall accuracy"])
    assert sorted(pairs) == [(0, 0), (1, 1)]
    assert len(match_values(["Adam", "adam"], ["Adam"])) == 1


GOLD = {
    "A": {
        "frameworks": {"status": "reported", "values": ["PyTorch"], "evidence": []},
        "optimizer": {"status": "reported", "values": ["Adam", "SGD"], "evidence": []},
        "hardware": {"status": "unknown", "values": [], "evidence": []},
        "datasets": {"status": "reported",
                     "values": ["ImageNet (pretraining)", "own camera trap dataset"],
                     "evidence": []},
    },
    "B": {"optimizer": {"status": "unknown", "values": [], "evidence": []}},
    "C": {"frameworks": {"status": "reported", "values": ["Keras"], "evidence": []}},
}
PRED = {
    "A": {
        "frameworks": {"status": "reported", "values": ["pytorch"],
                       "evidence": ["built with  PyTorch"]},
        "optimizer": {"status": "reported", "values": ["Adam", "RMSprop"],
                      "evidence": [{"quote": "the Adam optimiser"}]},
        "hardware": {"status": "reported", "values": ["NVIDIA RTX 3090"],
                     "evidence": [{"quote": "on an NVIDIA RTX 3090"}]},
        "datasets": {"status": "reported", "values": ["ImageNet", "camera trap images"],
                     "evidence": []},
        "purpose": {"status": "reported", "values": ["classification"], "evidence": []},
    },
    "B": {},
    "D": {"frameworks": {"status": "reported", "values": ["Keras"], "evidence": []}},
}
TEXTS = {"A": "Our model was built with PyTorch and trained\non an NVIDIA RTX 3090 GPU."}


def test_score_by_hand():
    r = score(PRED, GOLD, TEXTS)
    assert r["docs"] == 2                                # C has no pred, D has no gold
    o = r["overall"]
    assert o["n"] == 5
    assert o["status_accuracy"] == pytest.approx(4 / 5)  # hardware is wrong
    assert (o["tp"], o["predicted"], o["gold"]) == (3, 6, 5)
    assert o["precision"] == pytest.approx(0.5)
    assert o["recall"] == pytest.approx(0.6)
    assert o["f1"] == pytest.approx(2 * 0.5 * 0.6 / 1.1)
    assert o["hallucination_rate"] == pytest.approx(1 / 6)
    assert o["evidence_verbatim"] == pytest.approx(2 / 3)
    assert set(r["fields"]) == {"frameworks", "optimizer", "hardware", "datasets"}
    opt = r["fields"]["optimizer"]
    assert opt["n"] == 2 and opt["status_accuracy"] == 1.0
    assert opt["precision"] == 0.5 and opt["recall"] == 0.5
    hw = r["fields"]["hardware"]
    assert hw["recall"] is None and hw["precision"] == 0.0 and hw["hallucination_rate"] == 1.0
    json.dumps(r)                                        # JSON-able


def test_score_without_texts_has_no_evidence_metric():
    assert "evidence_verbatim" not in score(PRED, GOLD)["overall"]


def test_load_gold(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"doc_id": "x", "fields": {
        "optimizer": {"status": "reported", "values": ["Adam"], "evidence": ["with Adam"]}}}))
    g = load_gold(tmp_path)
    assert g == {"x": {"optimizer": {"status": "reported", "values": ["Adam"],
                                     "evidence": ["with Adam"]}}}


def test_load_gold_errors(tmp_path):
    with pytest.raises(GoldError, match="not found"):
        load_gold(tmp_path / "missing")
    with pytest.raises(GoldError, match="no \\*.json"):
        load_gold(tmp_path)
    (tmp_path / "bad.json").write_text(json.dumps({"fields": {"a": {"status": "maybe"}}}))
    with pytest.raises(GoldError, match="status"):
        load_gold(tmp_path)
