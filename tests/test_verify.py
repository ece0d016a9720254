from extractor.backends.base import Passage
from extractor.grounding import grounded
from extractor.verify import locate_quote, page_of

DOC = ("Intro text here. The network was trained with the Adam optimiser "
       "using a learning rate of 0.0001 \u2014 chosen by \u201cgrid search\u201d. "
       "Data came from camera traps in Kenya.")


def test_ligature_and_odd_spaces_map_back_to_source_offsets():
    doc = "Then a  \ufb01ne\u00a0Day\u2019s work began."
    m = locate_quote(doc, "a fine day's work")
    assert m.match == "normalized"
    assert doc[m.start:m.end] == "a  \ufb01ne\u00a0Day\u2019s work"


def test_exact_match_offsets():
    m = locate_quote(DOC, "trained with the Adam optimiser")
    assert m.match == "exact" and DOC[m.start:m.end] == "trained with the Adam optimiser"


def test_normalized_match_case_space_quotes_dashes():
    m = locate_quote(DOC, 'Learning  rate of 0.0001 - chosen by "Grid search')
    assert m.match == "normalized"
    assert DOC[m.start:m.end] == "learning rate of 0.0001 \u2014 chosen by \u201cgrid search"


def test_fuzzy_match_tolerates_small_slips_only():
    m = locate_quote(DOC, "The network was trained with Adam optimiser using a learning rate")
    assert m is not None and m.match == "fuzzy"
    assert DOC[m.start:m.end].startswith("The network was trained")
    assert locate_quote(DOC, "The model was implemented in PyTorch on four GPUs") is None


def test_too_short_quote_and_passage_restriction():
    assert locate_quote(DOC, "Adam") is None
    passages = [Passage(chunk_id=7, text=DOC[:17], start=0, page=1)]
    assert locate_quote(DOC, "camera traps in Kenya", passages) is None
    tail = DOC.index("Data came")
    m = locate_quote(DOC, "camera traps in Kenya",
                     [Passage(chunk_id=9, text=DOC[tail:], start=tail, page=2)])
    assert m.chunk_id == 9 and DOC[m.start:m.end] == "camera traps in Kenya"


def test_grounding():
    assert grounded("Adam", "trained with the Adam optimiser")
    assert grounded("learning rate = 0.0001", "using a learning rate of 0.0001")
    assert not grounded("learning rate = 0.001", "using a learning rate of 0.0001")
    assert grounded("camera traps", "Data came from camera traps")
    assert not grounded("PyTorch", "trained with the Adam optimiser")
    assert grounded("GPU", "two NVIDIA GPUs were used")
    assert grounded("PyTorch", "implemented in torch", aliases=("PyTorch", "torch"))
    # a DOI broken by a line end in the PDF text
    assert grounded("https://doi.org/10.5061/dryad.7h2k", "deposited at https://doi.org/10.5061/dryad. 7h2k")
    assert not grounded("https://doi.org/10.5061/dryad.7h2k", "deposited at https://doi.org/10.5061/dryad. 9x")


def test_page_of():
    assert page_of(0, [0, 100, 250]) == 1
    assert page_of(99, [0, 100, 250]) == 1
    assert page_of(100, [0, 100, 250]) == 2
    assert page_of(300, [0, 100, 250]) == 3
    assert page_of(5, None) is None


def test_a_true_statement_filed_under_the_wrong_field_is_rejected():
    from extractor.backends.base import Candidate
    from extractor.schemas.catalog import load_schema
    from extractor.verify import check_candidate
    schema = load_schema()
    doc = ("All models were trained on Google Colab Pro with one GPU. "
           "Weights were updated with the Adam optimiser.")
    passages = [Passage(chunk_id=1, text=doc, start=0, page=None)]
    wrong = Candidate("optimizer", "Google Colab Pro", "trained on Google Colab Pro with one GPU")
    _, reason = check_candidate(wrong, schema.field("optimizer"), doc, passages)
    assert reason and reason.startswith("quote does not speak of optimizer")
    right = Candidate("optimizer", "Adam", "Weights were updated with the Adam optimiser")
    assert check_candidate(right, schema.field("optimizer"), doc, passages)[1] is None
    # a field's search terms count with their word endings ("optimised", "optimiser")
    hw = Candidate("hardware", "one GPU", "trained on Google Colab Pro with one GPU")
    assert check_candidate(hw, schema.field("hardware"), doc, passages)[1] is None


def test_multi_word_field_terms_match_with_long_words():
    from extractor.schemas.catalog import FieldSpec
    from extractor.verify import about_field
    spec = FieldSpec("hyperparameters", "training", "settings", search_terms=("learning rate",))
    assert about_field("0.01", "the learning rate was set to 0.01", spec)
    assert about_field("0.01", "learning-rates of 0.01 were tried", spec)
    assert not about_field("0.01", "the rate of learning was 0.01", spec)


def test_a_quote_across_two_adjacent_passages_of_an_overlong_sentence_is_found():
    from extractor.ingest.chunk import make_chunks
    filler = " ".join(["cell"] * 292)
    text = "the " + filler + " All models were implemented in PyTorch. " + filler + " end"
    passages = [Passage(c.ord, c.text, c.start, c.page) for c in make_chunks(text)]
    assert not any("implemented in PyTorch" in p.text for p in passages)   # cut mid-sentence
    m = locate_quote(text, "implemented in PyTorch", passages)
    assert m is not None and text[m.start:m.end] == "implemented in PyTorch"
    # only passages that were read and that meet in the text count
    far = [p for p in passages if "PyTorch" not in p.text]
    assert locate_quote(text, "implemented in PyTorch", far) is None
