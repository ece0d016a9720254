"""The rules backend on invented sentences: one positive case per pattern/vocabulary type and
negative cases (other work, general knowledge, non-DL senses, titles) that must yield nothing."""
import pytest

from extractor.backends.base import GroupTask, Passage
from extractor.backends.rules import (RulesBackend, about_other_work, looks_like_reference,
                                      normalise, sentences, variants)
from extractor.schemas.catalog import load_schema, parse_schema
from extractor.verify import check_candidate

SCHEMA = load_schema()


def canonical_values(field: str, out: dict[str, list[str]]) -> list[str]:
    from extractor.canonical import spec_canonical
    return [spec_canonical(SCHEMA.field(field), v) for v in out.get(field, [])]


def run(text: str, group: str | None = None, schema=SCHEMA) -> dict[str, list[str]]:
    """Values per field over every group (or one), each checked like the core checks it."""
    passages = [Passage(chunk_id=1, text=text, start=0, page=None)]
    out: dict[str, list[str]] = {}
    for g in schema.groups:
        if group and g.name != group:
            continue
        for c in RulesBackend().extract(GroupTask("d", g, passages)).candidates:
            assert c.quote in text, c                      # verbatim substring
            assert len(c.quote) <= 300
            _, reason = check_candidate(c, schema.field(c.field), text, passages)
            assert reason is None, (c, reason)
            out.setdefault(c.field, []).append(c.value)
    return out


def test_backend_identity():
    b = RulesBackend()
    assert (b.name, b.model) == ("rules", "-")


@pytest.mark.parametrize("text,field,value", [
    ("We implemented the network in PyTorch and trained it on our own images.",
     "frameworks", "PyTorch"),
    ("All scripts were written with Keras on top of TensorFlow.", "frameworks", "Keras"),
    ("Weights were optimised with the Adam optimizer at a learning rate of 0.001.",
     "optimizer", "Adam"),
    ("Weights were optimised with the Adam optimizer at a learning rate of 0.001.",
     "hyperparameters", "learning rate = 0.001"),
    ("The batch size was set to 32 and the network was trained for 100 epochs.",
     "hyperparameters", "batch size = 32"),
    ("The batch size was set to 32 and the network was trained for 100 epochs.",
     "hyperparameters", "epochs = 100"),
    ("Training used SGD with a momentum of 0.9 and weight decay of 0.0005.",
     "hyperparameters", "momentum = 0.9"),
    ("Training was run on an NVIDIA GeForce RTX 3090 GPU with 24 GB memory.",
     "hardware", "NVIDIA GeForce RTX 3090"),
    ("Our detector is a YOLOv5 model fine-tuned on the drone photographs we collected.",
     "model_architecture", "YOLOv5"),
    ("We fine-tuned a ResNet50 that had been pretrained on ImageNet.",
     "model_architecture", "ResNet-50"),
    ("We fine-tuned a ResNet50 that had been pretrained on ImageNet.", "datasets", "ImageNet"),
    ("The images were randomly split into training and test sets with an 80/20 ratio.",
     "data_split", "80/20"),
    ("Model skill was assessed with 10-fold cross-validation on the pooled plots.",
     "generalizability", "10-fold cross-validation"),
    ("Training images were augmented by random horizontal flipping and rotation.",
     "augmentation", "horizontal flip"),
    ("We report precision, recall and the F1-score for every class.",
     "evaluation_metrics", "F1-score"),
    ("Detection quality was summarised as mAP at an IoU of 0.5.", "evaluation_metrics", "mAP"),
    ("The source code is available at https://github.com/example-lab/owl-counter.",
     "code_repository_url", "https://github.com/example-lab/owl-counter"),
    ("The source code is available at https://github.com/example-lab/owl-counter.",
     "code_repository_platform", "GitHub"),
    ("The annotated images were deposited on Zenodo (https://doi.org/10.5281/zenodo.1234567).",
     "data_repository_url", "https://doi.org/10.5281/zenodo.1234567"),
    ("The annotated images were deposited on Zenodo (https://doi.org/10.5281/zenodo.1234567).",
     "data_repository_platform", "Zenodo"),
    ("Each animal was marked with a bounding box drawn by two trained annotators in LabelImg.",
     "annotation_methods", "bounding boxes"),
    ("Training stopped by early stopping with a patience of 10 epochs on the validation loss.",
     "stopping_criteria", "early stopping"),
    ("We fixed the random seed to 42 so that every run can be reproduced.",
     "randomness", "fixed random seed"),
    ("Class imbalance was reduced by oversampling the rare species.",
     "bias_handling", "oversampling"),
    ("The trained network was deployed on a Raspberry Pi attached to the nest box.",
     "deployment_platform", "Raspberry Pi"),
])
def test_positive(text, field, value):
    assert value in run(text).get(field, []), run(text)


@pytest.mark.parametrize("text", [
    # other studies and general knowledge
    "Smith et al. (2019) used ResNet-50 and PyTorch to classify beetles.",
    "Previous studies applied YOLOv3 with the Adam optimizer to count seals.",
    "Convolutional neural networks have been widely used for camera trap images.",
    "TensorFlow is widely used in ecology for many tasks.",
    "In future work we plan to deploy the model on a Raspberry Pi.",
    # non-DL senses
    "Adam Smith collected the beetles by hand during the summer of the survey.",
    "The map of the study area was drawn in the field from several sightings.",
    "Seed dispersal by birds was recorded with a random seed trap in each plot.",
    # bibliography entries and titles
    "Lee, K., Park, J., Kim, S., 2020. Counting birds with YOLOv4. Ecol. Inform. 58, 101-110.",
    "Bird species recognition via neural architecture search.",
])
def test_negative(text):
    assert run(text) == {}


def test_precision_agriculture_is_not_a_metric():
    assert "precision" not in run("We surveyed farms that practise precision agriculture "
                                  "across the valley.").get("evaluation_metrics", [])


def test_pattern_hides_overlapping_vocabulary_hit():
    vals = run("We evaluated the classifier with 5-fold cross-validation over all sites.")
    assert vals["generalizability"] == ["5-fold cross-validation"]


def test_quotes_follow_hyphenated_line_breaks_and_are_verbatim():
    # matching sees "updated with" and "learning rate"; the quote keeps the original characters
    text = ("The  weights  were  up-\ndated\nwith  stochastic  gradient  descent  for  50  "
            "epochs  at  a  learn-\ning  rate  of  0.01.")
    vals = run(text, "training")
    assert "SGD" in vals["optimizer"]
    assert "epochs = 50" in vals["hyperparameters"]


def test_long_sentence_quote_is_a_bounded_window():
    text = ("We trained the network " + "on many carefully curated images " * 15 +
            "with the Adam optimizer " + "and many other settings " * 15 + "in the end.")
    b = RulesBackend()
    g = SCHEMA.group("training")
    cands = b.extract(GroupTask("d", g, [Passage(1, text, 0, None)])).candidates
    q = next(c.quote for c in cands if c.field == "optimizer")
    assert "Adam" in q and len(q) <= 300 and q in text


def test_values_ranked_by_frequency_and_capped():
    text = " ".join(f"We report accuracy and recall for the {i} test plots." for i in range(3))
    text += " We also report precision once for the same plots."
    vals = run(text, "evaluation")["evaluation_metrics"]
    assert vals[:2] == ["accuracy", "recall"] and "precision" in vals


def test_custom_schema_context_negative_case_and_block():
    schema = parse_schema("""
name: t
groups: {g: test}
fields:
- key: tool
  group: g
  vocabulary: {Foo: [foo tool], BAR: []}
  context: [used]
  negative: [not really]
  case_sensitive: [BAR]
  block: [foo tool kit]
  max_values: 1
  patterns:
  - regex: 'version (\\d+)'
    value: 'v{1} || version {1}'
""")
    assert run("We used the foo tool for all of the analyses here.", schema=schema) == \
        {"tool": ["Foo"]}
    assert run("We liked the foo tool for all of the analyses here.", schema=schema) == {}
    assert run("We used the foo tool, not really, for the analyses.", schema=schema) == {}
    assert run("We used the bar for all of the analyses here.", schema=schema) == {}
    assert run("We used the foo tool kit for all of the analyses.", schema=schema) == {}
    # the first alternative whose words occur in the quote wins ("v3" is not in the text)
    assert run("We used version 3 of it for all of the analyses.", schema=schema) == \
        {"tool": ["version 3"]}


def test_helpers():
    assert {"ResNet-50", "ResNet50", "ResNet 50"} <= variants("ResNet-50")
    n = normalise("valida-\ntion  loss")
    assert n.text == "validation loss"
    assert n.span(0, len(n.text)) == (0, len("valida-\ntion  loss"))
    assert len(sentences(normalise("We used Adam. It worked, e.g. here. Then we stopped."))) == 3
    assert looks_like_reference("Yosinski J, Clune J, Bengio Y (2014) How transferable are "
                                "features in deep neural networks?")
    assert not looks_like_reference("We trained a ResNet-50 for 30 epochs.")
    assert about_other_work("Jones et al. (2021) used a U-Net for kelp.")
    assert not about_other_work("We used a U-Net (Ronneberger et al., 2015) for kelp.")


def test_bad_regex_is_a_clear_error_at_load():
    with pytest.raises(ValueError, match=r"<schema>:5: field 'x': patterns.0.regex: .*not a "
                                         r"valid regex"):
        parse_schema("""
name: t
groups: {g: test}
fields:
- {key: x, group: g, patterns: [{regex: '(unclosed', value: '{1}'}]}
""")


def test_own_work_field_skips_general_statements():
    # annotation_methods is own_work: present-tense general claims do not count
    assert "annotation_methods" not in run("Manual annotation of seabed images is costly and "
                                           "slow for any project.", "data")
    assert run("All frames were manually annotated by two observers.")["annotation_methods"] == \
        ["manual annotation"]


def test_named_dataset_pattern_and_canonical_mapping():
    vals = run("We trained the detector on the Kelpwatch dataset and pretrained it on the "
               "ImageNet dataset.", "data")["datasets"]
    # the name alone: annotators write "Kelpwatch (kelp canopy maps)", not "Kelpwatch dataset"
    assert "Kelpwatch" in vals and "ImageNet" in vals
    assert "ImageNet dataset" not in vals and "Kelpwatch dataset" not in vals


def test_prefix_values_fold_into_the_specific_one():
    vals = run("We used a ResNet for the first trials. The final ResNet-50 was trained on "
               "our images.", "model")["model_architecture"]
    assert vals == ["ResNet-50"]


def test_r_package_pattern_is_case_sensitive():
    assert run("Models were fitted with the R package ranger.", "software")["frameworks"] == \
        ["R package ranger"]
    assert "frameworks" not in run("The lab report was written with the r package version 2.",
                                   "software")


@pytest.mark.parametrize("text,value", [
    ("A radial basis function (RBF) was chosen as the kernel of the classifier.", "kernel = RBF"),
    ("Each network received 256 × 256 pixel input tiles cut from the mosaics.",
     "256 × 256 input"),      # "size" is not in the quote, so the value does not claim it
    ("Hidden layers used the ReLU activation function throughout the network here.",
     "activation = ReLU"),
    # the setting is "dropout", as annotators name it however the paper words its rate
    ("We set the dropout rate to 0.3 before the last dense layer.", "dropout = 0.3"),
])
def test_more_hyperparameter_patterns(text, value):
    assert value in run(text, "training")["hyperparameters"]


def test_negated_bias_handling_is_not_reported():
    assert "bias_handling" not in run("In this first stage, oversampling and class weights were "
                                      "not used for the classifier.", "data")
    assert run("Rare classes were handled by oversampling the training images.",
               "data")["bias_handling"] == ["oversampling"]


@pytest.mark.parametrize("text,field,value", [
    # URLs cut by a PDF line break after "/", after "_" or after a dot before a remainder
    ("Our scripts and model code are available at https://github.com/\nsomelab/bird-counter.",
     "code_repository_url", "https://github.com/somelab/bird-counter"),
    ("The survey images are deposited at https://doi.org/10.5061/dryad.\nk8x2m51 for reuse.",
     "data_repository_url", "https://doi.org/10.5061/dryad.k8x2m51"),
    ("Occurrence records were obtained from GBIF (https://doi.org/ 10.15468/dl.\nq7zz3a).",
     "data_repository_url", "https://doi.org/10.15468/dl.q7zz3a"),
    ("The training code is at https://github.com/somelab/tree_\ncounter for reuse.",
     "code_repository_url", "https://github.com/somelab/tree_counter"),
])
def test_urls_cut_by_line_breaks_are_read_whole(text, field, value):
    assert value in run(text, "availability").get(field, []), run(text, "availability")


def test_url_root_followed_by_a_word_is_not_extended():
    out = run("Our code is on GitHub, see https://github.com/ and the supplement.", "availability")
    assert "code_repository_url" not in out


def test_sentence_split_does_not_cut_a_url():
    t = "Data were deposited at doi.org/10.5061/dryad. 7h44j and the code at GitHub."
    assert len(sentences(normalise(t))) == 1


@pytest.mark.parametrize("text,field,value", [
    ("We provide the whole workflow in Python through the beetlecount package.",
     "deployment_process", "Python package"),
    ("Our interactive map of predicted nesting sites is an online tool that can be accessed here.",
     "deployment_process", "online tool"),    # in the paper's words
    ("The random number generator was started from the same integer seed in every run.",
     "randomness", "fixed random seed"),
])
def test_deployment_and_seed_phrasings(text, field, value):
    assert value in run(text).get(field, []), run(text)


def test_possible_uses_and_pretrained_contrast_are_not_reported():
    out = run("The classifier can be deployed as a web application by other teams.")
    assert "deployment_process" not in out
    out = run("The network trained from random initialisation was worse than the pretrained one.")
    assert "randomness" not in out


def test_split_ratio_phrasings():
    out = run("Of all plots, 65% of the data were designated for training and 35% for validation.")
    assert "65/35" in out["data_split"]
    out = run("The photographs were divided as follows: 70% for training, 15% for validation and "
              "15% for testing.")
    assert "70/15/15" in out["data_split"]


def test_context_fallback_hit_only_when_nothing_better():
    bare = "The detector reached high recall on the training and test sets we used."
    assert run(bare, "data")["data_split"] == ["train/test"]
    both = bare + " The quadrat images were randomly split 75/25 into training and test parts."
    assert "train/test" not in run(both, "data")["data_split"]


def test_context_fallback_schema_key(tmp_path):
    schema = parse_schema("""
name: t
groups: {g: test}
fields:
- key: f
  group: g
  patterns:
  - regex: '\\bwidget (\\d+)'
    value: 'widget {1}'
    context: [assembled]
    context_fallback: true
  - regex: '\\bgadget (\\d+)'
    value: 'gadget {1}'
    context: [assembled]
""", "t.yaml")
    assert run("We counted widget 7 and gadget 9 in the box.", schema=schema) == {"f": ["widget 7"]}
    out = run("We counted widget 7 in the box. Then we assembled gadget 9 from it.", schema=schema)
    assert out == {"f": ["gadget 9"]}


def test_statistical_resampling_is_not_preprocessing():
    out = run("We tuned the forest parameters through resampling of the training plots.", "data")
    assert "resampling" not in out.get("preprocessing", [])
    out = run("The elevation layers were resampled to 30 m with bilinear interpolation.", "data")
    assert "resampling" in out["preprocessing"]


@pytest.mark.parametrize("text,value", [
    ("Each orthomosaic was divided into 48 non-overlapping tiles before training.", "tiling"),
    ("Pixel values were rescaled to the range [0, 1] for every band.", "rescaling to [0, 1]"),
    ("All inputs were scaled between 0 and 1 before training.", "scaling to [0, 1]"),
    ("The crops were rescaled to 256 × 256 pixels for the classifier.", "rescaling to 256 × 256"),
    ("Log-mel spectrograms were computed from each 3 s frog call clip.", "spectrogram conversion"),
    ("We masked cloud-contaminated pixels in every Landsat scene.", "cloud masking"),
])
def test_more_preprocessing_phrasings(text, value):
    assert value in run(text, "data").get("preprocessing", []), run(text, "data")


def test_satellite_mission_names_mean_satellite_imagery():
    out = run("We classified mangrove cover from Sentinel 2 scenes acquired in 2021.", "data")
    # reported in the paper's wording, stored under the canonical value (surface_values)
    assert canonical_values("data_collection", out) == ["satellite imagery"]


def test_testing_at_sites_never_seen_is_cross_site_evaluation():
    out = run("The detector was then tested at locations it had never seen before, where it found "
              "most burrows.", "evaluation")
    assert canonical_values("generalizability", out) == ["cross-site evaluation"]


def test_present_tense_description_of_the_training_data_counts_as_own_work():
    out = run("The training dataset holds 500 drone photos, in which each seal is annotated "
              "with a bounding box.", "data")
    assert "bounding boxes" in out["annotation_methods"]
    out = run("Bounding boxes are commonly annotated for object detection tasks.", "data")
    assert "annotation_methods" not in out


def test_geographic_bounding_box_is_not_an_annotation():
    out = run("We recorded the geographic bounding box of each survey, which was annotated in the "
              "metadata.", "data")
    assert "annotation_methods" not in out


@pytest.mark.parametrize("text,value", [
    ("Training was halted once the validation F1 repeatedly failed to improve.", "validation F1"),
    ("We stopped training when the loss increased for five consecutive epochs.", "loss per epoch"),
    ("We used early stopping based on the validation loss with a patience of 8.",
     "validation loss (early stopping)"),
])
def test_training_monitoring_from_stopping_rules(text, value):
    assert value in run(text, "training").get("training_monitoring", []), run(text, "training")


def test_data_on_github_is_not_a_code_platform():
    out = run("The labelled survey images are available from GitHub "
              "(https://github.com/somelab/seal-images).", "availability")
    assert "code_repository_platform" not in out
    out = run("All training code is available from GitHub (https://github.com/somelab/seal-cnn).",
              "availability")
    assert out["code_repository_platform"] == ["GitHub"]
