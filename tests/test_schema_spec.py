"""Schemas as users write them: validated YAML, Pydantic classes, stored with their data."""
import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.schemas.catalog import SchemaError, load_schema, parse_schema

YAML = """
name: birds
groups:
  kit: Software and hardware
fields:
- key: toolkit
  group: kit
  description: the deep learning library used
  search_terms: [implemented, library]
  vocabulary:
    PyTorch: [pytorch, torch]
    TensorFlow: [tensorflow, keras backend]
- key: accelerator
  group: kit
  description: the GPU the models ran on
  search_terms: [gpu, graphics card]
  patterns:
  - {regex: '\\b(?:RTX|GTX)\\s?\\d{4}\\b', value: '{0}'}
"""

PY = '''
from pydantic import BaseModel, Field

class Birds(BaseModel):
    """Software and hardware"""
    __methex_name__ = "birds"
    __methex_groups__ = {"kit": "Software and hardware"}
    toolkit: list[str] = Field(description="the deep learning library used", json_schema_extra={
        "search_terms": ["implemented", "library"],
        "vocabulary": {"PyTorch": ["pytorch", "torch"], "TensorFlow": ["tensorflow", "keras backend"]}})
    accelerator: list[str] = Field(description="the GPU the models ran on", json_schema_extra={
        "search_terms": ["gpu", "graphics card"],
        "patterns": [{"regex": r"\\b(?:RTX|GTX)\\s?\\d{4}\\b", "value": "{0}"}]})
'''

PAPER = ("Detecting owls in thermal video. We implemented the detector with the torch library "
         "and trained it on one RTX 3090 graphics card for three days in our lab.")


def test_a_typo_names_the_file_line_and_field():
    with pytest.raises(SchemaError, match=r"my.yaml:5: field 'x': serach_terms: unknown setting"):
        parse_schema("name: t\ngroups: {g: G}\nfields:\n- {key: y, group: g}\n"
                     "- {key: x, group: g, serach_terms: [a]}\n", "my.yaml")


def test_bad_regex_and_unknown_group_are_errors_at_load():
    with pytest.raises(SchemaError, match=r"field 'x': value_pattern: .*not a valid regex"):
        parse_schema("name: t\ngroups: {g: G}\nfields:\n- {key: x, group: g, "
                     "value_pattern: '[a-'}\n")
    with pytest.raises(SchemaError, match=r"field 'x': names group 'h'"):
        parse_schema("name: t\ngroups: {g: G}\nfields:\n- {key: x, group: h}\n")


def test_defines_are_regex_pieces_written_out_at_load():
    shared = YAML.replace("fields:\n", "defines:\n  CARD: '(?:RTX|GTX)'\nfields:\n", 1).replace(
        "(?:RTX|GTX)", "<<CARD>>").replace("defines:\n  CARD: '<<CARD>>'",
                                           "defines:\n  CARD: '(?:RTX|GTX)'")
    assert "<<CARD>>" in shared
    a, b = parse_schema(YAML, "birds.yaml"), parse_schema(shared, "birds.yaml")
    assert a.version == b.version
    assert b.field("accelerator").patterns[0].regex == a.field("accelerator").patterns[0].regex
    with pytest.raises(SchemaError, match=r"field 'accelerator': <<CHIP>> is not under 'defines'"):
        parse_schema(shared.replace("<<CARD>>", "<<CHIP>>"), "birds.yaml")
    with pytest.raises(SchemaError, match=r"'defines' maps names to regex pieces"):
        parse_schema(shared.replace("  CARD: '(?:RTX|GTX)'", "  CARD: [RTX]"), "birds.yaml")


def test_pydantic_class_and_yaml_give_the_same_schema(tmp_path):
    (tmp_path / "birds_fields.py").write_text(PY)
    a = parse_schema(YAML, "birds.yaml")
    b = load_schema(f"{tmp_path / 'birds_fields.py'}:Birds")
    assert a.version == b.version and a.keys == b.keys == ["toolkit", "accelerator"]
    assert b.field("toolkit").vocabulary["PyTorch"] == ("pytorch", "torch")
    with pytest.raises(SchemaError, match=r"accelerator: unknown setting\(s\) in "
                                          r"json_schema_extra: serach_terms"):
        (tmp_path / "bad.py").write_text(PY.replace('"search_terms": ["gpu"', '"serach_terms": ["gpu"'))
        load_schema(f"{tmp_path / 'bad.py'}:Birds")
    with pytest.raises(SchemaError, match="has no attribute 'Nope'"):
        load_schema(f"{tmp_path / 'birds_fields.py'}:Nope")


def _export(db):
    res = CliRunner().invoke(cli, ["export", "--db", db])
    assert res.exit_code == 0, res.output
    return [json.loads(x) for x in res.output.splitlines()]


def test_yaml_and_pydantic_runs_agree_and_export_without_schema(tmp_path):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "owls.txt").write_text(PAPER)
    (tmp_path / "birds.yaml").write_text(YAML)
    (tmp_path / "birds_fields.py").write_text(PY)
    out = {}
    for name, ref in (("y", str(tmp_path / "birds.yaml")),
                      ("p", f"{tmp_path / 'birds_fields.py'}:Birds")):
        db = str(tmp_path / f"{name}.db")
        res = CliRunner().invoke(cli, ["run", str(tmp_path / "papers"), "--db", db,
                                       "--schema", ref])
        assert res.exit_code == 0, res.output
        out[name] = _export(db)      # no --schema: the run's stored schema is used
    assert out["y"] == out["p"]
    fields = out["y"][0]["fields"]
    assert set(fields) == {"toolkit", "accelerator"}
    assert fields["toolkit"]["values"] == ["PyTorch"] and fields["accelerator"]["values"] == ["RTX 3090"]
    # the stored schema is found by name too
    res = CliRunner().invoke(cli, ["show", "owls", "--db", str(tmp_path / "y.db"),
                                   "--schema", "birds", "--json"])
    assert res.exit_code == 0 and "accelerator" in res.output


def test_adding_a_field_re_extracts_only_its_group(tmp_path):
    from extractor.backends import make_backend
    from extractor.extract import Settings, run_extraction
    from extractor.ingest.pipeline import ingest_paths
    from extractor.store import open_db

    (tmp_path / "owls.txt").write_text(PAPER)
    db = open_db(tmp_path / "c.db")
    ingest_paths(db, [tmp_path / "owls.txt"])
    two_groups = YAML.replace("  kit: Software and hardware",
                              "  kit: Software and hardware\n  data: Data")
    first = parse_schema(two_groups + "- {key: footage, group: data, search_terms: [video]}\n")
    rules = make_backend("rules")
    r1 = run_extraction(db, rules, first, Settings())
    assert (r1.done, r1.skipped) == (2, 0)
    # a field added to the data group: only that group is extracted again
    second = parse_schema(two_groups + "- {key: footage, group: data, search_terms: [video]}\n"
                          "- {key: sensor, group: data, search_terms: [thermal]}\n")
    r2 = run_extraction(db, rules, second, Settings())
    assert (r2.done, r2.skipped) == (1, 1)


def test_readme_pydantic_example_runs(tmp_path):
    """README's "Your own fields" example: the class loads and a run exports its fields."""
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Your own fields"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "my_fields.py").write_text(code)
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "frogs.txt").write_text(
        "Calls of tree frogs were recorded at night. We deployed ten AudioMoth recorders at a "
        "sampling rate of 48 kHz across the wetland for two months in 2023.")
    db = str(tmp_path / "s.db")
    res = CliRunner().invoke(cli, ["run", str(tmp_path / "papers"), "--db", db, "--schema",
                                   f"{tmp_path / 'my_fields.py'}:SoundFields"])
    assert res.exit_code == 0, res.output
    rec = _export(db)[0]["fields"]
    assert rec["recorder"]["values"] == ["AudioMoth"]
    assert set(rec) == {"recorder", "sample_rate"}
