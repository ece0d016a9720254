"""One name per thing: the canonical form of a value, kept beside the value as written.

Three layers, in order (the first that applies wins):
  1. a user's decision (`methex values merge/split`, or a reviewer's correction), stored in the
     database's `value_aliases` table and applied by the store;
  2. the schema's vocabulary: an alias maps to its canonical value ("Pytorch" -> "PyTorch");
  3. field-aware normalisation: the field's `strip_prefixes` (vendor names such as "NVIDIA
     GeForce") are dropped.
Values are then grouped by their key, `fold(canonical)`: case, white space and hyphens folded,
and a letter-digit joint closed ("RTX2080", "RTX 2080", "rtx-2080" share one key), while every
token is kept ("RTX 2080" and "RTX 2080 Ti" stay apart).

This module is pure (no database): the store applies layer 1.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from extractor.schemas.catalog import FieldSpec

_JOINT = re.compile(r"(?<=[a-z])[\s\-_]+(?=\d)|(?<=\d)[\s\-_]+(?=[a-z])")
_SEP = re.compile(r"[\s\-_/]+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def fold(value: str) -> str:
    """The grouping key of a spelling (see the module docstring)."""
    v = unicodedata.normalize("NFKC", value).casefold().replace("®", "").replace("™", "")
    v = _EDGE.sub("", " ".join(v.split()))
    v = _JOINT.sub("", v)
    return " ".join(_SEP.sub(" ", v).split())


@lru_cache(maxsize=256)
def _vocabulary_index(spec: FieldSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for canon, aliases in spec.vocabulary.items():
        for a in (canon, *aliases):
            index.setdefault(fold(a), canon)
    return index


def _strip_prefixes(spec: FieldSpec, value: str) -> str:
    v = value.strip()
    changed = True
    while changed and spec.strip_prefixes:
        changed = False
        for p in spec.strip_prefixes:
            m = re.match(rf"{re.escape(p)}\b[\s®™]*", v, re.I)
            if m and len(v) > m.end():
                v, changed = v[m.end():], True
    return v


def spec_canonical(spec: FieldSpec | None, value: str) -> str:
    """Layers 2 and 3: the value's canonical form under the schema (display spelling)."""
    value = " ".join(value.split())
    if spec is None:
        return value
    index = _vocabulary_index(spec)
    hit = index.get(fold(value))
    if hit:
        return hit
    stripped = _strip_prefixes(spec, value)
    return index.get(fold(stripped), stripped)


def digits(key: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\d+(?:\.\d+)?", key))


def is_respelling(old: str, new: str) -> bool:
    """Could `new` be another spelling of `old` (so a correction may become an alias)?
    Never when their numbers differ: "ResNet-50" -> "ResNet-101" corrects a fact."""
    a, b = fold(old), fold(new)
    if digits(a) != digits(b):
        return False
    from rapidfuzz import fuzz
    return fuzz.token_set_ratio(a, b) >= 80 or a.replace(" ", "") == b.replace(" ", "")


def near_duplicates(keys: dict[str, int], min_ratio: float = 90) -> list[tuple[str, str, float]]:
    """Pairs of keys (with paper counts) that look like spellings of one thing, proposed for a
    user's confirmation, never merged here. Keys with different numbers or a different number of
    words never pair ("rtx2080" vs "rtx2080 ti")."""
    from rapidfuzz import fuzz
    items = sorted(keys, key=lambda k: (-keys[k], k))
    out = []
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if digits(a) != digits(b) or len(a.split()) != len(b.split()):
                continue
            r = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
            if r >= min_ratio:
                out.append((a, b, r))
    return out
