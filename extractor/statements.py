"""Statement filters: is a sentence (or the clause holding a value) about *this* study's methods?

A paper names many methods it did not use: it negates them ("flipping is not a proper
transformation here"), muses about them ("it may be a good idea to augment the data"), reports
them from cited work ("DeepLab has used dilated convolutions [8]") or surveys them in related
work. These filters are pure functions over text so every backend can use them; they return a
reason (str) when a statement is not about this study, else None.
"""
from __future__ import annotations

import re

# first-person / this-study markers: a sentence with one is about the study even if it cites
OWN = re.compile(r"\b(?:we|our|(?-i:us)|this (?:study|work|paper|research|article)|the present study|"
                 r"here(?:in)?|in this study|the proposed)\b", re.I)

# Negation cues; "no." followed by a number is "number", not a negation.
_NEGATION = re.compile(r"\b(?:not|never|neither|nor|no longer|without|cannot|none of|"
                       r"instead of|rather than|no(?!\.\s?\d)(?=\s)|"
                       r"(?:is|are|was|were|do|does|did|could|would|has|have|had)n[\u2019']t)\b",
                       re.I)
# Clause boundaries: the negation must be in the clause of the value ("we used Adam, not SGD"
# negates SGD only).
_CLAUSE_CUT = re.compile(r"[,;:()]|\b(?:but|whereas|while|although|and then|which)\b", re.I)

_HYPOTHETICAL = re.compile(
    r"\b(?:future (?:work|research|studies|development|versions?)|in the future|in future|"
    r"could (?:be|also|further|potentially|even)|would (?:be|have|likely|allow|help|improve)|"
    r"might (?:also |even )?(?:be|help|improve|run)|may (?:be|help|improve|also be)|should be|"
    r"it is (?:recommended|advisable|suggested)|(?:a )?good idea|we (?:plan|intend|aim|hope|suggest|recommend) to|"
    r"(?:our|the) (?:immediate )?plans?|remains? to be|is left for|if (?:one|we|they) (?:were|"
    r"had|would)|one could|one may|one might|potential(?:ly)? (?:be )?(?:used|applied)|"
    r"further (?:research|studies|investigations?)|opens? (?:up )?the possibility|"
    r"worth (?:exploring|investigating|testing)|yet unsolved)\b", re.I)

# Citation markers: "[8]", "[3, 5-7]", "(Smith et al., 2019)", "(Smith and Lee 2020)",
# "Smith et al. (2019)", a bare "et al."
_CITE = re.compile(
    r"\[\s?\d{1,3}(?:\s?[,\u2013-]\s?\d{1,3})*\s?\]|"
    r"\(\s?[A-Z][A-Za-z'\u2019-]+(?:\s(?:and|&)\s[A-Z][A-Za-z'\u2019-]+|\set al\.?)?,?\s(?:19|20)\d\d[a-z]?"
    r"(?:\s?;\s?[^()]{0,60})?\)|"
    r"\bet al\.?(?:\s?\(?(?:19|20)\d\d[a-z]?\)?)?")
# Another study as the subject: "X et al. [35] used", "(Smith et al., 2022), utilized"; a bare
# "[8] is a network designed for ..." describes a tool the study may well use, so it stays.
_VERB = (r"(?:used|utili[sz]ed|proposed|developed|applied|showed|found|trained|employed|reported|"
         r"demonstrated|introduced|presented|achieved|suggested|investigated|explored|adopted|"
         r"designed|compared|obtained|identified|classified|framed|added|extended|modified|"
         r"combined|described|evaluated|tested|outperformed|improved)")
_CITE_THEN_VERB = re.compile(
    r"(?:\]|\)|\bet al\.?),?\s(?:(?:also|have|has|had|recently|previously|successfully)\s){0,2}"
    + _VERB + r"\b", re.I)
# Present perfect reports of others' work with a citation anywhere: "DeepLab has used ... [8]"
_PERFECT = re.compile(r"\b(?:has|have)\s(?:also\s|previously\s|recently\s|been\s)*"
                      + _VERB + r"\b", re.I)
_OTHERS = re.compile(r"\b(?:previous|prior|earlier|later|subsequent|other|several|existing) (?:studies|works?|"
                     r"researchers|authors|approaches|papers)\b|\bthe authors\b|"
                     # "In a different work (Smith et al., 2023), VGG-16 is adapted ..."
                     r"\b(?:in|by)\s(?:a|an|one|another)\s(?:(?:different|previous|similar|recent|"
                     r"related|earlier|separate|prior)\s)?(?:work|study|paper)\b"
                     r"(?!\s(?:we\b|by\sus|areas?|sites?|regions?|period|plots?|design))|"
                     r"\bthey " + _VERB + r"\b|\btheir (?:results|study|studies|work|research|"
                     r"paper|experiments?|approach|method|findings)\b", re.I)

# Author biographies (IEEE-style papers end with them; others name an author's interests):
# "Her research interests include graph neural networks", "received the Ph.D. degree in",
# "is a theoretical biologist at ... with main interests in ...".
_BIOGRAPHY = re.compile(
    r"\b(?:research|main|current|scientific)\sinterests?\s(?:include|includes|are|is|lie|lies|"
    r"focus|focuses|span|spans|cover|covers)\b|\binterests\sinclude\b|"
    r"\bwith\s(?:(?:main|research)\s)+interests?\sin\b|"
    r"\breceived\s(?:the|his|her|their)\s(?:B\.?\s?S\.?c?|M\.?\s?S\.?c?|Ph\.?\s?D\.?|B\.?\s?E\.?|"
    r"M\.?\s?E\.?|bachelor|master|doctoral)|"
    r"\bis\s(?:currently\s)?(?:a|an)\s(?:(?:full|assistant|associate)\s)?professor\b|"
    r"\bis\s(?:currently\s)?(?:a|an)\s(?:Ph\.?\s?D\.?|doctoral|postdoctoral|graduate|master(?:'|\u2019)?s?)\s"
    r"(?:student|candidate|researcher|fellow)\b|"
    r"\bis\s(?:a|an)\s(?:\w+\s)?(?:biologist|ecologist|scientist|researcher|engineer|lecturer)\s"
    r"(?:at|in|with)\b")


def biography(sentence: str) -> bool:
    """An author's biography or research interests: nothing the study did."""
    return bool(_BIOGRAPHY.search(sentence))


# Sections whose statements are about other work. Only labels that ingestion gives from real
# headings are trusted: on plain-text excerpts "front"/"references" also cover method text.
OTHER_SECTIONS = frozenset({"related_work"})
# Sections where a statement counts only with a first-person marker.
WEAK_SECTIONS = frozenset({"introduction"})


def clause_of(sentence: str, start: int, end: int) -> str:
    """The clause of sentence holding [start, end): cut at commas, brackets and contrast words."""
    a = 0
    for m in _CLAUSE_CUT.finditer(sentence, 0, start):
        a = m.end()
    m = _CLAUSE_CUT.search(sentence, end)
    b = m.start() if m else len(sentence)
    return sentence[a:b]


def negated(sentence: str, start: int | None = None, end: int | None = None) -> bool:
    """Is the value at sentence[start:end] (or the whole sentence) negated in its clause?"""
    if start is None or end is None:
        # without the value's place only a negated main verb counts ("X was not used")
        return bool(_NEG_MAIN.search(sentence))
    a = 0
    for m in _CLAUSE_CUT.finditer(sentence, 0, start):
        a = m.end()
    # a negation before the value in its clause, or right after it ("X was not used")
    if _NEGATION.search(sentence, a, start):
        return True
    return bool(_NEG_AFTER.match(sentence, end))


_NEG_MAIN = re.compile(r"\b(?:was|were|is|are)\s(?:not|never)\s(?:\w+ly\s)?(?:used|applied|"
                       r"performed|employed|considered|adopted)\b|\b(?:did|do|does)\s(?:not|"
                       r"n't)\s(?:use|apply|perform|employ)\b", re.I)
_NEG_AFTER = re.compile(r"\s*(?:\w+\s){0,3}(?:is|are|was|were|did|does|do|has|have)\s"
                        r"(?:not|never)\b", re.I)


# The value itself denied, next to it: "we did not apply early stopping", "no data
# augmentation", "without dropout", "dropout was not used". Narrower than negated(): a
# negation elsewhere in the clause ("when the validation loss did not improve") keeps it.
_DENIED_BEFORE = re.compile(
    r"(?:\b(?:did|do|does|was|were|is|are)\s(?:not|never)|\b(?:didn|don|doesn|wasn|weren)['\u2019]t|"
    r"\bnever)\s(?:\w+ly\s)?(?:use|apply|employ|perform|adopt|include|used|applied|employed|"
    r"performed|adopted|included)\s(?:any\s)?(?:\w+\s)?$|\b(?:no|without)\s(?:any\s)?(?:\w+\s)?$|"
    # the value is the denied verb, or the second of two ("We did not oversample rare groups or
    # undersample frequent ones")
    r"\b(?:did|do|does)\s(?:not|never)\s(?:\w+ly\s)?(?:\w+(?:\s\w+){0,3}\sor\s)?$", re.I)
# ("X was not used", "an X study was not conducted", "X has not been applied")
_DENIED_AFTER = re.compile(r"(?:\s(?:study|step|analysis|procedure|check))?\s(?:was|were|is|are|"
                           r"has|have)\s(?:not|never)\s(?:been\s)?(?:\w+ly\s)?(?:used|applied|"
                           r"performed|employed|adopted|needed|necessary|conducted|carried\sout|"
                           r"done|computed|measured|assessed)\b", re.I)


def denied(sentence: str, start: int, end: int) -> bool:
    """Is the value at sentence[start:end] denied right beside it (see _DENIED_BEFORE)?"""
    return bool(_DENIED_BEFORE.search(sentence[max(0, start - 60):start])
                or _DENIED_AFTER.match(sentence, end))


def hypothetical(sentence: str) -> bool:
    """Future work, recommendations and conditionals: nothing the study did."""
    return bool(_HYPOTHETICAL.search(sentence))


# Earlier work as the subject of a cited sentence: "Early HAR pipelines extracted features and
# classified them with SVMs (Bulling et al., 2014)"
_EARLY_SUBJECT = re.compile(r"^(?:Early|Earlier|Previous|Prior|Later|Subsequent|Classical|"
                            r"Traditional|Conventional)\s(?:[\w-]+\s){0,2}(?:pipelines|approaches|"
                            r"methods|systems|models|works?|studies|detectors|classifiers)\b")


def cited(sentence: str) -> bool:
    """Is the sentence a report of cited work (not the study citing a tool it used)?"""
    if OWN.search(sentence):
        return False
    if _OTHERS.search(sentence) or _CITE_THEN_VERB.search(sentence):
        return True
    return bool(_CITE.search(sentence) and (_PERFECT.search(sentence)
                                            or _EARLY_SUBJECT.match(sentence.lstrip())))


def section_reason(sentence: str, section: str | None) -> str | None:
    """Why a sentence of this section is not a statement of this study, or None."""
    if section in OTHER_SECTIONS:
        return f"in the {section} section"
    if section in WEAK_SECTIONS and not OWN.search(sentence):
        return f"in the {section} section without a first-person marker"
    return None


def statement_reason(sentence: str, section: str | None = None,
                     span: tuple[int, int] | None = None) -> str | None:
    """Why the sentence (or the value at span) is not a statement of this study, or None."""
    reason = section_reason(sentence, section)
    if reason:
        return reason
    if hypothetical(sentence):
        return "hypothetical or future work"
    if biography(sentence):
        return "an author biography"
    if cited(sentence):
        return "about cited work"
    if negated(sentence, *(span or (None, None))):
        return "negated"
    return None
