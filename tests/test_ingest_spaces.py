"""Text whose words run together (an extractor that lost the space glyph) is cut back into
words before anything reads it; text with its spaces is never touched."""
from __future__ import annotations

from pathlib import Path

from extractor.ingest.pipeline import parse_bytes
from extractor.ingest.spaces import restore_spaces, runs_together
from test_rules import run

GLUED = ("Wetrainedtheclassifierfor80epochswiththeAdamoptimizer,usingKeraswithTensorFlowas"
         "backend.ThecameratrapimageswererandomlysplitintotrainingandtestsetsbySite(CNNs"
         "weretrainedonanNVIDIAGeForceGPU).Codeisathttps://github.com/example-lab/glued-words,"
         "andalgo-rithmsareinthe8bandfolder.")


def test_run_together_words_are_parted():
    text = restore_spaces(GLUED + "\n\n" + GLUED)
    assert text.startswith("We trained the classifier for 80 epochs with the Adam optimizer, "
                           "using Keras with TensorFlow as backend. The camera trap images were "
                           "randomly split into training and test sets by Site (CNNs were")
    # an address keeps its letters; a word hyphenated across a lost line end is one word
    assert "https://github.com/example-lab/glued-words, and algorithms are in the 8 band folder."\
        in text
    assert "NVIDIA GeForce GPU" in text


def test_text_with_spaces_is_never_touched():
    prose = "We trained a ResNet-50 on 2,000 images; the code is at www.example.org/x.\n\nDone."
    assert restore_spaces(prose) == prose
    # a glued running header or a figure's axis labels alone are left as they are
    header = "EcologicalInformatics12(2031)104242Availableonline3March2031"
    page = header + "\n\n" + "\n\n".join([prose] * 3)
    assert runs_together(header) and restore_spaces(page) == page


def test_a_paper_without_spaces_is_read_like_any_other(tmp_path: Path):
    p = tmp_path / "glued.txt"
    p.write_text(GLUED + "\n\n" + GLUED)
    doc = parse_bytes(p, p.read_bytes())
    assert doc.status == "ok" and "using Keras with TensorFlow as backend" in doc.text
    out = run(doc.text)
    assert {"Keras", "TensorFlow"} <= set(out["frameworks"])
    assert "Adam" in out["optimizer"]
