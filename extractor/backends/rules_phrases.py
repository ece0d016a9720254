"""Open-vocabulary values for descriptive fields (issue 11): the phrase of a sentence that
states the field, not a vocabulary hit.

A descriptive value ("random horizontal flips", "5-fold cross-validation", "early stopping with
patience 10") is rarely a word of the schema's vocabulary, but it is nearly always a short noun
phrase around one of the field's words in a sentence about the study's own methods. For a
sentence that

* names one of the field's words (its search terms and vocabulary, as
  extractor.learned_values.trigger_regex finds them),
* is a statement of this study (not about other work or general knowledge, not cited work,
  hypothetical or negated: the filters the rules backend and extractor.statements share), and
* is singled out for the field by the learned sentence classifier (extractor.relevance: the
  field among its best-scoring fields for the sentence, well above the median field),

the value is the phrase around the trigger: extended left over its modifiers ("random
horizontal" before "flips"), right over a short complement ("with patience 10", "to 224 x 224")
and cut at clause boundaries, verbs and list separators, then trimmed of edge function words.
It is a verbatim substring of the sentence, so verification grounds it by construction.

The rules backend emits them only for the fields named in its `phrases` option, off by
default. Measured with benchmarks/eval_sets.py (2026-11-30; settings chosen on gold-train with
out-of-fold classifier scores, then checked once on gold-dev and gold-full):
phrases=stopping_criteria, the field where train gained most (benchmarks/phrases_cv.py;
annotation_methods and data_collection gained < 0.03 there and lost on dev and full), F1 train 0.407 -> 0.409
(stopping_criteria 0.444 -> 0.571) but dev 0.558 -> 0.557 (stopping 0.435 -> 0.385) and full
0.400 -> 0.399; phrases=all, dev 0.558 -> 0.532. The phrases rarely match the annotators'
paraphrased values on unseen papers (dev recall did not move), and the classifier picks the
wrong sentence about as often as the right one, so the default stays without them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from extractor.learned_values import trigger_regex
from extractor.schemas.catalog import FieldSpec

MAX_WORDS = 8           # longest phrase value
LEFT_WORDS = 3          # modifiers kept before the trigger word

# function words a phrase never starts or ends with (verification rejects such fragments)
_EDGE = frozenset("""a an the of and or for to in on with by from at as is are was were be been
which that this these those its their our we it into than via using can could have has had will
would may might should must do does did not also then there here so but if when while where how
what each all both such after before during per being used use thus further first finally
respectively they them he she his her i us my your some any applied used performed employed
adopted conducted implemented utilized utilised carried undertaken done""".split())
# words that end a phrase before them: finite verbs, relative words, clause openers
_STOP_BEFORE = frozenset("""is are was were be been being has have had will would can could may
might should must which that who whom whose where when while whereas because since although
though so thus hence therefore we they it this these those our their""".split())
# determiners/verb-like words the left extension does not cross
_LEFT_STOP = _EDGE | _STOP_BEFORE
_PUNCT_CUT = re.compile(r"[;:!?]|,\s|\.\s|\s[-\u2013\u2014]\s|\(\s?(?:e\.g|i\.e|see|Fig|Table)",
                        re.I)
_WORD = re.compile(r"\S+")
_STRIP = "\"'()[]{},;:.\u201c\u201d\u2018\u2019"


def _is_verbish(w: str) -> bool:
    lw = w.lower()
    # "and"/"or" end a phrase: list items are values of their own ("flips and rotations")
    return lw in _STOP_BEFORE or lw in ("and", "or")


# left of a trigger, these end the phrase: "a decay of 0.1 every 30 epochs" is no epoch count
_LEFT_BARRIER = frozenset("every each per after before until than".split())


def _joins_numbers(words: list[tuple[int, int]], i: int, sentence: str) -> bool:
    """Is word i an "and"/"or"/"," between two numbers ("trained for 92 and 45 epochs")?"""
    if not 0 < i < len(words) - 1:
        return False
    w = sentence[words[i][0]:words[i][1]].lower()
    prev = sentence[words[i - 1][0]:words[i - 1][1]].strip(_STRIP)
    nxt = sentence[words[i + 1][0]:words[i + 1][1]].strip(_STRIP)
    return w in ("and", "or", "to") and prev[:1].isdigit() and nxt[:1].isdigit()
_PREP = frozenset("of with to on by at between from per in into for using via over under "
                  "than as within across after before".split())
# words that say nothing on their own: a phrase made only of these and of the field's own
# words ("the training set", "data preprocessing") adds nothing to the field's vocabulary hits
_GENERIC = frozenset("""data image images set sets training train test testing validation
dataset datasets method methods approach process model models proposed subset subsets sample
samples step steps procedure technique techniques analysis results result value values""".split())
_TOK = re.compile(r"[a-z]+|\d+")


@lru_cache(maxsize=256)
def _field_words(spec: FieldSpec) -> frozenset[str]:
    words = set()
    for ph in (*spec.search_terms, *(a for c, al in spec.vocabulary.items() for a in (c, *al))):
        words.update(_TOK.findall(ph.lower()))
    return frozenset(words)


def bare(value: str, spec: FieldSpec) -> bool:
    """Does the phrase hold nothing beyond generic words and the field's own words?"""
    toks = _TOK.findall(value.lower())
    known = _field_words(spec)
    return not any(t.isdigit() or (t not in _GENERIC and t not in known and t not in _EDGE
                                    and t.rstrip("s") not in known) for t in toks)


def phrase_at(sentence: str, start: int, end: int, max_words: int = MAX_WORDS,
              left_words: int = LEFT_WORDS) -> tuple[int, int] | None:
    """[start, end) in sentence of the phrase around the trigger at sentence[start:end]."""
    # the clause holding the trigger: between punctuation cuts
    a = 0
    for m in _PUNCT_CUT.finditer(sentence, 0, start):
        a = m.end()
    m = _PUNCT_CUT.search(sentence, end)
    b = m.start() if m else len(sentence)
    words = [(w.start() + a, w.end() + a) for w in _WORD.finditer(sentence[a:b])]
    if not words:
        return None
    ti = next((i for i, (ws, we) in enumerate(words) if ws <= start < we or ws >= start), None)
    if ti is None:
        return None
    # the trigger may span several words
    tj = ti
    while tj + 1 < len(words) and words[tj][1] < end:
        tj += 1
    lo = ti
    while lo > 0 and ti - lo < left_words:
        w = sentence[words[lo - 1][0]:words[lo - 1][1]]
        if w.lower().strip(_STRIP) in _LEFT_STOP or w[-1:] in ",;:" or w.startswith("("):
            if not _joins_numbers(words, lo - 1, sentence):
                break
        if w.lower() in _LEFT_BARRIER:
            return None
        lo -= 1
    hi = tj
    cut_by_length = False
    while hi + 1 < len(words):
        w = sentence[words[hi + 1][0]:words[hi + 1][1]]
        if _is_verbish(w.strip(_STRIP)) and not _joins_numbers(words, hi + 1, sentence):
            break
        if hi + 1 - lo >= max_words:
            cut_by_length = True
            break
        hi += 1
    if cut_by_length:
        # a complement cut off by the length limit ("with a window size") goes whole
        for k in range(hi, tj, -1):
            if sentence[words[k][0]:words[k][1]].lower() in _PREP:
                hi = k - 1
                break
    toks = list(range(lo, hi + 1))
    while toks and sentence[words[toks[0]][0]:words[toks[0]][1]].lower().strip(_STRIP) in _EDGE:
        toks.pop(0)
    while toks and sentence[words[toks[-1]][0]:words[toks[-1]][1]].lower().strip(_STRIP) in _EDGE:
        toks.pop()
    if not toks:
        return None
    s, e = words[toks[0]][0], words[toks[-1]][1]
    # strip unbalanced brackets and edge punctuation without leaving the sentence
    while s < e and sentence[s] in _STRIP and not (sentence[s] == "(" and ")" in sentence[s:e]):
        s += 1
    while e > s and sentence[e - 1] in _STRIP and not (sentence[e - 1] == ")"
                                                       and "(" in sentence[s:e]):
        e -= 1
    if e - s < 3:
        return None
    return s, e


def sentence_phrases(sentence: str, spec: FieldSpec, max_words: int = MAX_WORDS
                     ) -> list[str]:
    """Phrase values of sentence for the field, one per trigger, in order, without repeats."""
    rx = trigger_regex(spec)
    if rx is None:
        return []
    out: list[str] = []
    last_end = -1
    for m in rx.finditer(sentence):
        if m.start() < last_end:
            continue
        span = phrase_at(sentence, m.start(), m.end(), max_words)
        if span is None:
            continue
        last_end = span[1]
        v = sentence[span[0]:span[1]]
        if bare(v, spec):
            continue
        if len(v) <= spec.max_value_chars and v.lower() not in (o.lower() for o in out):
            out.append(v)
    return out


# --- which sentences give phrase values --------------------------------------------------------

MAX_PER_FIELD = 1       # phrase values per field and group task (train: a second one cost precision)
_CAPTION = re.compile(r"(?:Table|Fig\.?|Figure)\s?\d", re.I)


def states_field(sentence: str, key: str, section: str | None = None,
                 scorer: Callable[[str], dict[str, float] | None] | None = None) -> bool:
    """Is the sentence a statement of this study's own method that the learned classifier
    singles out for field key? Off (False) without the classifier. scorer gives a sentence's
    classifier scores (default: the shipped classifier, extractor.relevance); cross-validation
    passes a classifier that did not see the paper."""
    from extractor import relevance
    from extractor.backends.rules_text import about_other_work, has_verb_cue, states_own_work
    from extractor.statements import statement_reason
    if len(sentence.split()) < 4 or _CAPTION.match(sentence) or not has_verb_cue(sentence):
        return False        # a heading, caption or table row
    if about_other_work(sentence) or statement_reason(sentence, section):
        return False        # other work, general knowledge, cited, hypothetical or negated
    if not states_own_work(sentence):
        return False        # present-tense general statements ("X is reevaluated ...")
    if scorer is None:
        return relevance.classifier_says(sentence, key)
    scores = scorer(sentence)
    if not scores or scores.get(key, 0.0) <= 0.0:
        return False
    # extractor.relevance's test ("singles out"), on the given scores
    ranked = sorted(scores.values(), reverse=True)
    mine = scores[key]
    return (mine >= ranked[min(relevance.TOP_K, len(ranked)) - 1]
            and mine >= relevance.MEDIAN_RATIO * ranked[len(ranked) // 2])


def _same(a: str, b: str) -> bool:
    """Do two values say the same (one inside the other, or most words shared)?"""
    ta, tb = _TOK.findall(a.lower()), _TOK.findall(b.lower())
    if not ta or not tb:
        return False
    sa, sb = " ".join(ta), " ".join(tb)
    if f" {sa} " in f" {sb} " or f" {sb} " in f" {sa} ":
        return True
    return len(set(ta) & set(tb)) / len(set(ta) | set(tb)) >= 0.5


def passage_sentences(passages) -> list[tuple[str, str | None]]:
    """(sentence, section) of every passage, as verbatim slices cut as the rules backend cuts
    them; sentences longer than a quote may be are left out."""
    from extractor.backends.rules_text import normalise, sentences
    from extractor.schemas.catalog import MAX_QUOTE_CHARS
    out = []
    for p in passages:
        norm = normalise(p.text)
        for a, b in sentences(norm):
            s, e = norm.span(a, b)
            text = p.text[s:e].strip()
            if len(text) <= MAX_QUOTE_CHARS:
                out.append((text, p.section))
    return out


def phrase_values(sentences: list[tuple[str, str | None]], spec: FieldSpec,
                  known: list[str], limit: int = MAX_PER_FIELD,
                  scorer: Callable[[str], dict[str, float] | None] | None = None
                  ) -> list[tuple[str, str]]:
    """(value, quote) pairs for the field from (sentence, section) pairs, the sentences the
    classifier scores highest for the field first, at most limit, none saying the same as a
    known value (the rules' hits) or another pair. scorer: as for states_field."""
    from extractor import relevance
    scorer_ = scorer or relevance.classifier_scores
    ranked = []
    for i, (sent, section) in enumerate(sentences):
        values = sentence_phrases(sent, spec)
        if values and states_field(sent, spec.key, section, scorer):
            score = (scorer_(sent) or {}).get(spec.key, 0.0)
            ranked.append((-score, i, sent, values))
    ranked.sort()
    out: list[tuple[str, str]] = []
    have = list(known)
    for _, _, sent, values in ranked:
        for v in values:
            if len(out) < limit and not any(_same(v, h) for h in have):
                out.append((v, sent))
                have.append(v)
    return out
