"""--where as pages (`methex query --where … --limit N`) and the condition parser, on the
fixture database: paper_a (PyTorch, RTX 3090), paper_b (Pytorch, Tesla V100), paper_c."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.query import QueryError, papers_page, parse_condition
from extractor.schemas.catalog import load_schema
from extractor.store import open_db
from fixture_db import build_fixture_db


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "t.db"
    build_fixture_db(path).conn.close()
    return str(path)


def _run(dbfile, *args):
    res = CliRunner().invoke(cli, [*args, "--db", dbfile], env={"COLUMNS": "220"})
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


def test_limit_lists_the_first_papers_and_says_how_many_match(dbfile):
    out = _run(dbfile, "query", "--where", "hardware~nvidia", "--limit", "1")
    assert "paper_a" in out and "paper_b" not in out
    assert "2 papers match; the first 1 shown" in out
    assert [r["doc_id"] for r in json.loads(_run(dbfile, "query", "--where", "hardware~nvidia",
                                                 "--limit", "1", "--json"))] == ["paper_a"]
    out = _run(dbfile, "query", "--where", "hardware~nvidia", "--limit", "5")
    assert "2 papers match" in out and "shown" not in out


def test_pages_cover_the_whole_answer(dbfile):
    db, schema = open_db(dbfile), load_schema()
    conds = [parse_condition("hardware~nvidia", schema)]
    whole = papers_page(db, conds, ["frameworks"], schema, limit=None)
    assert whole.total == 2 and [p.doc_id for p in whole.papers] == ["paper_a", "paper_b"]
    pages = [papers_page(db, conds, ["frameworks"], schema, limit=1, offset=i) for i in (0, 1, 2)]
    assert [p.total for p in pages] == [2, 2, 2]
    assert [m for p in pages for m in p.papers] == whole.papers
    assert whole.papers[1].fields == {"frameworks": ["Pytorch"]}
    assert papers_page(db, [], None, schema, limit=2).total == 3


@pytest.mark.parametrize("text, parsed", [
    ("frameworks=PyTorch", ("frameworks", "=", "PyTorch")),
    (" hardware ~ NVIDIA GPU ", ("hardware", "~", "NVIDIA GPU")),
    ("hyperparameters=lr=0.1", ("hyperparameters", "=", "lr=0.1")),   # the first operator
    ("hardware~a=b", ("hardware", "~", "a=b")),
])
def test_parse_condition(text, parsed):
    c = parse_condition(text, load_schema())
    assert (c.field, c.op, c.value) == parsed


@pytest.mark.parametrize("text, says", [
    ("frameworks", "must look like"), ("=PyTorch", "must look like"),
    ("framework=PyTorch", "unknown field"), ("frameworks=  ", "empty value"),
])
def test_parse_condition_refuses(text, says):
    with pytest.raises(QueryError, match=says):
        parse_condition(text, load_schema())
