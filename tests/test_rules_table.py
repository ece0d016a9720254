"""Column-wise settings tables (name paragraph, then value paragraph) in the rules backend."""
from extractor.backends.base import GroupTask, Passage
from extractor.backends.rules import RulesBackend
from extractor.backends.rules_table import table_hits
from extractor.schemas.catalog import load_schema

TABLE = ("Table 2. Settings of the counting network.\n\nParameter\n\nValue\n\n"
         "Optimizer Initial learning rate Mini-batch size Training epochs Momentum Loss\n\n"
         "SGD (with Nesterov, see Section 2) 0.005 24 60 0.85 Focal loss\n\n"
         "The network was trained on the pooled quadrat photographs.")


def test_columns_are_paired_in_order_with_verbatim_quotes():
    hits = table_hits(TABLE, 300)
    assert [h.value for h in hits] == ["learning rate = 0.005", "batch size = 24", "epochs = 60",
                                       "momentum = 0.85"]
    for h in hits:
        q = TABLE[h.start:h.end]
        assert q.split()[-1] == h.value.split(" = ")[1]     # the quote ends at its value
        assert len(q) <= 300


def test_backend_reports_table_values_for_settings_table_fields():
    schema = load_schema()
    group = next(g for g in schema.groups if g.name == "training")
    out = RulesBackend().extract(GroupTask("d", group, [Passage(1, TABLE, 0, None)]))
    vals = {c.value for c in out.candidates if c.field == "hyperparameters"}
    assert {"learning rate = 0.005", "batch size = 24", "epochs = 60"} <= vals
    for c in out.candidates:
        assert c.quote in TABLE


def test_misaligned_or_implausible_tables_give_nothing():
    # one number too many (a second model's column): pairs would be guesses
    extra = TABLE.replace("0.85 Focal", "0.85 0.9 Focal")
    assert table_hits(extra, 300) == []
    # an epoch count that is not an integer means the columns do not line up
    assert table_hits(TABLE.replace(" 60 ", " 0.6 "), 300) == []
    # a learning rate of 24 is not a learning rate
    swapped = TABLE.replace("0.005 24", "24 0.005")
    assert table_hits(swapped, 300) == []
    # a name paragraph with a word that is not a setting name is not a settings column
    assert table_hits(TABLE.replace("Momentum", "Momentum Species"), 300) == []
    # names without a following value paragraph
    assert table_hits("Learning rate Batch size Epochs", 300) == []


def test_numbers_in_parentheses_and_years_are_skipped():
    t = "Learning rate Batch size\n\nAdam (Kingma and Ba, 2015) 0.0001 8"
    assert [h.value for h in table_hits(t, 300)] == ["learning rate = 0.0001", "batch size = 8"]


CELLS = ("Table 3 lists how the detector was trained.\n\nLearning rate\n\nBatch size\n\n"
         "Warmup rounds\n\n0.002\n\n12\n\n300\n\nTable 3. Detector settings.")


def test_one_cell_per_paragraph_with_a_header_of_its_own_name():
    hits = table_hits(CELLS, 300)
    assert [h.value for h in hits] == ["learning rate = 0.002", "batch size = 12",
                                       "warmup rounds = 300"]
    for h in hits:
        assert CELLS[h.start:h.end].startswith(h.value.split(" = ")[0].capitalize())
        assert CELLS[h.start:h.end].endswith(h.value.split(" = ")[1])


def test_cells_that_do_not_line_up_give_nothing():
    # one number fewer than names: no pair is trusted
    assert table_hits(CELLS.replace("\n\n300", ""), 300) == []
    # a column title among the names ("Value") takes a number of its own: misaligned
    assert table_hits(CELLS.replace("Warmup rounds", "Warmup rounds\n\nValue"), 300) == []
    # a run needs two known numeric names: headers alone are no settings table
    assert table_hits("Species\n\nSites\n\n12\n\n300", 300) == []
