"""The one sentence splitter (extractor.ingest.sentences). Test sentences are invented."""
from extractor.backends.rules_text import normalise, sentences
from extractor.backends.sentences import quote_choices
from extractor.core import Passage
from extractor.ingest.normalize import normalize
from extractor.ingest.sentences import sentence_spans


def texts(text: str, **kw) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, **kw)]


def test_plain_sentence_ends():
    t = "We trained the network. Did it work? It did! 3 runs were made."
    assert texts(t) == ["We trained the network.", "Did it work?", "It did!", "3 runs were made."]


def test_abbreviations_do_not_end_a_sentence():
    t = ("Small birds, e.g. finches, were counted. Counts follow Smith et al. (2020) closely. "
         "As Fig. 3 shows, i.e. in the top row, recall rose. See Eq. 2 and Figs. 4 and 5 "
         "vs. the baseline. Dr. Moss approved it.")
    assert texts(t) == ["Small birds, e.g. finches, were counted.",
                        "Counts follow Smith et al. (2020) closely.",
                        "As Fig. 3 shows, i.e. in the top row, recall rose.",
                        "See Eq. 2 and Figs. 4 and 5 vs. the baseline.",
                        "Dr. Moss approved it."]


def test_initials_do_not_end_a_sentence():
    assert texts("Plants of A. thaliana were grown by J. Doe. They flowered.") == \
        ["Plants of A. thaliana were grown by J. Doe.", "They flowered."]


def test_a_unit_after_a_number_ends_a_sentence():
    assert texts("Ranges go beyond 50 m. Latency is measured per frame. Each clip lasts 5 s. "
                 "Then it stops.") == ["Ranges go beyond 50 m.", "Latency is measured per frame.",
                                       "Each clip lasts 5 s.", "Then it stops."]


def test_decimals_and_urls_are_not_sentence_ends():
    t = ("The learning rate was 0.001 and the loss fell to 2.5. Code is at "
         "https://example.org/tool/v1.2 for all. The data are at www.example.org. Done.")
    assert texts(t) == ["The learning rate was 0.001 and the loss fell to 2.5.",
                        "Code is at https://example.org/tool/v1.2 for all.",
                        "The data are at www.example.org.", "Done."]


def test_a_url_cut_after_a_dot_stays_in_its_sentence():
    t = "Data were put at doi.org/10.5555/store. 7abc9 for reuse. Then we stopped."
    assert texts(t) == ["Data were put at doi.org/10.5555/store. 7abc9 for reuse.",
                        "Then we stopped."]


def test_a_lower_case_word_after_a_full_stop_does_not_start_a_sentence():
    assert len(texts("We took 10 images. the rest were blurred.")) == 1


def test_semicolons_cut_only_with_clauses():
    t = "Images were resized to 256 pixels; Adam was the optimizer; training took 3 days."
    assert texts(t) == [t]
    # a clause, like a sentence, needs an opener (capital, digit, bracket) after the ";"
    assert texts(t, clauses=True) == ["Images were resized to 256 pixels;",
                                      "Adam was the optimizer; training took 3 days."]


def test_paragraph_breaks_and_extra_breaks_end_sentences():
    t = "Methods\n\nWe used a small network without a full stop\n \nResults follow"
    assert texts(t) == ["Methods", "We used a small network without a full stop", "Results follow"]
    t = "A heading We trained a model."
    assert texts(t, breaks=[9]) == ["A heading", "We trained a model."]


def test_a_sentence_runs_on_across_a_page_break_inside_it():
    prose = "Having settled on a batch size of twelve and up to two hundred epochs for the"
    t = f"{prose}\n\nnetwork, we trained it on the plots. Then we stopped."
    assert texts(t) == [f"{prose}\n\nnetwork, we trained it on the plots.", "Then we stopped."]
    # the same break folded by the normaliser (an extra break offset)
    flat = t.replace("\n\n", " ")
    assert texts(flat, breaks=[len(prose)]) == [flat[:flat.index(" Then")], "Then we stopped."]
    # table cells in lower case, a short paragraph or a next paragraph without a sentence end
    # still end where they break
    assert texts("site\n\nvideo") == ["site", "video"]
    assert texts(f"{prose}\n\nseafloor, water column, laboratory photo") == [
        prose, "seafloor, water column, laboratory photo"]
    assert texts(f"{prose}.\n\nnetwork ends here.") == [f"{prose}.", "network ends here."]


def test_offsets_map_back_to_the_text_and_a_range_can_be_split():
    t = "  First one here.   Second, e.g. this; and more.\n\nThird at 0.5 m.  "
    spans = sentence_spans(t, clauses=True)
    assert [t[a:b] for a, b in spans] == ["First one here.", "Second, e.g. this; and more.",
                                          "Third at 0.5 m."]
    assert all(t[a:b] == t[a:b].strip() and a < b for a, b in spans)
    assert spans == sorted(spans) and all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    lo = t.index("Second")
    assert sentence_spans(t, lo=lo, hi=t.index("\n")) == [(lo, t.index("\n"))]
    assert sentence_spans("") == [] and sentence_spans("   ") == []


def test_text_without_an_end_is_one_sentence():
    assert texts("a table row 1 2 3 4") == ["a table row 1 2 3 4"]


def test_rules_backend_and_llm_picker_cut_where_the_splitter_cuts():
    raw = "We resized the im-\nages to 224 px; Adam was used, e.g. here.\n\nTraining took 3 days."
    norm = normalise(raw)
    cut = [raw[slice(*norm.span(a, b))] for a, b in sentences(norm)]
    stored = normalize(raw)
    assert [c.replace("im-\nages", "images") for c in cut] == texts(stored, clauses=True)
    assert quote_choices([Passage(1, stored, 0, 1)]) == texts(stored, clauses=True)
