"""The schema as users write it, validated: a YAML/JSON file or a Pydantic model class.

Both load into one `SchemaSpec` (Pydantic, extra="forbid": a typo such as `serach_terms:` is an
error, not a silently ignored key; regexes are compiled at load). catalog.build_schema turns a
SchemaSpec into the runtime Schema. Errors name the file, the field and the line (YAML) or the
attribute (Python).
"""
from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class SchemaError(ValueError):
    pass


def _listify(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


def _check_regex(v: str | None, what: str) -> str | None:
    if v is None:
        return v
    try:
        re.compile(v)
    except re.error as e:
        raise ValueError(f"{what} is not a valid regex: {e}") from None
    return v


class PatternSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    regex: str
    value: str = "{0}"
    context: list[str] = []
    context_fallback: bool = False
    fallback: bool = False
    restates: bool = False

    _lists = field_validator("context", mode="before")(_listify)

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, v: str) -> str:
        return _check_regex(v, "regex")


class FieldSpecModel(BaseModel):
    """One field as written in a schema file (see schemas/dl_methodology.yaml's header)."""
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    group: str
    description: str = ""
    examples: list[str] = []
    search_terms: list[str] = []
    vocabulary: dict[str, list[str]] = {}
    patterns: list[PatternSpec] = []
    context: list[str] = []
    negative: list[str] = []
    block: list[str] = []
    case_sensitive: list[str] = []
    max_values: int | None = Field(default=None, ge=1)
    own_work: bool = False
    settings_table: bool = False
    descriptive: bool = False
    value_pattern: str | None = None
    strip_prefixes: list[str] = []
    generic: list[str] = []
    gives_way: dict[str, str] = {}
    surface_values: bool = False
    list_siblings: bool = False
    fold_prefixes: bool = True
    max_value_chars: int = Field(default=120, ge=1)

    _lists = field_validator("examples", "search_terms", "context", "negative", "block",
                             "case_sensitive", "strip_prefixes", "generic",
                             mode="before")(_listify)

    @field_validator("vocabulary", mode="before")
    @classmethod
    def _vocabulary(cls, v: Any) -> Any:
        if v is None:
            return {}
        if isinstance(v, list):     # a plain list: each entry is its own canonical value
            return {str(x): [] for x in v}
        if isinstance(v, dict):
            return {str(k): [str(a) for a in (_listify(al) or [])] for k, al in v.items()}
        return v

    @field_validator("value_pattern")
    @classmethod
    def _value_pattern(cls, v: str | None) -> str | None:
        return _check_regex(v, "value_pattern")


class SchemaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    groups: dict[str, str | None]
    fields: list[FieldSpecModel]

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    @property
    def version(self) -> str:
        """Content hash: the same fields give the same version, however they were written."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:12]


# --- YAML / JSON --------------------------------------------------------------------------

def _field_lines(text: str) -> list[int]:
    """1-based line of each entry under `fields:` (for error messages); [] if not found."""
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, v in node.value:
        if getattr(k, "value", None) == "fields" and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def _describe(e: ValidationError, data: Any, source: str, lines: list[int]) -> str:
    msgs = []
    for err in e.errors():
        loc = list(err["loc"])
        where = source
        if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
            i = loc[1]
            key = None
            try:
                key = data["fields"][i].get("key")
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
            where += f":{lines[i]}" if i < len(lines) else ""
            where += f": field {key!r}" if key else f": field #{i + 1}"
            loc = loc[2:]
        attr = ".".join(str(x) for x in loc)
        msg = err["msg"].replace("Extra inputs are not permitted", "unknown setting (a typo?)")
        msgs.append(f"{where}: {attr + ': ' if attr else ''}{msg}")
    return "\n".join(msgs)


_DEFINED = re.compile(r"<<([A-Za-z_][A-Za-z0-9_]*)>>")


def _expand_defines(data: dict, source: str) -> dict:
    """Top-level `defines:` names regex pieces that patterns use as <<NAME>> (one place for a
    name shape or an exclusion list several patterns share). Expanded at load: the spec, and
    so its version, are the same as with every piece written out."""
    defines = data.get("defines")
    if defines is None:
        return data
    if not isinstance(defines, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in defines.items()):
        raise SchemaError(f"{source}: 'defines' maps names to regex pieces (strings)")
    data = copy.deepcopy({k: v for k, v in data.items() if k != "defines"})

    def expand(rx: str, where: str) -> str:
        def piece(m: re.Match) -> str:
            if m.group(1) not in defines:
                raise SchemaError(f"{where}: <<{m.group(1)}>> is not under 'defines' "
                                  f"({', '.join(defines) or 'none'})")
            return defines[m.group(1)]
        return _DEFINED.sub(piece, rx)

    for f in data.get("fields") or []:
        for pat in (f.get("patterns") or []) if isinstance(f, dict) else []:
            if isinstance(pat, dict) and isinstance(pat.get("regex"), str):
                pat["regex"] = expand(pat["regex"], f"{source}: field {f.get('key')!r}")
    return data


def spec_from_data(data: Any, source: str, lines: list[int] | None = None) -> SchemaSpec:
    if not isinstance(data, dict) or "fields" not in data or "groups" not in data:
        raise SchemaError(f"{source}: a schema needs top-level 'name', 'groups' and 'fields'")
    data = {"name": source, **_expand_defines(data, source)}
    try:
        spec = SchemaSpec.model_validate(data)
    except ValidationError as e:
        raise SchemaError(_describe(e, data, source, lines or [])) from None
    _check_references(spec, source, lines or [])
    return spec


def _check_references(spec: SchemaSpec, source: str, lines: list[int]) -> None:
    seen: set[str] = set()
    for i, f in enumerate(spec.fields):
        where = f"{source}{':' + str(lines[i]) if i < len(lines) else ''}: field {f.key!r}"
        if f.key in seen:
            raise SchemaError(f"{where}: defined twice")
        seen.add(f.key)
        if f.group not in spec.groups:
            raise SchemaError(f"{where}: names group {f.group!r}, which is not under 'groups' "
                              f"({', '.join(spec.groups)})")


def spec_from_text(text: str, source: str = "<schema>") -> SchemaSpec:
    try:
        # libyaml's loader when present: the pure-Python one costs ~0.5 s per command
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise SchemaError(f"{source}: not valid YAML: {e}") from None
    return spec_from_data(data, source, _field_lines(text))


# --- Pydantic model classes ---------------------------------------------------------------

_EXTRA_KEYS = set(FieldSpecModel.model_fields) - {"key", "description"}


def spec_from_model(cls: type[BaseModel], source: str | None = None) -> SchemaSpec:
    """A schema from a Pydantic model: one field per model field. The field's description comes
    from `Field(description=...)`; the rest (search_terms, vocabulary, patterns, group, ...) from
    `Field(json_schema_extra={...})`. Groups: the class's `__methex_groups__` dict, else one
    group named after the class."""
    source = source or f"{cls.__module__}:{cls.__qualname__}"
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise SchemaError(f"{source}: not a Pydantic model class")
    groups = dict(getattr(cls, "__methex_groups__", None) or {})
    default_group = groups and next(iter(groups)) or cls.__name__.lower()
    groups = groups or {default_group: (cls.__doc__ or "").strip() or None}
    fields = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if callable(extra):
            raise SchemaError(f"{source}: {name}: json_schema_extra must be a dict, not a function")
        extra = dict(extra or {})
        unknown = set(extra) - _EXTRA_KEYS
        if unknown:
            raise SchemaError(f"{source}: {name}: unknown setting(s) in json_schema_extra: "
                              f"{', '.join(sorted(unknown))} (a typo?)")
        fields.append({"key": name, "description": info.description or "",
                       "group": extra.pop("group", default_group), **extra})
    data = {"name": getattr(cls, "__methex_name__", cls.__name__), "groups": groups,
            "fields": fields}
    try:
        return spec_from_data(data, source)
    except SchemaError as e:
        raise SchemaError(str(e).replace(f"{source}: field ", f"{source}: attribute ")) from None


def load_model_class(ref: str) -> type:
    """`module:Class` or `path/to/file.py:Class`."""
    target, _, name = ref.rpartition(":")
    if not target or not name:
        raise SchemaError(f"{ref}: a Python schema is MODULE:CLASS or FILE.py:CLASS")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise SchemaError(f"schema file not found: {path}")
            mod_name = f"methex_user_schema_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"
            mspec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(mspec)
            sys.modules[mod_name] = module
            mspec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except SchemaError:
        raise
    except Exception as e:      # the user's module failed to import: say so, with its error
        raise SchemaError(f"{ref}: cannot import {target}: {type(e).__name__}: {e}") from None
    cls = getattr(module, name, None)
    if cls is None:
        raise SchemaError(f"{ref}: {target} has no attribute {name!r}")
    return cls
