"""The project's own gold annotations (benchmarks/) are well formed: every file loads as
`methex eval` reads it, names all the schema's fields, and every evidence quote is verbatim in
its paper's text (white space folded), as ../shared/benchmark/FIELDS.md asks."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.evaluate import fold_ws, load_gold
from extractor.schemas.catalog import load_schema

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SYNTH = BENCH / "synthetic-other"
KEYS = {f.key for f in load_schema().fields}


def _check(gold_dir: Path, text_of) -> int:
    gold = load_gold(gold_dir)
    quotes = 0
    for doc, fields in gold.items():
        assert set(fields) == KEYS, (doc, KEYS ^ set(fields))
        text = fold_ws(text_of(doc))
        for key, entry in fields.items():
            assert (entry["status"] == "reported") == bool(entry["values"]), (doc, key)
            for q in entry["evidence"]:
                assert fold_ws(q) in text, (doc, key, q)
                quotes += 1
    return quotes


@pytest.mark.parametrize("folder", ["gold-tune", "gold-val", "gold-tune2", "gold-val2"])
def test_invented_papers_gold(folder):
    n = _check(SYNTH / folder, lambda d: (SYNTH / "texts" / f"{d}.txt").read_text("utf-8"))
    assert n > 100


def test_gold_train_quotes_are_in_the_corpus_excerpts(shared_benchmark):
    n = _check(BENCH / "gold-train",
               lambda d: (shared_benchmark / "corpus" / f"{d}.txt").read_text("utf-8"))
    assert n > 500
