"""The learned backend: statement filters, open-vocabulary values, training end to end on a tiny
set, and the shipped artefact loading offline. Every fixture text here is written for the test."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.backends import make_backend
from extractor.backends.base import GroupTask, Passage
from extractor.backends.learned import MODEL_DIR, LearnedBackend
from extractor.learned_data import load_examples
from extractor.learned_values import name_values, phrase_value
from extractor.schemas.catalog import load_schema
from extractor.statements import cited, hypothetical, negated, statement_reason
from extractor.train import main as train_main
from extractor.verify import verify

SCHEMA = load_schema()


# --- statement filters: one fixture per failure class -----------------------------------------

@pytest.mark.parametrize("text", [
    "Horizontal flipping is not a proper transformation for these aerial scenes.",
    "Data augmentation was not used in any experiment.",
])
def test_negated_statements_are_filtered(text):
    i = text.lower().find("flipping")
    span = (i, i + 8) if i >= 0 else None
    assert statement_reason(text, None, span) == "negated"


def test_negation_stays_in_its_clause():
    text = "We optimised the weights with Adam, not SGD."
    a, s = text.index("Adam"), text.index("SGD")
    assert not negated(text, a, a + 4)
    assert negated(text, s, s + 3)


@pytest.mark.parametrize("text, expected", [
    ("Her research interests include graph neural networks and remote sensing.",
     "an author biography"),
    ("She is currently an associate professor and has trained many CNNs on GPUs.",
     "an author biography"),
    ("Regions of interest in the images were annotated by two experts.", None),
    ("The model received the spectrograms of all sites as input.", None),
])
def test_author_biographies_are_filtered(text, expected):
    assert statement_reason(text) == expected


@pytest.mark.parametrize("text", [
    "It may be a good idea to perform data augmentation on the rarer classes.",
    "In future work we plan to deploy the detector on a Raspberry Pi.",
    "Mixup could be applied to enlarge the training set.",
])
def test_hypothetical_statements_are_filtered(text):
    assert hypothetical(text)
    assert statement_reason(text) == "hypothetical or future work"


@pytest.mark.parametrize("text", [
    "DeepLab has used dilated convolutions to enlarge the receptive field [8].",
    "Flood et al. [35] used a U-Net to map woody vegetation from satellite scenes.",
    "Previous studies trained ResNet-50 on the iNaturalist images.",
    # "US" is a country, not "us"
    "Caffe, developed in Berkeley, US (Jia et al., 2014), has been used for plankton images.",
    "In a different work (Kowal et al., 2021), VGG-16 is adapted to classify leaf scans.",
    "In another study, a U-Net was trained on drone images.",
    # what the cited work did, by its verb right after the citation
    "The picker of Okafor et al. (2019) classified short windows into three classes.",
    "BirdNet (Lee & Park 2020) framed call detection as segmentation, and SoundSeg "
    "(Ruiz et al. 2021) added attention.",
    # later or earlier work as the subject
    "Later work collected larger Twitter datasets from hashtags (Kowal and Brandt, 2020).",
    "Early call detectors extracted features and classified them with random forests "
    "(Moreau et al., 2014).",
])
def test_cited_statements_are_filtered(text):
    assert cited(text)


@pytest.mark.parametrize("text", [
    "The detector was implemented in Detectron2 (Wu et al., 2019) with PyTorch.",
    "Images were resized as in [8] to 512 by 512 pixels.",
    "We fine-tuned the backbone proposed by [12] on our trap images.",
    "The images were classified with a U-Net in a study area of 20 km2.",
    "Traditional methods (Moreau et al., 2014) served as our baselines.",
])
def test_own_statements_citing_a_tool_stay(text):
    assert statement_reason(text) is None


def test_related_work_section_is_filtered_and_methods_is_not():
    text = "A ResNet-50 was trained with SGD for 30 epochs."
    assert statement_reason(text, "related_work") is not None
    assert statement_reason(text, "methods") is None


# --- open-vocabulary values ----------------------------------------------------------------------

def test_out_of_vocabulary_gpu_and_model_names_are_found():
    hw = SCHEMA.field("hardware")
    arch = SCHEMA.field("model_architecture")
    assert name_values("Every model was trained on one NVIDIA A10G GPU with 24 GB of memory.",
                       hw) == ["NVIDIA A10G"]
    assert "AMDCN" in name_values("Our AMDCN network stacks dilated convolution columns.", arch)
    assert name_values("The model was trained for ten epochs.", arch) == []


def test_descriptive_value_is_the_stating_phrase_and_verifies():
    spec = SCHEMA.field("augmentation")
    text = "Training tiles were augmented with random horizontal flips and small rotations."
    value = phrase_value(text, spec)
    assert value and "horizontal flips" in value and value in text
    group = SCHEMA.group(spec.group)
    p = Passage(chunk_id=1, text=text, start=0, page=None)
    from extractor.backends.base import Candidate
    v = verify([Candidate("augmentation", value, text)], group.fields, text, [p])[0]
    assert v.accepted, v.reason


# --- training end to end on a tiny set, and the shipped artefact ---------------------------------

_PAPERS = {
    "p1": ("We trained the network on camera trap images. The images were randomly flipped "
           "horizontally during training. The weather was cold in the study area. "
           "All code was written over several months by the team."),
    "p2": ("Training images were augmented with random rotations and flips. We collected "
           "sound recordings with autonomous recorders. The region has many rivers and lakes. "
           "The authors thank the field assistants for their help."),
}
_GOLD = {
    "p1": {"augmentation": {"status": "reported", "values": ["random horizontal flips"],
                            "evidence": ["The images were randomly flipped horizontally"]}},
    "p2": {"augmentation": {"status": "reported", "values": ["rotations", "flips"],
                            "evidence": ["augmented with random rotations and flips"]}},
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    (root / "gold").mkdir()
    (root / "corpus").mkdir()
    for doc_id, text in _PAPERS.items():
        (root / "corpus" / f"{doc_id}.txt").write_text(text)
        (root / "gold" / f"{doc_id}.json").write_text(
            json.dumps({"doc_id": doc_id, "fields": _GOLD[doc_id]}))
    out = root / "model"
    rc = train_main(["--gold", str(root / "gold"), "--corpus", str(root / "corpus"),
                     "--out", str(out), "--epochs", "8"])
    assert rc == 0
    return root, out


def test_examples_are_labelled_by_evidence_overlap(tiny_model):
    root, _ = tiny_model
    ex = load_examples(root / "gold", root / "corpus")
    pos = [e.text for e in ex if "augmentation" in e.labels]
    assert len(pos) == 2 and all("flip" in t for t in pos)
    assert any(not e.labels and "weather" in e.text for e in ex)


def test_training_command_runs_end_to_end(tiny_model):
    _, out = tiny_model
    meta = json.loads((out / "meta.json").read_text())
    assert meta["papers"] == 2 and meta["positives"] == 2
    b = LearnedBackend(out)
    flip, weather = b.scores(["The images were randomly flipped horizontally.",
                              "The weather was cold in the study area."])
    assert flip["augmentation"] > weather["augmentation"]


@pytest.mark.skipif(not (MODEL_DIR / "textcat").is_dir(), reason="no shipped artefact")
def test_shipped_artefact_loads_offline_and_is_stable(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    b = make_backend("learned")
    text = ("We trained a U-Net with the Adam optimizer on an NVIDIA A10G GPU. Images were "
            "resized to 256 x 256 pixels and augmented with random horizontal flips.")
    p = Passage(chunk_id=1, text=text, start=0, page=None)
    outs = []
    for _ in range(2):
        b2 = LearnedBackend()
        for g in SCHEMA.groups:
            outs.append([(c.field, c.value) for c in b2.extract(GroupTask("d", g, [p])).candidates])
    n = len(SCHEMA.groups)
    assert outs[:n] == outs[n:]
    found = {v for o in outs[:n] for _, v in o}
    # (the shipped classifier scores this hardware sentence low, so A10G comes only from
    # name_values on sentences it does pick: see BENCHMARKS.md, "learned backend")
    assert {"Adam", "U-Net"} <= found
    assert Path(b.model_dir) == MODEL_DIR
