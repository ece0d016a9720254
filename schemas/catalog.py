"""Load a field catalogue (YAML/JSON file or Pydantic model class) into FieldSpec/GroupSpec
objects, and the Pydantic models LLM answers are constrained to.

The schema is data: a user adds a field or a whole schema by writing a YAML file or a Pydantic
class and passing it with --schema; nothing in extractor/ names a field. Validation lives in
schemas/spec.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, create_model

from extractor.schemas.spec import (SchemaError, SchemaSpec, load_model_class,  # noqa: F401
                                    spec_from_data, spec_from_model, spec_from_text)

DEFAULT_SCHEMA = "dl_methodology"

# Bounds keep small local models from running to max_tokens (see BENCHMARKS.md).
MAX_VALUES_PER_FIELD = 4
MAX_VALUE_CHARS = 80
MAX_QUOTE_CHARS = 300
MIN_QUOTE_CHARS = 8


@dataclass(frozen=True)
class Pattern:
    regex: str          # Python regex, matched case-insensitively on passage text
    value: str          # value template: "{0}" whole match, "{1}" first group, or a literal
    # optional (rules backend): words one of which must appear in the hit's sentence
    context: tuple[str, ...] = ()
    # optional (rules backend): a hit whose sentence lacks the context words is not dropped but
    # kept as a fallback, reported only when the field has no other value in the document
    context_fallback: bool = False
    # optional (rules backend): every hit is a fallback, reported only when the field has no
    # other value in the document (an unnamed dataset described by its size)
    fallback: bool = False
    # optional (rules backend): the value template restates the hit in the words annotators
    # use ("did not improve for 5 epochs" is "early stopping patience = 5 epochs"), so it is
    # kept when verification would keep it, not only when every word is in the quote
    restates: bool = False


@dataclass(frozen=True)
class FieldSpec:
    key: str
    group: str
    description: str
    examples: tuple[str, ...] = ()
    search_terms: tuple[str, ...] = ()
    # canonical value -> aliases (all matched as phrases, case-insensitive)
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    patterns: tuple[Pattern, ...] = ()
    # words that must appear in the same sentence for a vocabulary hit to count (rules backend)
    context: tuple[str, ...] = ()
    # Optional, rules backend only (older YAML without them keeps working):
    # phrases that veto any hit of this field in the same sentence
    negative: tuple[str, ...] = ()
    # phrases whose matches suppress overlapping vocabulary hits ("precision agriculture")
    block: tuple[str, ...] = ()
    # aliases that match only in exactly this letter case ("mAP", not "map")
    case_sensitive: tuple[str, ...] = ()
    # most values the rules backend reports for this field (None: its default)
    max_values: int | None = None
    # hits count only in sentences about this study (first person or past tense), for fields
    # that papers often discuss in general terms ("manual annotation is costly")
    own_work: bool = False
    # values also come from column-wise "name | value" tables of settings (rules backend;
    # see extractor/backends/rules_table.py)
    settings_table: bool = False
    # values are described in the paper's own words ("random horizontal flips", "5-fold
    # cross-validation by site"), not named: verification accepts a close paraphrase
    descriptive: bool = False
    # a regex every value must match (searched, case-insensitive): the shape of a value, such as
    # a URL for a link field, or no "name = value" setting for a tuning method
    value_pattern: str | None = None
    # known values of the schema's other fields that are not known values of this one (set at
    # load): "PyTorch" is a framework, so it is never this field's value
    foreign_values: frozenset[str] = field(default=frozenset(), hash=False, compare=False)
    # leading words dropped from a value's canonical form (vendor names: "NVIDIA GeForce")
    strip_prefixes: tuple[str, ...] = ()
    # values that only name a family ("CNN", "Decision tree") or restate another value
    # ("species identification" beside "classification"): the rules backend drops them when
    # the same paper gives the field a value outside this list ("ResNet-50")
    generic: tuple[str, ...] = ()
    # value -> a regex: the rules backend drops the value when another value of the same paper
    # and field matches the regex whole ("train/test" beside "80/20", which says the same and
    # more)
    gives_way: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # the rules backend reports a vocabulary hit in the paper's wording ("hydrophone"), not as
    # its canonical value ("acoustic recorders"), for fields whose canonical values are
    # category labels the paper's own words say more precisely
    surface_values: bool = False
    # names coordinated with a value of this field ("ESM2, ProtT5 and Ankh") are values too
    # (rules backend; extractor/backends/rules_lists.py)
    list_siblings: bool = False
    # a known value that starts another ("ResNet" in "ResNet-50") is folded into it (rules
    # backend); off where such values name different things ("PyTorch", "PyTorch Lightning")
    fold_prefixes: bool = True
    # longest value verification accepts (a longer "value" is a sentence, not a value)
    max_value_chars: int = 120

    def aliases(self, value: str) -> tuple[str, ...]:
        """Known spellings of a value (for grounding a value in its quote)."""
        for canon, al in self.vocabulary.items():
            if canon.lower() == value.lower() or value.lower() in (a.lower() for a in al):
                return (canon, *al)
        return (value,)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    description: str
    fields: list[FieldSpec] = field(hash=False, compare=False)

    @cached_property
    def version(self) -> str:
        """Content hash of this group's fields: results are cached per group, so a change to
        one group (a field added or edited) re-extracts that group only. Other fields'
        vocabularies (foreign_values) are left out on purpose."""
        import dataclasses
        import hashlib
        data = [{k: v for k, v in dataclasses.asdict(f).items() if k != "foreign_values"}
                for f in self.fields]
        blob = json.dumps([self.name, self.description, data], sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @property
    def search_terms(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.fields:
            for t in f.search_terms:
                seen.setdefault(t, None)
        return list(seen)


@dataclass(frozen=True)
class Schema:
    name: str
    version: str        # content hash of the validated spec: results are keyed on it
    groups: list[GroupSpec] = field(hash=False, compare=False)
    spec_json: str = field(default="", hash=False, compare=False, repr=False)  # stored per run

    @property
    def fields(self) -> list[FieldSpec]:
        return [f for g in self.groups for f in g.fields]

    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"unknown field {key!r}; fields are: {', '.join(self.keys)}")

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def group(self, name: str) -> GroupSpec:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(f"unknown group {name!r}")


def _known(f: FieldSpec) -> set[str]:
    """The field's vocabulary and the literal values of its patterns (a value template without
    a group: a pattern that narrows where a name counts still knows the name)."""
    from extractor.ingest.normalize import normalize_for_match
    literal = {p.value for p in f.patterns if "{" not in p.value and "||" not in p.value}
    return {normalize_for_match(a) for c, al in f.vocabulary.items() for a in (c, *al)} | {
        normalize_for_match(v) for v in literal}


def _with_foreign_values(by_group: dict[str, list[FieldSpec]]) -> dict[str, list[FieldSpec]]:
    known = {f.key: _known(f) for fs in by_group.values() for f in fs}
    every = set().union(*known.values()) if known else set()
    return {g: [replace(f, foreign_values=frozenset(every - known[f.key])) for f in fs]
            for g, fs in by_group.items()}


def build_schema(spec: SchemaSpec) -> Schema:
    """The runtime Schema of a validated SchemaSpec."""
    by_group: dict[str, list[FieldSpec]] = {g: [] for g in spec.groups}
    for f in spec.fields:
        by_group[f.group].append(FieldSpec(
            key=f.key, group=f.group, description=" ".join(f.description.split()),
            examples=tuple(f.examples), search_terms=tuple(f.search_terms),
            vocabulary={k: tuple(v) for k, v in f.vocabulary.items()},
            patterns=tuple(Pattern(regex=p.regex, value=p.value, context=tuple(p.context),
                                   context_fallback=p.context_fallback, fallback=p.fallback,
                                   restates=p.restates)
                           for p in f.patterns),
            context=tuple(f.context), negative=tuple(f.negative), block=tuple(f.block),
            case_sensitive=tuple(f.case_sensitive), max_values=f.max_values,
            own_work=f.own_work, settings_table=f.settings_table, descriptive=f.descriptive,
            value_pattern=f.value_pattern, strip_prefixes=tuple(f.strip_prefixes),
            generic=tuple(f.generic),
            gives_way={k.lower(): v for k, v in f.gives_way.items()}, surface_values=f.surface_values,
            list_siblings=f.list_siblings, fold_prefixes=f.fold_prefixes,
            max_value_chars=f.max_value_chars))
    by_group = _with_foreign_values(by_group)
    groups = [GroupSpec(name=g, description=str(d or ""), fields=fs)
              for g, d in spec.groups.items() if (fs := by_group[g])]
    return Schema(name=spec.name, version=spec.version, groups=groups,
                  spec_json=spec.canonical_json())


def parse_schema(text: str, source: str = "<schema>") -> Schema:
    """A schema from YAML (or JSON) text."""
    return build_schema(spec_from_text(text, source))


def schema_from_model(cls: type[BaseModel]) -> Schema:
    """A schema from a Pydantic model class (see schemas/spec.py: spec_from_model)."""
    return build_schema(spec_from_model(cls))


def schema_from_json(text: str) -> Schema:
    """A schema as stored in the database (SchemaSpec's canonical JSON)."""
    return build_schema(spec_from_data(json.loads(text), "<stored schema>"))


def load_schema(name_or_path: str | Path | None = None) -> Schema:
    """The bundled schema by name (default dl_methodology), a YAML/JSON file by path, or a
    Pydantic model class as `module:Class` or `file.py:Class`."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCHEMA
    ref = str(name_or_path)
    p = Path(ref)
    if ":" in ref and not p.exists() and p.suffix not in (".yaml", ".yml", ".json"):
        return schema_from_model(load_model_class(ref))
    if p.suffix in (".yaml", ".yml", ".json") or p.exists():
        if not p.exists():
            raise SchemaError(f"schema file not found: {p}")
        return parse_schema(p.read_text(encoding="utf-8"), str(p))
    res = resources.files("extractor.schemas").joinpath(f"{ref}.yaml")
    if not res.is_file():
        raise SchemaError(f"no bundled schema named {ref!r}")
    return parse_schema(res.read_text(encoding="utf-8"), f"{ref}.yaml")


# --- Pydantic models for constrained LLM output -------------------------------------------

class EvidencedValue(BaseModel):
    # Evidence comes before value: small models then copy a quote first and name the value
    # from it, instead of naming a value and inventing a quote to fit.
    quote: str = Field(max_length=MAX_QUOTE_CHARS,
                       description="verbatim sentence fragment from one passage")
    value: str = Field(max_length=MAX_VALUE_CHARS, description="short normalised phrase")


def group_model(group: GroupSpec) -> type[BaseModel]:
    """A response model with one bounded list per field; an empty list means unknown."""
    fields: dict[str, Any] = {}
    for f in group.fields:
        fields[f.key] = (list[EvidencedValue],
                         Field(default_factory=list, max_length=MAX_VALUES_PER_FIELD,
                               description=f.description))
    return create_model(f"Group_{group.name}", **fields)
