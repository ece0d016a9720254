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


_INDEX: dict[int, tuple[FieldSpec, dict[str, str]]] = {}


def _vocabulary_index(spec: FieldSpec) -> dict[str, str]:
    # keyed by identity: FieldSpec equality ignores the vocabulary, so two schemas' fields of
    # one name would otherwise share an index
    hit = _INDEX.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    index: dict[str, str] = {}
    for canon, aliases in spec.vocabulary.items():
        for a in (canon, *aliases):
            index.setdefault(fold(a), canon)
    if len(_INDEX) > 1024:
        _INDEX.clear()
    _INDEX[id(spec)] = (spec, index)
    return index


def _strip_prefixes(spec: FieldSpec, value: str) -> str:
    v = value.strip()
    changed = True
    while changed and spec.strip_prefixes:
        changed = False
        for p in spec.strip_prefixes:
            m = re.match(rf"{re.escape(p)}\b(?:\s*(?:®|™|\(R\)|\(TM\)))*\s*", v, re.I)
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


# words that name no model: a correction adding or dropping them only respells the value
_FILLER = frozenset("nvidia geforce intel amd gpu gpus card cards graphics the".split())


def is_respelling(old: str, new: str, spec: FieldSpec | None = None) -> bool:
    """Is `new` only another spelling of `old` (so a correction may become an alias for every
    paper)? The same letters and digits in the same order once case, spacing, punctuation,
    vendor names and filler words ("GPU", "card") are set aside: "Tesla-V100" -> "Tesla V100",
    "V100" -> "NVIDIA V100 GPU". Anything more corrects a fact in one paper and must not spread:
    "RTX 2080" -> "RTX 2080 Ti", "ResNet-50" -> "ResNet-101"."""
    drop = _FILLER | {p.casefold() for p in (spec.strip_prefixes if spec else ())}

    def core(v: str) -> str:
        toks = re.findall(r"[a-z]+|\d+", unicodedata.normalize("NFKC", v).casefold())
        return "".join(t for t in toks if t not in drop)
    a, b = core(old), core(new)
    return bool(a) and a == b


def near_duplicates(keys: dict[str, int]) -> list[tuple[str, str, float]]:
    """Pairs of keys that look like spellings of one thing, proposed for a user's confirmation,
    never merged here: the same letters spaced differently ("py torch" / "pytorch"), or the same
    words up to plural and British/American spelling ("neural networks" / "neural network",
    "normalisation" / "normalization"). Edit distance is not used: among short names it pairs
    different things ("ResNet" / "ResNeXt", "Titan X" / "Titan Xp", "omission" / "commission").
    Returns (a, b, ratio) with ratio 100 for spacing and 95 for word-form pairs."""
    from extractor.grounding import _stem

    def stems(k: str) -> tuple[str, ...]:
        return tuple(_stem(t) for t in k.split())

    items = sorted(keys, key=lambda k: (-keys[k], k))
    by_space: dict[str, list[str]] = {}
    by_stem: dict[tuple[str, ...], list[str]] = {}
    for k in items:
        by_space.setdefault(k.replace(" ", ""), []).append(k)
        by_stem.setdefault(stems(k), []).append(k)
    out: dict[tuple[str, str], float] = {}
    for group, ratio in ((by_space, 100.0), (by_stem, 95.0)):
        for ks in group.values():
            for b in ks[1:]:
                out.setdefault((ks[0], b), ratio)
    return [(a, b, r) for (a, b), r in out.items()]
