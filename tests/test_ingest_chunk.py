"""Chunking: offsets, sizes, pages, reference and boilerplate labels, unreadable detection."""
from __future__ import annotations

from extractor.ingest import detect
from extractor.ingest.chunk import CHUNK_MAX, CHUNK_MIN, make_chunks
from extractor.ingest.normalize import normalize

# Invented prose (not from any paper): varied sentences so the splitter has work to do.
METHODS = [
    "We trained a convolutional network on {n} labelled camera-trap photographs of wading birds.",
    "Images were resized to {n} by {n} pixels and normalised with the channel means of the set.",
    "The optimiser was stochastic gradient descent with momentum 0.9 and a batch of {n} images.",
    "Training ran for {n} epochs on one graphics card, and the learning rate decayed every ten.",
    "Random flips, small rotations and colour jitter were applied to every training image.",
    "Validation used a held-out split of {n} images drawn from sites never seen in training.",
    "Weights were initialised from a model pretrained on a large generic photo collection.",
    "Early stopping monitored the validation loss with a patience of {n} epochs.",
]
REFS = [
    "Alder, B.K., Birch, C., {y}. Counting herons from above with deep networks. Ecol. Inform. {v}, "
    "101{v}.",
    "Cedar, D., Elm, F.G., Fir, H., {y}. A benchmark of wetland bird images. Remote Sens. Environ. "
    "{v} (3), 12–{v}. https://doi.org/10.1234/rse.{y}.{v}",
    "Gum, I., Hazel, J., {y}. Transfer learning for small ecological datasets. Methods Ecol. Evol. "
    "{v}, 45–67.",
]


def methods_paragraph(k: int, sentences: int = 5) -> str:
    return " ".join(METHODS[(k + i) % len(METHODS)].format(n=16 * (k + i + 1))
                    for i in range(sentences))


def ref_entry(k: int) -> str:
    return REFS[k % len(REFS)].format(y=2000 + k % 24, v=10 + k)


def check_offsets(text, chunks):
    assert chunks, "no chunks"
    for i, c in enumerate(chunks):
        assert c.ord == i
        assert text[c.start:c.end] == c.text
        assert c.text == c.text.strip() and c.text
    for a, b in zip(chunks, chunks[1:]):
        assert a.end <= b.start


def test_every_chunk_points_into_the_text_and_sizes_are_bounded():
    text = normalize("\n\n".join(methods_paragraph(k) for k in range(30)))
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    assert all(len(c.text) <= CHUNK_MAX for c in chunks)
    assert all(len(c.text) >= CHUNK_MIN for c in chunks[:-1])
    assert not any(c.is_reference or c.is_boilerplate for c in chunks)
    assert all(c.page is None for c in chunks)
    # the chunks cover all the text
    assert "".join(c.text for c in chunks).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")


def test_long_paragraph_is_split_at_sentence_ends():
    text = normalize(" ".join(methods_paragraph(k, 8) for k in range(6)))  # one 4 kB paragraph
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    assert len(chunks) >= 3
    for c in chunks:
        assert c.text.endswith("."), c.text[-40:]
        assert len(c.text) <= CHUNK_MAX


def test_sentence_without_full_stop_is_hard_split():
    text = "word " * 1000
    text = normalize(text)
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    assert all(len(c.text) <= CHUNK_MAX for c in chunks)


def test_chunks_never_straddle_a_page_break():
    pages = [normalize(methods_paragraph(k, 7)) for k in range(3)]
    text = "\n\n".join(pages)
    starts = [0]
    for p in pages[:-1]:
        starts.append(starts[-1] + len(p) + 2)
    chunks = make_chunks(text, starts)
    check_offsets(text, chunks)
    assert [c.page for c in chunks] == [1, 2, 3]
    for c in chunks:
        assert starts[c.page - 1] <= c.start and c.end <= (starts + [len(text)])[c.page]


def test_reference_list_after_heading_is_marked():
    body = "\n\n".join(methods_paragraph(k) for k in range(3))
    refs = "\n\n".join(ref_entry(k) for k in range(12))
    text = normalize(f"{body}\n\nReferences\n\n{refs}")
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    head = text.index("References")
    for c in chunks:
        assert c.is_reference == (c.start >= head), c.text[:80]


def test_scattered_reference_entries_form_their_own_chunks():
    # Excerpt-style text: paragraphs in no order, entries mixed in, one glued onto prose.
    paras = [methods_paragraph(0), ref_entry(0), ref_entry(1), methods_paragraph(3),
             ref_entry(2) + " " + methods_paragraph(5, 3), ref_entry(3), methods_paragraph(6)]
    text = normalize("\n\n".join(paras))
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    for c in chunks:
        has_methods = any(m.format(n=0)[:25] in c.text for m in METHODS)
        has_ref = any(k in c.text for k in ("Alder, B.K.", "Cedar, D.", "Gum, I."))
        assert not (has_methods and has_ref), f"mixed chunk: {c.text[:120]}"
        assert c.is_reference == has_ref, c.text[:120]
    # every methods sentence survives in a non-reference chunk
    prose = " ".join(c.text for c in chunks if not c.is_reference)
    for m in METHODS:
        assert m.split("{")[0][:30] in prose


def test_in_text_citations_do_not_make_prose_a_reference():
    s = ("We followed the protocol of earlier work (Alder et al., 2019; Birch and Cedar, 2020) and "
         "trained the network for 40 epochs (see Elm, 2018). The model was compared with Fir et al. "
         "(2021), who used the same images.")
    assert not detect.looks_like_reference(s)
    assert detect.looks_like_reference(ref_entry(0))
    assert detect.looks_like_reference(ref_entry(1))
    assert detect.looks_like_reference(
        "12. Oak, P. et al. Counting seals from the air. Nature 512, 101–104 (2014).")


def test_boilerplate_is_marked():
    paras = [methods_paragraph(0, 7), "\u00a9 2023 The Authors. Published by a publisher. All rights reserved.",
             methods_paragraph(1, 7), "E-mail address: someone@example.org (A. Person).",
             methods_paragraph(2, 7)]
    text = normalize("\n\n".join(paras))
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    boiler = [c.text for c in chunks if c.is_boilerplate]
    assert any("All rights reserved" in b for b in boiler)
    assert any("someone@example.org" in b for b in boiler)
    assert not any("convolutional" in b for b in boiler)


def test_page_footer_spliced_into_a_paragraph_keeps_the_prose_before_it():
    # PDF extraction puts a page's download footer inside the paragraph that runs over the page
    # break; only the footer is furniture, the methods text before it must stay readable.
    footer = ("Authorized licensed use limited to: Some Library. Downloaded on May 1,2024 at "
              "10:00:00 UTC from IEEE Xplore. Restrictions apply.")
    whole = ("The detector runs on a workstation with an Intel Xeon W-2133 CPU, 32GB of RAM and "
             "two RTX 3090 GPUs. Figure 5 shows the stages of the pipeline. " + footer)
    cut = ("Spectral features are computed from filter banks whose outputs are weighted and "
           "then summed over the band, which " + footer)
    text = normalize("\n\n".join([methods_paragraph(0, 7), whole, cut, methods_paragraph(1, 7)]))
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    prose = " ".join(c.text for c in chunks if not c.is_boilerplate and not c.is_reference)
    boiler = [c.text for c in chunks if c.is_boilerplate]
    assert "Intel Xeon W-2133 CPU" in prose and "Figure 5 shows" in prose
    assert "weighted and then summed over the band, which" in prose
    assert boiler and all(b.startswith("Authorized licensed use") for b in boiler)
    assert "Restrictions apply" not in prose
    # a unit that is furniture from its start, or whose prefix is no prose, stays whole
    addr = normalize("Department of Zoology, Example University, Sometown Email: a@b.example.org")
    assert [c.is_boilerplate for c in make_chunks(addr)] == [True]


def test_unreadable_detection():
    cid = " ".join(f"(cid:{30 + i % 60})" * 3 for i in range(300))
    assert "font codes" in detect.unreadable_reason(normalize(cid))
    digits = " ".join(f"{i}.{i * 7} x{i * 3} | {i} %" for i in range(300))
    assert "non-letters" in detect.unreadable_reason(normalize(digits))
    assert detect.unreadable_reason("") is not None
    assert detect.unreadable_reason("tiny") is not None
    assert detect.unreadable_reason(normalize(methods_paragraph(0))) is None
    # a few (cid:NN) codes in real text are fine
    assert detect.unreadable_reason(methods_paragraph(1) + " (cid:12) (cid:13)") is None


def test_doi_detection():
    assert detect.doi_from_stem("10.1016_j.ecoinf.2020.101061") == "10.1016/j.ecoinf.2020.101061"
    assert detect.doi_from_stem("18") is None
    text = ("Journal of Things 3 (2020) https://doi.org/10.5555/jot.2020.7.\n\n"
            + methods_paragraph(0) + "\n\n" + ref_entry(1))
    refs = [(text.index("Cedar"), len(text))]
    assert detect.find_doi(text, refs) == "10.5555/jot.2020.7"
    # only a cited paper's DOI: not the paper's own
    assert detect.find_doi(methods_paragraph(0) + " " + ref_entry(1),
                           [(len(methods_paragraph(0)), 10**6)]) is None


def test_giant_paragraph_is_cut_before_sentencizing(monkeypatch):
    from extractor.ingest import chunk as chunk_mod

    monkeypatch.setattr(chunk_mod, "MAX_PARA", 3000)
    text = normalize(" ".join(methods_paragraph(k, 8) for k in range(12)))   # ~9 kB, one paragraph
    chunks = make_chunks(text)
    check_offsets(text, chunks)
    assert all(len(c.text) <= CHUNK_MAX for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_boilerplate_patterns_spare_methods_sentences():
    furniture = ["Received 12 March 2020; Received in revised form 3 May 2020",
                 "Available online 5 June 2021", "\u00a9 2023 The Authors. All rights reserved.",
                 "Department of Zoology, Example University, 12345 Sometown, Nowhere",
                 "* Corresponding author at: Example University, Sometown.",
                 "Downloaded from https://example.org/doi/10.1/x by Some Library on [01/01/2024]",
                 "Specialty section: This article was submitted to Plant Things, a section of a journal"]
    methods = ["Images were downloaded from an online portal in 2020.",
               "Data are available online at https://example.org/record/1.",
               "The code is licensed under the MIT licence.",
               "Each image received 3 labels from volunteers.",
               "Data are available from the corresponding author on request.",
               "Crops were taken around the center 2048 pixels of each frame.",
               "Restrictions apply to the availability of the field images used here."]
    assert all(detect.looks_like_boilerplate(s) for s in furniture)
    assert not any(detect.looks_like_boilerplate(s) for s in methods)


def test_availability_dois_are_not_references():
    for s in ["The trained weights are available at https://doi.org/10.5555/weights.2024.1.",
              "All images were deposited in a public repository (https://doi.org/10.5555/img.7).",
              "Data: https://doi.org/10.5281/zenodo.1234567"]:
        assert not detect.looks_like_reference(s), s


def _url_paragraph(url_text: str) -> str:
    # long enough and mixed enough to be sentence-split rather than kept whole
    return normalize(" ".join(methods_paragraph(k, 3) for k in range(4)) +
                     f" The scripts are available at {url_text} for reuse. " +
                     " ".join(methods_paragraph(k, 3) for k in range(4, 8)))


def test_sentence_split_keeps_a_url_cut_by_a_line_break_whole():
    from extractor.ingest.chunk import _units
    for url_text, whole in [("gitlab.example.\nde/group/repo", "gitlab.example. de/group/repo"),
                            ("https://doi.org/10.5061/dryad.\n7qz8k2", "dryad. 7qz8k2"),
                            ("github.\ncom/someone/tool", "github. com/someone/tool")]:
        text = _url_paragraph(url_text)
        units = _units(text, [])
        assert any(whole in text[u.start:u.end] for u in units), url_text
        chunks = make_chunks(text)
        check_offsets(text, chunks)
        assert any(whole in c.text for c in chunks), url_text


def test_url_continuation_is_not_taken_for_ordinary_sentence_ends():
    from extractor.ingest.urlcut import url_continues
    assert url_continues("available at gitlab.example.", "de/group/repo.")
    assert url_continues("at https://doi.org/10.5061/dryad.", "abc123.")
    assert url_continues("see github.", "com/user/repo")
    assert not url_continues("we used the dataset.", "the model was")
    assert not url_continues("shown in Fig. 3.", "We then")
    assert not url_continues("the accuracy was 0.", "95 overall")
    assert not url_continues("we took 10 images.", "3 of them were blurred")
    assert not url_continues("e.g.", "10 images")
    assert not url_continues("at github.", "Com/user")


def test_numbered_headings_glued_to_their_first_sentence_end_the_introduction():
    # PDFs that set headings in the body font glue them to the first sentence; the methods of
    # such a paper must not stay labelled "introduction" (whose sentences count only with "we")
    from extractor.ingest.sections import SectionTracker
    seq = ["1. Introduction", "Camera traps are used widely.",
           "1. A New Dataset Of birds is released.",                 # a list item, not a section
           "2. Related Works An important step in phenotyping is this.",
           "3. Proposed Methodology In this section, we provide the details.",
           "4. Experimental Work In this section, we introduce the experiments.",
           "5. Results The detector found most of the birds."]
    t = SectionTracker()
    assert [t.feed(s, True) for s in seq] == [
        "introduction", "introduction", "introduction", "related_work", "methods", "methods",
        "results"]
    t = SectionTracker()
    assert [t.feed(s, True) for s in ["I. INTRODUCTION", "Birds decline.",
                                      "II. Proposed Camera System The system is built here."]
            ] == ["introduction", "introduction", "methods"]


def test_an_abstract_after_the_introduction_heading_is_front_matter():
    # reading order of some PDFs puts "1 | INTRODUCTION" before the abstract's block
    from extractor.ingest.sections import SectionTracker
    t = SectionTracker()
    seq = ["1 | INTRODUCTION  Observing biodiversity is critical to ecology.",
           "Abstract  1. Finding and counting animals is a challenge that we address.",
           "2 | MATERIALS AND METHODS  2.1 | Approach  The tool was designed in 2015 and is used.",
           "Summary", "The detector is run on every video."]
    assert [t.feed(s, True) for s in seq] == ["introduction", "front", "methods", "methods",
                                              "methods"]
    # a keywords block that the layout sets beside the introduction does not end it
    t = SectionTracker()
    assert [t.feed(s, True) for s in ["1 | INTRODUCTION  Birds are counted by people.",
                                      "KEYWORDS", "Many studies used networks for this."]
            ] == ["introduction", "introduction", "introduction"]


def _paper(headings: list[str]) -> str:
    parts = ["Counting herons with a small network", "Keywords: herons; counting; networks"]
    for k, h in enumerate(headings):
        parts += [h, "Earlier counts relied on observers in boats across the marsh."
                  if k == 0 else methods_paragraph(k, 2)]
    return normalize("\n\n".join(parts))


def test_a_whole_paper_saved_as_text_is_chunked_by_section():
    chunks = make_chunks(_paper(["1 Introduction", "2 Methods", "3 Results", "4 Discussion"]))
    assert [c.section for c in chunks] == ["front", "introduction", "methods", "results",
                                           "discussion"]
    # the introduction's first paragraph is no longer front matter with the keywords
    assert "observers in boats" in chunks[1].text


def test_an_excerpt_with_headings_out_of_order_keeps_its_chunks():
    # paragraphs of an excerpt come in any order: one chunk, as before
    chunks = make_chunks(_paper(["2 Methods", "1 Introduction", "3 Results"]))
    assert [c.section for c in chunks] == ["front"]


def test_an_ieee_entry_with_et_al_is_a_reference_even_cut_short():
    # IEEE entries start with the initials; a page or column break may cut the venue off
    assert detect.looks_like_reference(
        '[7] K. Varga Molnar et al., "GraphTides: Learning tidal gauges with graph networks," '
        'Ocean Model')
    assert not detect.looks_like_reference(
        "K. Varga Molnar and colleagues trained our graph network on the tidal gauges.")


def test_a_heading_on_its_own_line_in_a_text_file_is_its_own_paragraph(tmp_path):
    from extractor.ingest.pipeline import parse_bytes
    from extractor.ingest.sections import separate_headings
    raw = ("We mapped reefs from drone photographs of our own.\n\n"
           "Data and Code Availability\n"
           "The scripts are available on GitHub at https://github.com/reef-lab/maps.\n"
           "3.2 Training settings\n"
           "All networks were trained for 40 epochs.\n"
           "1. Images were resized to 512 pixels.\n"
           "A second list item follows here.\n")
    out = separate_headings(raw)
    assert "Availability\n\nThe scripts" in out and "settings\n\nAll networks" in out
    assert "pixels.\nA second" in out        # a numbered sentence is no heading
    doc = parse_bytes(tmp_path / "paper.txt", raw.encode())
    # no sentence of the stored text starts with the heading's words
    assert "Availability\n\nThe scripts" in doc.text


def test_an_availability_heading_glued_to_its_paragraph_is_set_apart():
    from extractor.ingest.sections import heading_kind, separate_glued_headings
    text = ("We mapped reefs.\n\nCode and Data Availability The scripts and the trained weights "
            "are available on GitHub at https://github.com/reef-lab/maps, and we share them.")
    out = separate_glued_headings(text)
    assert "Code and Data Availability\n\nThe scripts" in out
    assert heading_kind("CODE AND DATA AVAILABILITY") == "acknowledgements"
    # a sentence that merely starts with a capitalised word is no heading
    prose = "Data were collected by divers at ten sites, and we share the records with you."
    assert separate_glued_headings(prose) == prose


def test_a_numbered_capitals_heading_inside_a_paragraph_starts_one():
    from extractor.ingest.sections import SectionTracker, separate_glued_headings
    text = ("Key words: bird calls; acoustic monitoring 1 INTRODUCTION Passive acoustic "
            "monitoring is used widely, and deep networks now detect calls in long recordings.")
    out = separate_glued_headings(text)
    assert out.startswith("Key words: bird calls; acoustic monitoring\n\n1 INTRODUCTION")
    tracker = SectionTracker()
    assert [tracker.feed(p, True) for p in out.split("\n\n")][-1] == "introduction"
    # unnumbered too, when long enough not to be an acronym
    out = separate_glued_headings("Keywords: lung atlas, foundation model INTRODUCTION "
                                  "Single-cell sequencing has made it possible to list cells.")
    assert "foundation model\n\nINTRODUCTION Single-cell" in out
    # a table's number before capitals, capitals that are no known heading, or a short one
    for prose in ("The scores are listed in Table 1 RESULTS OF THE TEST Sets below.",
                  "We then trained on 2 NEW FOREST Plots with the same settings.",
                  "We used the DATA Set from the survey and the MODEL Zoo weights here."):
        assert separate_glued_headings(prose) == prose


def test_a_numbered_title_case_heading_run_into_the_keywords_starts_a_paragraph():
    from extractor.ingest.sections import SectionTracker, separate_glued_headings
    # written for this test
    out = separate_glued_headings("Keywords: frog calls; pond survey 1 Introduction Calling "
                                  "frogs are counted by ear, and we ask how well a network does.")
    paras = out.split("\n\n")
    assert paras[:2] == ["Keywords: frog calls; pond survey", "1 Introduction"]
    tracker = SectionTracker()
    assert [tracker.feed(p, True) for p in paras][-1] == "introduction"
    # a section or table reference is no heading
    for prose in ("As shown in Section 2 Methods differ in their cost, and we say why.",
                  "The scores are listed in Table 3 Results Of the test below."):
        assert separate_glued_headings(prose) == prose


def test_an_ieee_heading_run_into_its_lettered_subsection_is_split_whole():
    from extractor.ingest.sections import SectionTracker, separate_glued_headings
    # written for this test: a two-column PDF runs "III. DATA", "A. Collection" and the prose
    # into the paragraph before; the heading keeps its number and the section becomes methods
    text = ("Our contributions are listed above. II. RELATED WORK A. Earlier detectors. Earlier "
            "work used the hand-made features [3]. III. DATA A. Collection We recorded 40 nights of "
            "audio at six ponds and kept the files at 48 kHz.")
    out = separate_glued_headings(text)
    paras = out.split("\n\n")
    assert paras == ["Our contributions are listed above.", "II. RELATED WORK",
                     "A. Earlier detectors. Earlier work used the hand-made features [3].",
                     "III. DATA", "A. Collection We recorded 40 nights of audio at six ponds and "
                     "kept the files at 48 kHz."]
    tracker = SectionTracker()
    assert [tracker.feed(p, True) for p in paras] == ["front", "related_work", "related_work",
                                                     "methods", "methods"]
    # a paragraph that opens with the numbered heading is not cut after its number
    assert separate_glued_headings("III. MATERIALS AND METHODS A. Datasets Four sets were "
                                   "used.").startswith("III. MATERIALS AND METHODS")
