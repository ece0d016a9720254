"""The deterministic `rules` backend: vocabulary phrases and regex patterns from the schema.

For each passage the text is normalised with ingestion's normaliser (extractor.ingest.normalize,
the stored form; paragraph breaks folded to a space and remembered as sentence ends) while
keeping a map back to the original characters, so every quote handed out is an exact substring
of the passage. Sentences are cut by ingestion's one splitter (extractor.ingest.sentences)
with clauses=True: it also cuts at ";", so a hit's sentence context and quote stay one clause
of a long enumeration (spaCy's sentencizer, which does not, cost value F1 on gold-dev 0.554 ->
0.549; BENCHMARKS.md, rules/learned section). Hits come from

* a spaCy PhraseMatcher (blank English tokenizer, attr LOWER) over each field's vocabulary
  (canonical value -> aliases; spelling variants such as "ResNet-50"/"ResNet50"/"ResNet 50"
  are generated), and
* each field's regex patterns (case-insensitive), whose value template names the groups,
* for `list_siblings` fields, the names coordinated with such a hit ("ESM2, ProtT5 and Ankh";
  rules_lists.py), and
* for `settings_table` fields, column-wise name/value tables (rules_table.py).

A hit is dropped when its sentence
* is about other work or general knowledge (opens with a citation or cites with a reporting
  verb, "has been widely used", "their results") and has no first-person marker, or is about
  future work / hypotheticals, or is a bibliography entry, or is cited work by the shared
  statement filter (extractor.statements.cited: "Smith et al. [8] used", "X has used ... [8]");
* is a heading, caption fragment, table cell or title (vocabulary hits need >= 4 words and a
  finite-verb cue);
* contains one of the field's `negative` phrases, lacks one of the `context` words (field-level
  for vocabulary hits, pattern-level for patterns), or, for `own_work` fields, has neither a
  first-person marker nor past tense;
or when an alias listed in `case_sensitive` appears in another letter case, or a `block`
phrase or a longer match of the same field overlaps it (a pattern hit beats a vocabulary hit).
Values are grounded in their quote (as the core checks) before they are returned; a value
that starts another value of the same field and origin is folded into it ("ResNet" into
"ResNet-50"). A field reports its values ordered by how often they were seen, at most
`max_values` (default 5).
"""
from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.backends.base import Backend, Candidate, GroupOutput, GroupTask, Passage, option
from extractor.backends import rules_phrases
from extractor.backends.rules_lists import siblings
from extractor.backends.rules_table import table_hits
from extractor.backends.rules_text import (  # noqa: F401  (re-exported)
    _OWN, _PAST, _SPACE, _Norm, about_other_work, has_verb_cue, keyword_line, looks_like_reference,
    normalise, sentences, states_own_work)
from extractor.schemas.catalog import MAX_QUOTE_CHARS, MAX_VALUE_CHARS, FieldSpec
from extractor.grounding import _stem, content_tokens, grounded, number_words_as_digits
from extractor.ingest.normalize import normalize_for_match
from extractor.statements import cited, clause_of, denied, section_reason

DEFAULT_MAX_VALUES = 5
MIN_SENTENCE_WORDS = 4      # shorter "sentences" are headings or table cells
ALT_SEP = " || "    # a pattern's value template may list alternatives; the first grounded wins

# --- compiled vocabulary per group ---------------------------------------------------------------

_SEP = re.compile(r"(?<=[A-Za-z0-9])[-\s](?=[A-Za-z0-9])|(?<=[A-Za-z])(?=\d)")


def variants(alias: str) -> set[str]:
    """Spellings of an alias with '-', ' ' or nothing at its internal joints (max 4 joints)."""
    parts = _SEP.split(alias)
    if len(parts) == 1 or len(parts) > 5:
        return {alias}
    return {"".join(itertools.chain.from_iterable(zip(parts, seps + ("",))))
            for seps in itertools.product(("-", " ", ""), repeat=len(parts) - 1)}


@dataclass(frozen=True)
class _Compiled:
    matcher: object                               # spacy PhraseMatcher
    nlp: object
    labels: dict[int, tuple[str, str]]            # match_id -> (field key, canonical)
    case_sensitive: dict[str, frozenset[str]]     # field -> aliases needing exact case
    # field -> (regex, value template, context, context_fallback, fallback, restates)
    patterns: dict[str, list[tuple[re.Pattern, str, tuple[str, ...], bool, bool, bool]]]


def _group_key(fields: list[FieldSpec]) -> tuple:
    return tuple((f.key, tuple((k, tuple(v)) for k, v in f.vocabulary.items()),
                  f.patterns, f.case_sensitive, f.block) for f in fields)


_BLOCK = "\x00block"



@lru_cache(maxsize=32)
def _compile(key: tuple) -> _Compiled:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    labels: dict[int, tuple[str, str]] = {}
    cs: dict[str, frozenset[str]] = {}
    pats: dict[str, list[tuple[re.Pattern, str, tuple[str, ...], bool, bool, bool]]] = {}
    for fkey, vocab, patterns, case_sensitive, block in key:
        cs[fkey] = frozenset(case_sensitive)
        if block:
            vocab = (*vocab, (_BLOCK, block))
        for canon, aliases in vocab:
            forms: set[str] = set()
            for a in (aliases if canon == _BLOCK else (canon, *aliases)):
                if len(a.strip()) < 2:
                    continue    # a one-letter phrase ("R") is never a safe match; use aliases
                forms |= {a} if a in case_sensitive else variants(a)
            label = f"{fkey}\x1f{canon}"
            mid = nlp.vocab.strings.add(label)
            labels[mid] = (fkey, canon)
            matcher.add(label, list(nlp.tokenizer.pipe(sorted(forms))))
        try:
            pats[fkey] = [(re.compile(p.regex, re.I), p.value, p.context, p.context_fallback,
                           p.fallback, p.restates) for p in patterns]
        except re.error as e:
            raise ValueError(f"field {fkey!r}: bad pattern regex: {e}") from None
    return _Compiled(matcher, nlp, labels, cs, pats)


@lru_cache(maxsize=4096)
def _word_start(term: str) -> re.Pattern:
    t = term.lower()
    return re.compile((r"(?<![a-z0-9])" if t[:1].isalnum() else "") + re.escape(t))


def _mentions(low_sentence: str, terms: tuple[str, ...]) -> bool:
    """True if one of the terms starts at a word start ("app" matches "apps", not "happen")."""
    return any(_word_start(t).search(low_sentence) for t in terms)


# --- extraction ---------------------------------------------------------------------------------

@dataclass
class _Hit:
    field: str
    value: str
    quote: str
    pos: tuple[int, int]      # (passage index, offset): first occurrence
    own: bool                 # sentence carries a first-person marker
    vocab: bool = True        # from the vocabulary (else from a pattern)
    merged: bool = False      # folded in from a shorter value: counts, but its quote is not used
    weak: bool = False        # fallback hit: reported only if the field has no other value
    canon: str = ""           # the value's canonical form when the value is the paper's wording
    later_alt: bool = False   # a template's later alternative (the quote lacks a word of the first)


def _quote_span(norm: _Norm, sent: tuple[int, int], match: tuple[int, int],
                text: str) -> str:
    """The sentence holding the match, or a window of at most MAX_QUOTE_CHARS around it."""
    ss, se = norm.span(*sent)
    ms, me = norm.span(*match)
    if se - ss <= MAX_QUOTE_CHARS:
        return text[ss:se].strip()
    room = max(0, MAX_QUOTE_CHARS - (me - ms))
    a = max(ss, ms - room // 2)
    b = min(se, a + MAX_QUOTE_CHARS)
    a = max(ss, b - MAX_QUOTE_CHARS)
    # snap inwards to word boundaries without cutting the match
    if a > ss:
        sp = text.find(" ", a, ms)
        a = sp + 1 if sp >= 0 else a
    if b < se:
        sp = text.rfind(" ", me, b)
        b = sp if sp >= 0 else b
    return text[a:b].strip()


_FOLD = re.compile(r"[a-z]-fold\b", re.I)
_URLISH = re.compile(r"(?:https?://|www\.|(?:doi\.org|github\.|gitlab\.|zenodo\.)\S)", re.I)
_FIELD_REF = re.compile(r"\{(\d+)\}")


# a power of ten as PDFs give it ("10−3" with a minus sign, "5 × 10^-4", "10 −5"); "10-3" and
# "10–3" are left alone, as they may be ranges
_POW10 = re.compile(r"(?:(\d+(?:\.\d+)?)\s?[x×*]\s?)?(?<![\d.])10\s?"
                    r"(?:\^\s?[-−–]|−|(?<=[x×*]\s10)-|(?<=[x×*]10)-)\s?(\d{1,2})(?![\d.])")
_E_SPACED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?[eE]\s?[-−–]\s?(\d{1,2})(?![\d.])")


def e_notation(value: str) -> str:
    """Powers of ten in a value written as annotators write them: "learning rate = 10−3" ->
    "learning rate = 1e-3", "5 × 10^-4" -> "5e-4", "1 e −5" -> "1e-5". Verification reads
    both spellings as one number."""
    value = _POW10.sub(lambda m: f"{m.group(1) or 1}e-{m.group(2)}", value)
    return _E_SPACED.sub(lambda m: f"{m.group(1)}e-{m.group(2)}", value)


_TENTHS = re.compile(r"(\d)/(\d)(?:/(\d))?")
_SHARES = re.compile(r"\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?){1,2}")


def shares_add_up(value: str) -> bool:
    """A split written as shares ("70/30", "80/10/10") adds up to 100 (tenths, "8/2", to 10);
    a ratio of single digits ("3/1") is a ratio. Numbers that do not add up ("20/24") are two
    counts of something else."""
    if not _SHARES.fullmatch(value):
        return True
    parts = [float(x) for x in value.split("/")]
    if all(x.is_integer() and x < 10 for x in parts):
        return True
    return abs(sum(parts) - 100) <= 1


def percent_split(value: str) -> str:
    """A split ratio in tenths written as annotators write splits, in percent: "8/2" (from
    "an 8:2 ratio") -> "80/20", "7/1/2" -> "70/10/20". Verification reads the ratio both ways
    (extractor.grounding.numbers)."""
    m = _TENTHS.fullmatch(value)
    if not m or sum(int(g) for g in m.groups() if g) != 10:
        return value
    return "/".join(f"{g}0" for g in m.groups() if g)


def _fill(template: str, m: re.Match) -> list[str]:
    """Values for a regex hit; an alternative naming a group that did not match is skipped."""
    groups = [m.group(0), *[(g or "") for g in m.groups()]]
    out = []
    for alt in template.split(ALT_SEP):
        refs = [int(r) for r in _FIELD_REF.findall(alt)]
        if any(r < len(groups) and not groups[r].strip() for r in refs):
            continue
        try:
            v = alt.format(*groups)
        except (IndexError, KeyError, ValueError):
            raise ValueError(f"pattern value {template!r} does not fit regex {m.re.pattern!r}") \
                from None
        v = _SPACE.sub(" ", v).strip(" ,;:")
        if " = " in v or _FOLD.search(v):
            # a setting's count spelled out is written in digits, as annotators write settings
            # ("epochs = 10" from "ten epochs"), and so is a k-fold's k ("five-fold" is one
            # value with "5-fold"); a phrase keeps the paper's words ("five random seeds")
            v = number_words_as_digits(v)
        if _URLISH.match(v):
            # PDF text breaks URLs at dots ("github. com/x"); the value is the URL itself
            v = _SPACE.sub("", v).rstrip(".")
        if v:
            out.append(v[:MAX_VALUE_CHARS])
    return out


def _variant_of(longer: str, name: str) -> bool:
    """Is longer a variant of name written as one word ("yolov8-s" of "yolov8",
    "deberta-v3-large" of "deberta"), not name followed by other words ("resnet blocks")?"""
    return (len(longer) > len(name) + 1 and longer.startswith(name)
            and longer[len(name)] in "-0123456789" and " " not in longer[len(name):])


# a value that goes on into a range is another value ("mAP50" and "mAP50-95")
_RANGE_ON = re.compile(r"\s?(?:[-\u2013:]|to\s)\s?0?\.?\d")


def _merge_prefixes(hits: dict[tuple[str, str], list["_Hit"]],
                    fields: dict[str, FieldSpec]) -> None:
    """Fold a value into a longer value of the same field and origin (vocabulary or pattern)
    that starts with its words ("ResNet" into "ResNet-50", "60/40" into "60/40 split"); known
    values of a field with `fold_prefixes` off stay apart ("PyTorch", "PyTorch Lightning")."""
    words = {k: re.findall(r"[a-z]+|\d+(?:\.\d+)?", k[1]) for k in hits}
    for k in sorted(hits, key=lambda k: len(words[k])):
        w = words[k]
        origin = hits[k][0].vocab
        if origin and not fields[k[0]].fold_prefixes:
            continue
        longer = [o for o in hits if o[0] == k[0] and o != k and len(words[o]) > len(w)
                  and words[o][:len(w)] == w and (hits[o][0].vocab == origin
                                                  or _variant_of(o[1], k[1]))
                  and not (k[1][-1:].isdigit() and o[1].startswith(k[1])
                           and _RANGE_ON.match(o[1], len(k[1])))]
        # a model number named with its vendor and series elsewhere is that name ("A6000" in
        # "NVIDIA RTX A6000"): fields whose values carry vendor prefixes fold suffixes too
        if w and not longer and fields[k[0]].strip_prefixes:
            longer = [o for o in hits if o[0] == k[0] and o != k and len(words[o]) > len(w)
                      and words[o][-len(w):] == w]
        # a package is one package with or without its language ("caret", "R package caret")
        if w and not longer:
            longer = [o for o in hits if o[0] == k[0] and o != k
                      and re.fullmatch(r"(?:r|python)\s(?:package|library)\s" + re.escape(k[1]),
                                       o[1])]
        # a setting is one setting however fully it is named ("patience = 20" from a table row
        # and "early stopping patience = 20 epochs" from the text)
        if w and not longer and " = " in k[1] and not origin:
            longer = [o for o in hits if o[0] == k[0] and o != k and len(words[o]) > len(w)
                      and " = " in o[1] and hits[o][0].vocab == origin
                      and any(words[o][i:i + len(w)] == w for i in range(len(words[o])))]
        if w and longer:
            target = max(longer, key=lambda o: len(hits[o]))
            moved = hits.pop(k)
            for h in moved:
                h.merged = True
            hits[target].extend(moved)


_NUMBERS_ROW = re.compile(r"\s*[-−–+]?\d+(?:\.\d+)?%?(?:\s+[-−–+]?\d+(?:\.\d+)?%?)*(?=\s|$)")


def _defined_or_tabulated(text: str, sent: tuple[int, int], a: int, b: int) -> bool:
    """A short "sentence" that states a name after all: a formula defining it ("RMSE = ..."), or
    a table's column header above a row of numbers ("R2" then "0.76 0.91 0.84")."""
    if text[sent[0]:a].strip():
        return False
    # the name, perhaps its unit or symbol in brackets ("RMSE (mg/g)"), then "=" or the end
    m = re.match(r"\s*(?:\([^)]{0,12}\)\s*)?(?:(=)|$)", text[b:sent[1]])
    if m and m.group(1):
        return True
    return bool(m) and bool(_NUMBERS_ROW.match(text, sent[1]))


def _respelling(surface: str, canon: str) -> bool:
    """The same words with hyphens that join or part letters elsewhere ("Faster RCNN",
    "Faster R-CNN"; "EfficientNetB0"), so that the words differ once letters and digits are
    read apart. A word written in two ("mix up" for "mixup") is the plain word, not a spelling
    of the name, and case or a letter-digit hyphen ("ESM-2") changes no word."""
    key = lambda v: re.sub(r"[\-\u2010\u2011_]+", "", v.casefold())
    words = lambda v: re.findall(r"[a-z]+|\d+", v.casefold())
    return key(surface) == key(canon) and words(surface) != words(canon)


# ("X, for example, denotes ..." is an aside, not a list of examples)
_EXAMPLES = re.compile(r"\b(?:such as|e\.g\.[,:]?|(?<!,\s)for example[,:]?|(?<!,\s)for instance[,:]?"
                       r"|(?:methods|models|algorithms|approaches|techniques)\sinclude)\s", re.I)


def _example_only(sentence: str, at: int) -> bool:
    """Is the value at sentence[at:] named as an example of a kind ("variance reduction
    strategies such as stratified sampling", "architectures such as AlexNet are proposed for")
    in a sentence that says nothing of this study (no first person, no past tense)?"""
    before = sentence[max(0, at - 100):at]
    last = None
    for last in _EXAMPLES.finditer(before):
        pass
    if last is None or ";" in before[last.end():]:
        return False
    return not (_OWN.search(sentence) or _PAST.search(sentence))


def _inflection(surface: str, canon: str) -> bool:
    """The canonical value's words, inflected or reordered ("flipped" for "flip", "undersample"
    for "undersampling", "flipped horizontally" for "horizontal flip"): the paper's wording adds
    nothing, the canonical form reads better."""
    stems = lambda v: sorted(_stem(t) for t in content_tokens(v))
    return stems(surface) == stems(canon)


# a value right after a name: "Dropout (classifier) | 0.1", "weight decay: 1e-4", "dropout 0.3";
# not a year or the number of the next heading ("optical imagery 1. Introduction")
_SETTING_AFTER = re.compile(r"[ \t]*(?:(?:rate|ratio|probability|prob\.?)[ \t]*)?"
                            r"(?:\([\w\s-]{1,30}\)[ \t]*)?"
                            # where the setting applies: "Dropout before the output layer: 0.3"
                            r"(?:(?:before|after|in|on|for)[ \t](?:the[ \t]|each[ \t])?[\w-]+"
                            r"(?:[ \t][\w-]+){0,2}[ \t]?(?=[:|]))?"
                            r"(?:[:=|][ \t]*)?(?:of[ \t])?"
                            r"(?!(?:19|20)\d\d\b|\d{1,2}\.\s+[A-Z])[-−]?\.?\d")


_ABBREVIATION = re.compile(r"[A-Z][A-Z0-9-]{1,7}")


def _canonical(f: FieldSpec, value: str) -> str:
    """A pattern value that starts with a known vocabulary phrase is that phrase's canonical
    value ("ImageNet dataset" -> "ImageNet", "BirdCLEF 2021 data set" -> "BirdCLEF")."""
    low = value.lower()
    best, best_len = value, 0
    for canon, aliases in f.vocabulary.items():
        for a in (canon, *aliases):
            al = a.lower()
            if len(al) > max(best_len, 1) and (low == al or low.startswith(al + " ")):
                best, best_len = canon, len(al)
    return best


def _list_siblings(text: str, sents: list[tuple[int, int]], starts: list[int], raw: list,
                   fields: dict[str, FieldSpec]) -> list:
    """Raw hits for the names listed beside a hit of a `list_siblings` field (rules_lists):
    pattern hits with the anchor's context words, so every later filter applies to them (as
    pattern values, another field's known value is dropped there). A span any hit already
    covers (this field's or another's) gives nothing."""
    taken = [(a, b) for _, _, a, b, *_ in raw]
    out: list = []
    for fkey, _, a, b, ctx, _, _, fallback, _ in raw:
        if not fields[fkey].list_siblings or fallback:
            continue
        si = bisect.bisect_right(starts, a) - 1
        if si < 0 or text[sents[si][0]:sents[si][0] + 8].lower().startswith("keyword"):
            continue    # a keyword line lists topics of every kind
        for sa, sb in siblings(text, a, b, sents[si]):
            if any(sa < tb and ta < sb for ta, tb in taken):
                continue
            taken.append((sa, sb))
            out.append((fkey, text[sa:sb], sa, sb, ctx, False, False, False, False))
    return out


class RulesBackend(Backend):
    """Deterministic extraction from the schema's vocabularies and patterns."""

    name = "rules"
    model = "-"
    default_top_k = None        # reads every usable chunk of the paper: it costs nothing

    class Options(Backend.Options):
        # Off by default: on gold-dev and gold-full the phrase values lowered F1 for every
        # field tried (rules_phrases docstring); the option lets them be measured and reused.
        phrases: str = option("", "descriptive fields that also get open-vocabulary phrase "
                              "values (comma list, or 'all'; rules_phrases.py)")

    def __init__(self, default_max_values: int = DEFAULT_MAX_VALUES, phrases: str = ""):
        super().__init__(phrases=phrases)
        self.default_max_values = default_max_values
        self.phrase_fields = {k.strip() for k in phrases.split(",") if k.strip()}

    @classmethod
    def from_options(cls, options: Options) -> RulesBackend:
        return cls(phrases=options.phrases)

    @property
    def settings(self) -> dict:
        # the option at its default is not stored, so results and cache keys of plain rules
        # runs stay what they were
        return {k: v for k, v in super().settings.items() if not (k == "phrases" and not v)}

    def extract(self, task: GroupTask) -> GroupOutput:
        fields = {f.key: f for f in task.fields}
        comp = _compile(_group_key(task.fields))
        hits: dict[tuple[str, str], list[_Hit]] = {}
        for pi, p in enumerate(task.passages):
            for h in self._passage_hits(pi, p, fields, comp):
                hits.setdefault((h.field, (h.canon or h.value).lower()), []).append(h)
        _merge_prefixes(hits, fields)
        # a fallback value that another field states in the same sentence with a full hit
        # belongs to that field ("the images are available at github.com/x" is data, not code);
        # a setting may be two fields' value ("epochs = 120" is a setting and when training
        # stopped)
        claimed: dict[tuple[str, str], set[str]] = {}
        for hs in hits.values():
            for h in hs:
                if not h.weak:
                    claimed.setdefault((h.quote, h.value.lower()), set()).add(h.field)
        for k in list(hits):
            hits[k] = [h for h in hits[k] if not h.weak or " = " in h.value
                       or not claimed.get((h.quote, h.value.lower()), set()) - {h.field}]
            if not hits[k]:
                del hits[k]
        out: list[Candidate] = []
        for key, f in fields.items():
            ranked = []
            # fallback hits count only when the field has no full hit in the document
            strong = any(not h.weak for (fk, _), hs in hits.items() if fk == key for h in hs)
            for (fk, _), hs in hits.items():
                if fk != key or (strong and all(h.weak for h in hs)):
                    continue
                # a name spelled out says more than its abbreviation ("non-maximum suppression",
                # not "NMS", where the paper gives both)
                # (and a template's first alternative says more than its later ones)
                best = min((h for h in hs if not h.merged),
                           key=lambda h: (h.later_alt, not h.own,
                                          bool(_ABBREVIATION.fullmatch(h.value)), h.pos))
                ranked.append((-len(hs), min(h.pos for h in hs), best))
            ranked.sort(key=lambda r: (r[0], r[1]))
            # a family name beside a named member says less than the member: annotators list
            # "ResNet-50", not also "CNN" (train F1 0.503 -> 0.544, full 0.545 -> 0.593)
            # (a value in the paper's wording is generic when its canonical value is)
            generic = {g.lower() for g in f.generic}
            if generic and any((r[2].canon or r[2].value).lower() not in generic for r in ranked):
                ranked = [r for r in ranked if (r[2].canon or r[2].value).lower() not in generic]
            if f.gives_way:
                shown = [r[2].canon or r[2].value for r in ranked]
                ranked = [r for r in ranked
                          if not (pat := f.gives_way.get((r[2].canon or r[2].value).lower()))
                          or not any(re.fullmatch(pat, v) for v in shown)]
            for _, _, h in ranked[: f.max_values or self.default_max_values]:
                out.append(Candidate(field=h.field, value=h.value, quote=h.quote))
        if self.phrase_fields:
            out += self._phrases(task, out)
        return GroupOutput(candidates=out)

    def _phrases(self, task: GroupTask, found: list[Candidate]) -> list[Candidate]:
        """Open-vocabulary phrase values for the chosen descriptive fields (rules_phrases)."""
        specs = [f for f in task.fields if f.descriptive and
                 ("all" in self.phrase_fields or f.key in self.phrase_fields)]
        if not specs:
            return []
        sents = rules_phrases.passage_sentences(task.passages)
        return [Candidate(field=f.key, value=v, quote=q) for f in specs
                for v, q in rules_phrases.phrase_values(
                    sents, f, [c.value for c in found if c.field == f.key])]

    def _passage_hits(self, pi: int, p: Passage, fields: dict[str, FieldSpec],
                      comp: _Compiled) -> list[_Hit]:
        norm = normalise(p.text)
        if not norm.text:
            return []
        sents = sentences(norm)
        starts = [s for s, _ in sents]
        # field, value(s), start, end, sentence-context words, from the vocabulary?, context
        # only decides between a full hit and a fallback hit?, always a fallback hit?, a
        # template that restates the hit (Pattern.restates)?
        raw: list[tuple[str, str | list[str], int, int, tuple[str, ...], bool, bool, bool,
                        bool]] = []
        doc = comp.nlp.make_doc(norm.text)
        by_field: dict[str, list[tuple[int, int, str]]] = {}
        for mid, s, e in comp.matcher(doc):
            fkey, canon = comp.labels[mid]
            if fkey not in fields:
                continue
            a, b = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            surface = norm.text[a:b]
            cs = comp.case_sensitive.get(fkey, frozenset())
            if cs and surface.lower() in {c.lower() for c in cs} and surface not in cs:
                continue
            by_field.setdefault(fkey, []).append((a, b, canon))
        for fkey, spans in by_field.items():
            # Longest match wins inside a field: "overall accuracy" hides "accuracy", and a
            # block phrase ("precision agriculture") hides what it overlaps, then vanishes.
            spans.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
            taken: list[tuple[int, int]] = []
            for a, b, canon in spans:
                if any(a < tb and ta < b for ta, tb in taken):
                    continue
                taken.append((a, b))
                if canon != _BLOCK:
                    raw.append((fkey, canon, a, b, fields[fkey].context, True, False, False,
                                False))
        for fkey, plist in comp.patterns.items():
            if fkey not in fields:
                continue
            for rx, template, pctx, ctx_fallback, fallback, restates in plist:
                # a pattern that reads words before its value ("As baselines we retrained
                # ..., X") names the value's place with a group "at": the words before hide no
                # other value and no filter judges their place
                at = "at" if "at" in rx.groupindex else 0
                for m in rx.finditer(norm.text):
                    a, b = m.span(at)
                    if b > a:
                        raw.append((fkey, _fill(template, m), a, b, pctx, False,
                                    ctx_fallback, fallback, restates))
        raw += _list_siblings(norm.text, sents, starts, raw, fields)
        # A pattern hit is more specific than a vocabulary hit it overlaps in the same field
        # ("5-fold cross-validation" hides "cross-validation").
        pat_spans: dict[str, list[tuple[int, int]]] = {}
        for fkey, _, a, b, _, is_vocab, *_ in raw:
            if not is_vocab:
                pat_spans.setdefault(fkey, []).append((a, b))
        out = []
        for fkey, value, a, b, ctx, is_vocab, ctx_fallback, fallback, restates in raw:
            if is_vocab and any(a < pb and pa < b for pa, pb in pat_spans.get(fkey, ())):
                continue
            f = fields[fkey]
            si = bisect.bisect_right(starts, a) - 1
            if si < 0:
                continue
            sent = sents[si]
            stext = norm.text[sent[0]:sent[1]]
            low = stext.lower()
            if about_other_work(stext) or keyword_line(stext):
                continue
            if section_reason(stext, p.section):
                continue    # related work, or the introduction without "we"/"our"
            if cited(stext):
                continue    # the shared statement filter: "Smith et al. [8] used ResNet-50"
            if denied(stext, a - sent[0], b - sent[0]):
                continue    # "we did not apply early stopping"
            if _example_only(stext, a - sent[0]):
                continue    # "strategies such as stratified sampling" (of no study)
            if f.negative:
                # (shares of the data, "80/10/10", state a split wherever the sentence goes on
                # to tuning: only their own clause may deny them)
                shares = isinstance(value, list) and value and _SHARES.fullmatch(value[0])
                scope = clause_of(stext, a - sent[0], b - sent[0]).lower() if shares else low
                if _mentions(scope, f.negative):
                    continue
            if (is_vocab and len(stext.split()) < MIN_SENTENCE_WORDS
                    # (a settings row states its setting however short: "Dropout: 0.1")
                    and not (f.descriptive and _SETTING_AFTER.match(norm.text, b))):
                if f.descriptive or si + 1 >= len(sents) or not _defined_or_tabulated(
                        norm.text, sent, a, b):
                    continue
                # the quote holds the formula or the row of numbers too
                sent = (sent[0], sents[si + 1][1])
            # A descriptive word in a verbless line is a heading ("Data augmentation"), not a
            # statement; a name in one is a table row or list item ("Framework: PyTorch"), and
            # annotators count it (every set gained F1 when names skipped this check: dev
            # 0.560 -> 0.564, train 0.419 -> 0.428, full 0.421 -> 0.431).
            # ... unless a number follows the word: "Weight decay | 0.01", "LoRA dropout 0.1"
            # is a settings row
            if (is_vocab or fallback) and not has_verb_cue(stext) and (
                    (f.descriptive and not (is_vocab and _SETTING_AFTER.match(norm.text, b)))
                    or any(looks_like_reference(norm.text[x:y])
                                         for x, y in sents[max(si - 1, 0):si + 2])):
                continue    # (a verbless title between the parts of a reference entry)
            weak = bool(ctx) and not _mentions(low, ctx)
            if weak and not ctx_fallback:
                continue
            weak = weak or fallback
            if f.own_work and not states_own_work(stext):
                continue
            quote = _quote_span(norm, sent, (a, min(b, sent[1])), p.text)
            values = [value] if isinstance(value, str) else value
            canons = {}
            if not is_vocab and f.vocabulary:
                canons = {v: _canonical(f, v) for v in values}
                # (a template in annotators' words keeps them: "resizing to 224 × 224" is
                # grouped under "resizing", not cut to it)
                values = [v if f.surface_values or restates or _respelling(v, c) else c
                          for v, c in canons.items()]
            # a template alternative that is another field's known value ("FLIP" is a flip, so
            # "FLIP benchmark") is skipped, as verification would reject it
            chosen = next((v for v in values if shares_add_up(v)
                           and grounded(v, quote, f.aliases(v), strict=not restates)
                           and (is_vocab or normalize_for_match(v) not in f.foreign_values)),
                          None)
            if chosen is None:
                continue
            # a pattern value kept in the paper's spelling is grouped under its canonical value
            canon = canons.get(chosen, chosen)
            canon = "" if canon == chosen else canon
            later_alt = not is_vocab and chosen != values[0]
            if later_alt and not canon:
                # a later template alternative, chosen because the quote lacks a word of the
                # first ("512 × 512 image" for "image size = 512 × 512"), is the same value
                canon = values[0]
            if not is_vocab:
                chosen = e_notation(chosen)
                split = percent_split(chosen)
                if split != chosen and grounded(split, quote, (), strict=True):
                    chosen = split
            surface = norm.text[a:b]
            if is_vocab and ((f.surface_values and not _inflection(surface, chosen))
                             or _respelling(surface, chosen)):
                # the paper's wording ("hydrophone recordings"; for any field its spelling of
                # the name, "Faster RCNN" for "Faster R-CNN", which annotators copy), grouped
                # under its canonical value so spellings of one thing stay one value
                if grounded(surface, quote, (), strict=True):
                    canon, chosen = chosen, surface
            out.append(_Hit(fkey, chosen, quote, (pi, a), bool(_OWN.search(stext)), is_vocab,
                            weak=weak, canon=canon, later_alt=later_alt))
        for fkey, f in fields.items():
            if f.settings_table:
                for t in table_hits(p.text, MAX_QUOTE_CHARS):
                    quote = p.text[t.start:t.end]
                    if grounded(t.value, quote, (), strict=True):
                        out.append(_Hit(fkey, t.value, quote, (pi, t.start), False, False))
        return out
