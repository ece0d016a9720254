"""The deterministic `rules` backend: vocabulary phrases and regex patterns from the schema.

For each passage the text is normalised with ingestion's normaliser (extractor.ingest.normalize,
the stored form; paragraph breaks folded to a space and remembered as sentence ends) while
keeping a map back to the original characters, so every quote handed out is an exact substring
of the passage. Sentences are cut by `sentences` below, not by ingestion's spaCy sentencizer:
the sentencizer does not cut at ";" (this splitter does, so a hit's sentence context and quote
stay one clause of a long enumeration), and swapping it in cost value F1 on gold-dev (0.554 ->
0.549, precision 0.739 -> 0.727) while leaving gold-train and gold-full unchanged
(BENCHMARKS.md, rules/learned section). Hits come from

* a spaCy PhraseMatcher (blank English tokenizer, attr LOWER) over each field's vocabulary
  (canonical value -> aliases; spelling variants such as "ResNet-50"/"ResNet50"/"ResNet 50"
  are generated), and
* each field's regex patterns (case-insensitive), whose value template names the groups, and
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

from extractor.backends.base import Backend, Candidate, GroupOutput, GroupTask, Passage
from extractor.backends.rules_table import table_hits
from extractor.ingest.urlcut import url_continues
from extractor.schemas.catalog import MAX_QUOTE_CHARS, MAX_VALUE_CHARS, FieldSpec
from extractor.grounding import grounded
from extractor.statements import cited

DEFAULT_MAX_VALUES = 5
MIN_SENTENCE_WORDS = 4      # shorter "sentences" are headings or table cells
ALT_SEP = " || "    # a pattern's value template may list alternatives; the first grounded wins

# --- text normalisation with an offset map ---------------------------------------------------
# One normaliser for the whole project: ingestion's stored form (extractor.ingest.normalize:
# NFKC, invisible characters dropped, line-end hyphenation joined, white space folded, blank
# lines kept as "\n\n"). Passages are already in that form, so here it only folds each
# paragraph break to a space (recording where it was: a sentence always ends there) and keeps
# the map back to the passage's characters, so every quote is an exact substring.


@dataclass
class _Norm:
    text: str           # normalised text that matching runs on
    idx: list[int]      # idx[i] = index in the original text of normalised char i
    breaks: set[int]    # normalised offsets where the original had a paragraph break
    ends: list[int] | None = None   # ends[i] = original end of normalised char i

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original [start, end) of normalised [a, b)."""
        return self.idx[a], (self.ends[b - 1] if self.ends else self.idx[b - 1] + 1)


def normalise(text: str) -> _Norm:
    from extractor.ingest.normalize import normalize_with_map
    s, omap = normalize_with_map(text)
    # end of each stored char: where the next one starts (a ligature's two letters share one
    # original character, so the first ends after it too)
    ends = [omap[k + 1] if omap[k + 1] > omap[k] else omap[k] + 1 for k in range(len(s))]
    if "\n\n" not in s:
        return _Norm(s, omap[:len(s)], set(), ends)
    out: list[str] = []
    idx: list[int] = []
    oends: list[int] = []
    breaks: set[int] = set()
    pos = 0
    for para in s.split("\n\n"):
        if out:
            breaks.add(len(idx))
            out.append(" ")
            idx.append(omap[pos - 2])
            oends.append(omap[pos - 2] + 1)
        out.append(para)
        idx.extend(omap[pos:pos + len(para)])
        oends.extend(ends[pos:pos + len(para)])
        pos += len(para) + 2
    return _Norm("".join(out), idx, breaks, oends)


_SPACE = re.compile(r"\s+")


# --- sentences ---------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?;]\s+(?=[A-Z0-9(\[\"\u201c])")
_ABBREV = frozenset("al e.g i.e fig figs eq eqs vs approx ca no ref refs sect sec tab cf resp "
                    "et mr dr st ver vol pp".split())


def sentences(norm: _Norm) -> list[tuple[int, int]]:
    """Sentence spans over the normalised text (rough, abbreviation-aware)."""
    t = norm.text
    cuts = [0]
    for m in _BOUNDARY.finditer(t):
        if t[m.start()] == ".":
            w = re.search(r"([A-Za-z.]+)$", t[max(0, m.start() - 12):m.start()])
            word = w.group(1).lower().strip(".") if w else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            if url_continues(t[cuts[-1]:m.start() + 1], t[m.end():m.end() + 80]):
                continue    # "doi.org/10.5061/dryad. 7h44j": a URL cut by a line break
        cuts.append(m.start() + 1)
    cuts += sorted(b for b in norm.breaks if 0 < b < len(t))
    cuts = sorted(set(cuts)) + [len(t)]
    out = []
    for a, b in zip(cuts, cuts[1:]):
        while a < b and t[a] == " ":
            a += 1
        if b > a:
            out.append((a, b))
    return out


# --- other-work / general-knowledge filter ----------------------------------------------------

_OWN = re.compile(r"\b(we|our|us|this (?:study|work|paper|research|article)|the present study|"
                  r"here(?:in)?|in this study)\b", re.I)
# A citation marks other work only when it is what the sentence is about: it opens the sentence
# ("Smith et al. (2019) used ...") or is followed by a reporting verb. A method sentence citing
# its tool ("implemented in Detectron2 (Wu et al., 2019)") stays.
# Past tense marks a report of what was done ("were annotated", "had been labelled").
_PAST = re.compile(r"\b(?:was|were|had)\b", re.I)
# A sentence describing the study's own data set in the present tense ("the training dataset
# contains 700 images, in which each animal is annotated ...") is about this study too.
_OWN_DATA = re.compile(r"\b(?:the|this|each)\s(?:training|test|testing|validation)\s(?:data\s?set|data|"
                       r"set|images|subset)s?\b", re.I)
_CITED_SUBJECT = re.compile(
    r"^(?:(?:In|As|Similarly,?|Recently,?|For example,?|Previously,?)\s(?:shown\sby\s|in\s)?)?"
    r"[A-Z][A-Za-z'\u2019-]+(?:\s(?:and|&)\s[A-Z][A-Za-z'\u2019-]+)?(?:\set\s?al\.?)?,?\s?"
    r"[(\[]?\s?(?:19|20)\d\d[a-z]?|"
    r"(?:et\s?al\.?|[(\[]\s?(?:19|20)\d\d[a-z]?\s?[)\]])\s?[)\]]?\s(?:have\s|has\s|also\s)?"
    r"(?:used|proposed|developed|applied|showed|shown|found|trained|employed|reported|demonstrated|"
    r"introduced|presented|achieved|compared|suggested|investigated|explored|adopted|designed)\b")
_GENERAL = re.compile(
    r"\b(?:ha(?:s|ve) (?:also )?been (?:widely |extensively |successfully |commonly |increasingly )?"
    r"(?:used|applied|adopted|employed|proposed|developed|shown|demonstrated|introduced)|"
    r"(?:previous|prior|earlier|recent|other|many|several|some) (?:studies|works|research|"
    r"researchers|authors|approaches|methods)|studies (?:have|has)|is widely used|are widely used|"
    r"is a popular|are popular|state-of-the-art methods such as|for instance|in recent years|"
    r"in general|in principle|typically|traditionally|"
    r"(?:proposed|introduced|invented) by|widely used|widespread|well[- ]known|commonly used|"
    r"(?:was|were|is|are) (?:originally |first )?(?:developed|designed) by|"
    r"their (?:results|study|studies|work|research|paper|experiments?|approach|method|methods|"
    r"model|models|findings)|the authors|"
    r"they (?:used|found|showed|proposed|trained|applied|reported|achieved|developed|compared)|"
    r"ha(?:s|ve) (?:exhibited|achieved|become|gained|emerged|proven|attracted|revolutioni[sz]ed))\b",
    re.I)
_HYPOTHETICAL = re.compile(r"\b(?:future (?:work|research|studies|development)|in the future|"
                           r"in future|could be|our (?:immediate )?plans|"
                           r"would be|might be|may be (?:used|applied)|should be|"
                           r"we (?:plan|intend|aim) to)\b", re.I)


# Reference-list entries that slipped into the text: "Lin, T.-Y., Goyal, P., ..." (APA) or
# "Yosinski J, Clune J, Bengio Y (2014)" (Vancouver), or volume(issue):pages.
_REF_APA = re.compile(r"\b[A-Z][A-Za-z'\u2019-]+,\s(?:[A-Z]\.\s?-?){1,3}(?:,|\s?&|\sand\b|\s\()")
_REF_VAN = re.compile(r"\b[A-Z][a-z'\u2019-]+\s[A-Z]{1,2},\s(?:[A-Z][a-z'\u2019-]+\s[A-Z]{1,2}\b)")
_REF_VOL = re.compile(r"\b\d{1,4}\s?\(\d{1,3}\)\s?[:,]\s?\d+\s?[-\u2013]\s?\d+|"
                      r"\b(?:doi:|doi\.org/)\s?10\.\d{4,}")


def looks_like_reference(sentence: str) -> bool:
    """True for bibliography entries (author lists, volume/pages, DOIs with authors)."""
    authors = len(_REF_APA.findall(sentence)) + 2 * len(_REF_VAN.findall(sentence))
    return authors >= 2 or (authors >= 1 and bool(_REF_VOL.search(sentence)))


# A sentence without any finite-verb cue is a title, heading, caption or table row
# ("Bird species recognition via neural architecture search."), not a statement of method.
_VERB_CUE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|we|our|can|could|may|might|will|would|"
    r"should|did|does|do|used|uses|use|trained|applied|performed|employed|adopted|obtained|"
    r"collected|recorded|acquired|annotated|labell?ed|computed|calculated|evaluated|achieved|"
    r"implemented|conducted|consisted|consists|contains|contained|included|includes|took|"
    r"selected|set|split|divided|resized|augmented|normali[sz]ed|reached|yielded|showed|shows|"
    r"provides|provided|allows|allowed|enabled|followed|compared|tested|ran|run|built|developed|"
    r"downloaded|deployed|fed|added|removed|generated|extracted|measured|assessed|reported|"
    r"released|published|available|adapted|modified|tuned|optimi[sz]ed|using|depicting|showing)\b|"
    # a past participle followed by a preposition: "stopped by", "updated with"
    r"\b(?!based\b)[a-z]{3,}ed\s(?:by|with|on|in|for|to|from|using|at|as|after|until|into)\b",
    re.I)


def has_verb_cue(sentence: str) -> bool:
    return _VERB_CUE.search(sentence) is not None


def about_other_work(sentence: str) -> bool:
    """True for sentences describing other studies, general knowledge or future plans."""
    if _HYPOTHETICAL.search(sentence) or looks_like_reference(sentence):
        return True
    own = _OWN.search(sentence)
    if own:
        return False
    return bool(_CITED_SUBJECT.search(sentence) or _GENERAL.search(sentence))


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
    # field -> (regex, value template, context, context_fallback)
    patterns: dict[str, list[tuple[re.Pattern, str, tuple[str, ...], bool]]]


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
    pats: dict[str, list[tuple[re.Pattern, str, tuple[str, ...], bool]]] = {}
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
            pats[fkey] = [(re.compile(p.regex, re.I), p.value, p.context, p.context_fallback)
                          for p in patterns]
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


_URLISH = re.compile(r"(?:https?://|www\.|(?:doi\.org|github\.|gitlab\.|zenodo\.)\S)", re.I)
_FIELD_REF = re.compile(r"\{(\d+)\}")


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
        if _URLISH.match(v):
            # PDF text breaks URLs at dots ("github. com/x"); the value is the URL itself
            v = _SPACE.sub("", v).rstrip(".")
        if v:
            out.append(v[:MAX_VALUE_CHARS])
    return out


def _merge_prefixes(hits: dict[tuple[str, str], list["_Hit"]]) -> None:
    """Fold a value into a longer value of the same field and origin (vocabulary or pattern)
    that starts with its words ("ResNet" into "ResNet-50", "60/40" into "60/40 split")."""
    words = {k: re.findall(r"[a-z]+|\d+(?:\.\d+)?", k[1]) for k in hits}
    for k in sorted(hits, key=lambda k: len(words[k])):
        w = words[k]
        origin = hits[k][0].vocab
        longer = [o for o in hits if o[0] == k[0] and o != k and len(words[o]) > len(w)
                  and words[o][:len(w)] == w and hits[o][0].vocab == origin]
        if w and longer:
            target = max(longer, key=lambda o: len(hits[o]))
            moved = hits.pop(k)
            for h in moved:
                h.merged = True
            hits[target].extend(moved)


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


class RulesBackend(Backend):
    """Deterministic extraction from the schema's vocabularies and patterns."""

    name = "rules"
    model = "-"
    default_top_k = None        # reads every usable chunk of the paper: it costs nothing

    def __init__(self, default_max_values: int = DEFAULT_MAX_VALUES):
        super().__init__()
        self.default_max_values = default_max_values

    @classmethod
    def from_options(cls, options: Backend.Options) -> RulesBackend:
        return cls()

    def extract(self, task: GroupTask) -> GroupOutput:
        fields = {f.key: f for f in task.fields}
        comp = _compile(_group_key(task.fields))
        hits: dict[tuple[str, str], list[_Hit]] = {}
        for pi, p in enumerate(task.passages):
            for h in self._passage_hits(pi, p, fields, comp):
                hits.setdefault((h.field, h.value.lower()), []).append(h)
        _merge_prefixes(hits)
        out: list[Candidate] = []
        for key, f in fields.items():
            ranked = []
            # fallback hits count only when the field has no full hit in the document
            strong = any(not h.weak for (fk, _), hs in hits.items() if fk == key for h in hs)
            for (fk, _), hs in hits.items():
                if fk != key or (strong and all(h.weak for h in hs)):
                    continue
                best = min((h for h in hs if not h.merged), key=lambda h: (not h.own, h.pos))
                ranked.append((-len(hs), min(h.pos for h in hs), best))
            ranked.sort(key=lambda r: (r[0], r[1]))
            for _, _, h in ranked[: f.max_values or self.default_max_values]:
                out.append(Candidate(field=h.field, value=h.value, quote=h.quote))
        return GroupOutput(candidates=out)

    def _passage_hits(self, pi: int, p: Passage, fields: dict[str, FieldSpec],
                      comp: _Compiled) -> list[_Hit]:
        norm = normalise(p.text)
        if not norm.text:
            return []
        sents = sentences(norm)
        starts = [s for s, _ in sents]
        # field, value(s), start, end, sentence-context words, from the vocabulary?, context
        # only decides between a full hit and a fallback hit?
        raw: list[tuple[str, str | list[str], int, int, tuple[str, ...], bool, bool]] = []
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
                    raw.append((fkey, canon, a, b, fields[fkey].context, True, False))
        for fkey, plist in comp.patterns.items():
            if fkey not in fields:
                continue
            for rx, template, pctx, fallback in plist:
                for m in rx.finditer(norm.text):
                    if m.end() > m.start():
                        raw.append((fkey, _fill(template, m), m.start(), m.end(), pctx, False,
                                    fallback))
        # A pattern hit is more specific than a vocabulary hit it overlaps in the same field
        # ("5-fold cross-validation" hides "cross-validation").
        pat_spans: dict[str, list[tuple[int, int]]] = {}
        for fkey, _, a, b, _, is_vocab, _ in raw:
            if not is_vocab:
                pat_spans.setdefault(fkey, []).append((a, b))
        out = []
        for fkey, value, a, b, ctx, is_vocab, ctx_fallback in raw:
            if is_vocab and any(a < pb and pa < b for pa, pb in pat_spans.get(fkey, ())):
                continue
            f = fields[fkey]
            si = bisect.bisect_right(starts, a) - 1
            if si < 0:
                continue
            sent = sents[si]
            stext = norm.text[sent[0]:sent[1]]
            low = stext.lower()
            if about_other_work(stext):
                continue
            if cited(stext):
                continue    # the shared statement filter: "Smith et al. [8] used ResNet-50"
            if f.negative and _mentions(low, f.negative):
                continue
            if is_vocab and (len(stext.split()) < MIN_SENTENCE_WORDS or not has_verb_cue(stext)):
                continue
            weak = bool(ctx) and not _mentions(low, ctx)
            if weak and not ctx_fallback:
                continue
            if f.own_work and not (_OWN.search(stext) or _PAST.search(stext)
                                   or _OWN_DATA.search(stext)):
                continue
            quote = _quote_span(norm, sent, (a, min(b, sent[1])), p.text)
            values = [value] if isinstance(value, str) else value
            if not is_vocab and f.vocabulary:
                values = [_canonical(f, v) for v in values]
            chosen = next((v for v in values if grounded(v, quote, f.aliases(v), strict=True)),
                          None)
            if chosen is None:
                continue
            out.append(_Hit(fkey, chosen, quote, (pi, a), bool(_OWN.search(stext)), is_vocab,
                            weak=weak))
        for fkey, f in fields.items():
            if f.settings_table:
                for t in table_hits(p.text, MAX_QUOTE_CHARS):
                    quote = p.text[t.start:t.end]
                    if grounded(t.value, quote, (), strict=True):
                        out.append(_Hit(fkey, t.value, quote, (pi, t.start), False, False))
        return out
