"""Score predictions against gold annotations: pure functions over dicts, and evaluate_db,
which scores a database's current results (what `methex eval` runs).

Both sides have the shape ``{doc_id: {field: {"status", "values", "evidence"}}}``; gold files
are described in ../shared/benchmark/FIELDS.md.

Scoring rules
-------------
* Only documents present in both pred and gold, and only fields present in the gold document,
  are scored. A field missing from pred counts as ``unknown`` with no values.
* ``status_accuracy``: share of scored (doc, field) pairs whose predicted status equals gold.
  A pred entry without a ``status`` is ``reported`` if it has values, else ``unknown``.
* Values are matched one-to-one per (doc, field). Both strings are normalised: NFKC, lower
  case, every run of non-alphanumeric characters becomes a space (a dot between digits is kept,
  so ``0.001`` stays one token), and a letter/digit boundary splits tokens (``ResNet50`` and
  ``ResNet-50`` both become ``resnet 50``). Words are compared by their stem (Snowball English,
  British spellings folded: ``flips``, ``flipping`` and ``flip``; ``normalisation`` and
  ``normalization``; ``max`` is ``maximum``, ``val`` is ``validation``; ``imagery`` is
  ``images``; ``matrices`` is ``matrix``). A pred value matches a gold value if
  (1) the token sequences are equal, or equal once joined (``MobileNetV2`` and
  ``MobileNet-v2``, ``InceptionResNetv2`` and ``Inception-ResNet v2`` are one name), or (2) one
  token sequence occurs inside the other as a contiguous run of whole tokens (joined or not:
  ``mix up`` is in ``mixup of bird calls``), or (3) the token-set Jaccard similarity is >= 0.5.
  Numbers must agree: when both values contain numeric tokens, the numbers of the value with
  fewer numbers must all occur in the other (so ``batch size = 32`` does not match
  ``batch size = 64``, and ``5-fold`` does not match ``10-fold``). A number written in powers
  of ten is compared written out (``3e-4``, ``3 × 10−4`` and ``0.0003`` are one number), and
  a count spelled out as its digits (``ten runs`` is ``10 runs``; "one" stays a word). A Greek
  letter is its name (``β1`` is ``beta 1``). An acronym as written (two or more capitals:
  ``SVM``, ``mAP``) that the other value spells out is read as those words (``SVM`` and
  ``support vector machine``; ``AUC`` and ``area under the curve``; ``MIoU`` and ``mean IoU``).
  Failing all that, each value is compared without its parenthesised asides (``camera traps
  (motion detection and time-lapse)`` is ``camera traps``), ranked as a Jaccard match.
  Pairs are ranked (equal > containment > Jaccard, then by Jaccard) and assigned greedily, so
  each value is used at most once.
* Value precision/recall/F1 are micro-averaged: TP = matched pairs, precision = TP / predicted
  values, recall = TP / gold values (values predicted for gold-unknown fields count as
  predicted, unmatched). A ratio with a zero denominator is ``None``.
* ``hallucination_rate``: predicted values given for fields whose gold status is ``unknown``,
  divided by all predicted values.
* ``evidence_verbatim`` (only with ``doc_texts``): share of predicted evidence quotes that occur
  verbatim in the document text after folding runs of white space to one space on both sides.
"""
from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from extractor.grounding import number_words_as_digits, stem_word

REPORTED, UNKNOWN = "reported", "unknown"
JACCARD_MIN = 0.5

_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)*")
_WS = re.compile(r"\s+")


class GoldError(ValueError):
    pass


def load_gold(gold_dir: str | Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Read every ``*.json`` gold file of a folder into ``{doc_id: {field: entry}}``."""
    d = Path(gold_dir)
    if not d.is_dir():
        raise GoldError(f"gold folder not found: {d}")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for p in sorted(d.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise GoldError(f"{p}: not valid JSON: {e}") from None
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise GoldError(f"{p}: a gold file needs a 'fields' object")
        doc_id = str(data.get("doc_id") or p.stem)
        fields = {}
        for key, entry in data["fields"].items():
            if not isinstance(entry, dict) or entry.get("status") not in (REPORTED, UNKNOWN):
                raise GoldError(f"{p}: field {key!r} needs status 'reported' or 'unknown'")
            fields[key] = {"status": entry["status"],
                           "values": [str(v) for v in entry.get("values") or []],
                           "evidence": list(entry.get("evidence") or [])}
        out[doc_id] = fields
    if not out:
        raise GoldError(f"no *.json gold files in {d}")
    return out


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# a number in powers of ten: "3e-4", "3 × 10−4", "3x10^-4", "10^-3", "10−3" (a minus sign, not
# a hyphen: "10-30" is a range), "10⁻⁴"
_POWER = re.compile(
    rf"(?<![\w.])(?:(\d+(?:\.\d+)?)e([-+−]?\d+)(?![\w.])"
    rf"|(?:(\d+(?:\.\d+)?)\s?[x×·⋅]\s?)?10\s?(?:\^\s?([-+−]?\d+)|(−\s?\d+)|([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))",
    re.I)


def _decimal(mantissa: str | None, exponent: str) -> str:
    exp = int(exponent.translate(_SUPERSCRIPT).replace("−", "-").replace(" ", ""))
    if abs(exp) > 30:
        raise ValueError(exponent)
    text = format(Decimal(mantissa or "1").scaleb(exp), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain_numbers(text: str) -> str:
    """Powers of ten written out, so "3e-4", "3 × 10−4" and "0.0003" are one number."""
    def sub(m: re.Match) -> str:
        try:
            if m.group(2) is not None:
                return _decimal(m.group(1), m.group(2))
            return _decimal(m.group(3), m.group(4) or m.group(5) or m.group(6))
        except (ValueError, ArithmeticError):
            return m.group(0)
    return _POWER.sub(sub, text)


# Greek letters as annotators also write them ("β1 = 0.9" and "beta1 = 0.9"); without this they
# are no token at all
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta",
          "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "ρ": "rho", "σ": "sigma",
          "τ": "tau", "ω": "omega"}
_GREEK_RE = re.compile("|".join(_GREEK))


def tokens(text: str) -> list[str]:
    """Normalised tokens of a value (see the module docstring)."""
    text = unicodedata.normalize("NFKC", number_words_as_digits(_plain_numbers(text))).lower()
    return _TOKEN.findall(_GREEK_RE.sub(lambda m: f" {_GREEK[m.group(0)]} ", text))


def _contains(big: list[str], small: list[str]) -> bool:
    n = len(small)
    return n > 0 and any(big[i:i + n] == small for i in range(len(big) - n + 1))


def _contains_joined(big: list[str], small: list[str]) -> bool:
    """A run of whole tokens of big that, joined, is small joined ("mix up" in "mixup of
    bird calls")."""
    want = "".join(small)
    for i in range(len(big)):
        run = ""
        for t in big[i:]:
            run += t
            if run == want:
                return True
            if not want.startswith(run):
                break
    return False


_SPELLING = [(re.compile(p), r) for p, r in (
    (r"(?<=[a-z]{3})is(ation|er|ed|ing|es|e)\b", r"iz\1"), (r"(?<=[a-z]{3})our\b", "or"))]


# words annotators abbreviate ("max epochs", "maximum epochs"); not "min", which is as often
# minutes. "imagery" is images taken together ("Sentinel-2 images", "Sentinel-2 imagery")
_ABBREVIATED = {"max": "maximum", "approx": "approximately", "config": "configuration",
                "val": "validation", "imagery": "images",
                # Latin and Greek plurals the stemmer does not fold ("confusion matrices")
                "matrices": "matrix", "indices": "index", "analyses": "analysis",
                "criteria": "criterion", "vertices": "vertex", "hypotheses": "hypothesis"}


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    """One form for a word's inflections and spellings ("flips", "flipping", "flip";
    "normalisation", "normalization"); numbers stay as they are."""
    if token[0].isdigit():
        return token
    token = _ABBREVIATED.get(token, token)
    for rx, rep in _SPELLING:
        token = rx.sub(rep, token)
    return stem_word(token)


# an acronym as written: letters only, two or more of them capitals ("SVM", "mAP", "IoU")
_ACRONYM = re.compile(r"\b(?=[A-Za-z]*[A-Z][A-Za-z]*[A-Z])[A-Za-z]{2,8}\b")
# words an acronym may skip ("AUC": area under the curve)
_ACRONYM_SKIPS = frozenset({"the", "of", "a", "an", "and", "for", "to", "in"})


@lru_cache(maxsize=65536)
def _abbreviates(acr: str, run: tuple[str, ...]) -> bool:
    """Is acr the run's words each cut to its initial or kept whole, a small word maybe
    left out ("svm": support vector machine; "miou": mean IoU; "auc": area under the curve)?"""
    if not run:
        return not acr
    head, rest = run[0], run[1:]
    return ((acr[:1] == head[0] and _abbreviates(acr[1:], rest))
            or (len(head) > 1 and acr.startswith(head) and _abbreviates(acr[len(head):], rest))
            or (head in _ACRONYM_SKIPS and _abbreviates(acr, rest)))


def _spelling(acr: str, other: list[str]) -> list[str] | None:
    """The first run of two or more words of other that acr abbreviates, or None."""
    for i in range(len(other)):
        for j in range(i + 2, min(len(other), i + 2 * len(acr)) + 1):
            run = other[i:j]
            if (run[0][0] == acr[0] and all(t.isalpha() for t in run)
                    and _abbreviates(acr, tuple(run))):
                return run
    return None


def _spelled_out(text: str, toks: list[str], other: list[str]) -> list[str]:
    """toks with each acronym of text that other spells out replaced by other's words: with
    other "mean absolute error", "MAE" becomes "mean absolute error"."""
    for acr in {m.group(0).lower() for m in _ACRONYM.finditer(text)}:
        run = _spelling(acr, other) if acr in toks else None
        if run:
            k = toks.index(acr)
            toks = toks[:k] + run + toks[k + 1:]
    return toks


def match_rank(pred: str, gold: str) -> tuple[int, float] | None:
    """(kind, jaccard) if the values match, kind 3 = equal, 2 = containment, 1 = Jaccard.
    An acronym on one side that the other spells out is read as its words ("SVM" and
    "support vector machine"); failing that, the values without their parenthesised asides
    match as a Jaccard match (kind 1)."""
    ta, tb = tokens(pred), tokens(gold)
    hit = (_match_tokens(ta, tb)
           or _match_tokens(_spelled_out(pred, ta, tb), _spelled_out(gold, tb, ta)))
    if hit is None:
        hp, hg = _head(pred), _head(gold)
        if (hp, hg) != (pred, gold) and (bare := match_rank(hp, hg)):
            hit = (1, bare[1])
    return hit


_PAREN = re.compile(r"\s*\([^()]*\)")


def _head(value: str) -> str:
    """The value without its parenthesised asides ("camera traps (motion-triggered)" is
    "camera traps"), unless nothing would be left."""
    head = _PAREN.sub("", value).strip()
    return head if tokens(head) else value


def _match_tokens(ta: list[str], tb: list[str]) -> tuple[int, float] | None:
    a, b = [_stem(t) for t in ta], [_stem(t) for t in tb]
    if not a or not b:
        return None
    na = {t for t in a if t[0].isdigit()}
    nb = {t for t in b if t[0].isdigit()}
    if na and nb and not (na <= nb if len(na) <= len(nb) else nb <= na):
        return None
    sa, sb = set(a), set(b)
    jac = len(sa & sb) / len(sa | sb)
    if a == b or "".join(ta) == "".join(tb):   # "InceptionResNetv2" = "Inception-ResNet v2"
        return (3, 1.0)
    if (_contains(a, b) or _contains(b, a) or _contains_joined(ta, tb)
            or _contains_joined(tb, ta)):
        return (2, jac)
    if jac >= JACCARD_MIN:
        return (1, jac)
    return None


def match_values(pred: list[str], gold: list[str]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching; returns (pred index, gold index) pairs."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            r = match_rank(p, g)
            if r is not None:
                pairs.append((r, i, j))
    pairs.sort(key=lambda x: (-x[0][0], -x[0][1], x[1], x[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def _status(entry: dict[str, Any] | None) -> str:
    if not entry:
        return UNKNOWN
    st = entry.get("status")
    if st in (REPORTED, UNKNOWN):
        return st
    return REPORTED if entry.get("values") else UNKNOWN


def _quotes(evidence: Iterable[Any]) -> list[str]:
    out = []
    for e in evidence or []:
        q = e.get("quote") if isinstance(e, dict) else e
        if q:
            out.append(str(q))
    return out


def fold_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


class _Tally:
    __slots__ = ("n", "status_ok", "tp", "n_pred", "n_gold", "halluc", "ev_ok", "ev_n")

    def __init__(self) -> None:
        self.n = self.status_ok = self.tp = self.n_pred = self.n_gold = 0
        self.halluc = self.ev_ok = self.ev_n = 0

    def add(self, other: "_Tally") -> None:
        for s in self.__slots__:
            setattr(self, s, getattr(self, s) + getattr(other, s))

    def report(self, with_evidence: bool) -> dict[str, Any]:
        p, r = _ratio(self.tp, self.n_pred), _ratio(self.tp, self.n_gold)
        f1 = (2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None
                                                   else None))
        out = {"n": self.n, "status_accuracy": _ratio(self.status_ok, self.n),
               "precision": p, "recall": r, "f1": f1,
               "tp": self.tp, "predicted": self.n_pred, "gold": self.n_gold,
               "hallucination_rate": _ratio(self.halluc, self.n_pred)}
        if with_evidence:
            out["evidence_verbatim"] = _ratio(self.ev_ok, self.ev_n)
        return out


def score(pred: dict[str, dict[str, dict[str, Any]]],
          gold: dict[str, dict[str, dict[str, Any]]],
          doc_texts: dict[str, str] | None = None) -> dict[str, Any]:
    """Score pred against gold; returns {"overall": {...}, "fields": {key: {...}}, "docs": n}."""
    per_field: dict[str, _Tally] = {}
    docs = [d for d in gold if d in pred]
    folded = {d: fold_ws(t) for d, t in (doc_texts or {}).items()}
    for doc in docs:
        for key, g in gold[doc].items():
            p = (pred[doc] or {}).get(key)
            t = per_field.setdefault(key, _Tally())
            t.n += 1
            g_status = _status(g)
            t.status_ok += _status(p) == g_status
            p_vals = [str(v) for v in (p or {}).get("values") or []]
            g_vals = [str(v) for v in g.get("values") or []]
            t.n_pred += len(p_vals)
            t.n_gold += len(g_vals)
            t.tp += len(match_values(p_vals, g_vals))
            if g_status == UNKNOWN:
                t.halluc += len(p_vals)
            if doc_texts is not None and doc in folded:
                for q in _quotes((p or {}).get("evidence")):
                    t.ev_n += 1
                    t.ev_ok += fold_ws(q) in folded[doc]
    overall = _Tally()
    for t in per_field.values():
        overall.add(t)
    ev = doc_texts is not None
    return {"overall": overall.report(ev),
            "fields": {k: t.report(ev) for k, t in per_field.items()},
            "docs": len(docs)}


def evaluate_db(db, gold_dir: str | Path, schema=None,
                fields: list[str] | None = None) -> dict[str, Any]:
    """Score the database's current results (reviews included) against a gold folder.

    db: a sqlite_utils.Database; schema: its Schema (default: the built-in one). fields
    restricts scoring to those keys. Returns score's dict plus "missing":
    gold documents not in the database.
    """
    # imported here: export reads the database, the scoring above needs none of it
    from extractor.export import export_records
    from extractor.schemas.catalog import load_schema

    schema = schema or load_schema()
    gold = load_gold(gold_dir)
    if fields:
        gold = {d: {k: v for k, v in fs.items() if k in fields} for d, fs in gold.items()}
    in_db = {r[0] for r in db.execute("SELECT id FROM documents")}
    docs = sorted(d for d in gold if d in in_db)
    pred = {r["doc_id"]: r["fields"] for r in export_records(db, schema, docs)}
    texts = {}
    for i in range(0, len(docs), 500):
        part = docs[i:i + 500]
        texts.update(db.execute(f"SELECT id, text FROM documents WHERE id IN "
                                f"({','.join('?' * len(part))})", part).fetchall())
    result = score(pred, gold, texts)
    result["missing"] = sorted(d for d in gold if d not in in_db)
    return result
