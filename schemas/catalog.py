"""Load a field catalogue (YAML) into FieldSpec/GroupSpec objects and Pydantic models.

The schema is data: a user adds a field or a whole schema by writing a YAML file and passing
it with --schema; nothing in extractor/ names a field.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, create_model

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
    version: str        # content hash of the YAML: results are keyed on it
    groups: list[GroupSpec] = field(hash=False, compare=False)

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


class SchemaError(ValueError):
    pass


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


def _max_values(v: Any, key: str, source: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise SchemaError(f"{source}: field {key!r}: max_values must be a positive integer")
    return v


def _regex(v: Any, key: str, source: str) -> str | None:
    if v is None:
        return None
    try:
        re.compile(str(v))
    except re.error as e:
        raise SchemaError(f"{source}: field {key!r}: value_pattern is not a valid regex: {e}")
    return str(v)


def _known(f: FieldSpec) -> set[str]:
    from extractor.ingest.normalize import normalize_for_match
    return {normalize_for_match(a) for c, al in f.vocabulary.items() for a in (c, *al)}


def _with_foreign_values(by_group: dict[str, list[FieldSpec]]) -> dict[str, list[FieldSpec]]:
    known = {f.key: _known(f) for fs in by_group.values() for f in fs}
    every = set().union(*known.values()) if known else set()
    return {g: [replace(f, foreign_values=frozenset(every - known[f.key])) for f in fs]
            for g, fs in by_group.items()}


def parse_schema(text: str, source: str = "<schema>") -> Schema:
    try:
        # libyaml's loader when present: the pure-Python one costs ~0.5 s per command
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise SchemaError(f"{source}: not valid YAML: {e}") from None
    if not isinstance(data, dict) or "fields" not in data or "groups" not in data:
        raise SchemaError(f"{source}: a schema needs top-level 'name', 'groups' and 'fields'")
    groups_desc = data["groups"] or {}
    by_group: dict[str, list[FieldSpec]] = {g: [] for g in groups_desc}
    seen: set[str] = set()
    for i, f in enumerate(data["fields"] or []):
        if not isinstance(f, dict) or "key" not in f or "group" not in f:
            raise SchemaError(f"{source}: field #{i + 1} needs 'key' and 'group'")
        key = str(f["key"])
        if key in seen:
            raise SchemaError(f"{source}: field {key!r} defined twice")
        seen.add(key)
        if f["group"] not in by_group:
            raise SchemaError(f"{source}: field {key!r} names group {f['group']!r}, "
                              f"which is not under 'groups'")
        vocab_raw = f.get("vocabulary") or {}
        if isinstance(vocab_raw, list):   # a plain list: each entry is its own canonical value
            vocab_raw = {v: [] for v in vocab_raw}
        vocab = {str(k): _tuple(v) for k, v in vocab_raw.items()}
        pats = tuple(Pattern(regex=str(p["regex"]), value=str(p.get("value", "{0}")),
                             context=_tuple(p.get("context")),
                             context_fallback=bool(p.get("context_fallback", False)))
                     for p in (f.get("patterns") or []))
        by_group[f["group"]].append(FieldSpec(
            key=key, group=str(f["group"]), description=str(f.get("description", "")).strip(),
            examples=_tuple(f.get("examples")), search_terms=_tuple(f.get("search_terms")),
            vocabulary=vocab, patterns=pats, context=_tuple(f.get("context")),
            negative=_tuple(f.get("negative")), block=_tuple(f.get("block")),
            case_sensitive=_tuple(f.get("case_sensitive")),
            max_values=_max_values(f.get("max_values"), key, source),
            own_work=bool(f.get("own_work", False)),
            settings_table=bool(f.get("settings_table", False)),
            descriptive=bool(f.get("descriptive", False)),
            value_pattern=_regex(f.get("value_pattern"), key, source),
            strip_prefixes=_tuple(f.get("strip_prefixes")),
            max_value_chars=_max_values(f.get("max_value_chars"), key, source) or 120,
        ))
    by_group = _with_foreign_values(by_group)
    groups = [GroupSpec(name=g, description=str(d or ""), fields=fs)
              for g, d in groups_desc.items() if (fs := by_group[g])]
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Schema(name=str(data.get("name", source)), version=version, groups=groups)


def load_schema(name_or_path: str | Path | None = None) -> Schema:
    """Load the bundled schema by name (default dl_methodology) or a YAML file by path."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCHEMA
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise SchemaError(f"schema file not found: {p}")
        return parse_schema(p.read_text(encoding="utf-8"), str(p))
    res = resources.files("extractor.schemas").joinpath(f"{name_or_path}.yaml")
    if not res.is_file():
        raise SchemaError(f"no bundled schema named {name_or_path!r}")
    return parse_schema(res.read_text(encoding="utf-8"), f"{name_or_path}.yaml")


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
