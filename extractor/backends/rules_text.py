"""The rules backend's view of text: passages folded with an offset map back to their
characters and cut into clause-sized sentences (both done by ingestion's code), and the filter
for sentences about other work, general knowledge or future plans. Used by the rules and
learned backends."""
from __future__ import annotations

import re

from extractor.ingest.normalize import MappedText, normalize_folded
from extractor.ingest.sentences import sentence_spans
from extractor.statements import biography, hypothetical


# --- text normalisation with an offset map ---------------------------------------------------
# The project's one offset-mapping normaliser is ingestion's (extractor.ingest.normalize); the
# backends read passages through its folded view (paragraph breaks folded to a space and kept as
# sentence ends), under the names they have always used.
_Norm = MappedText
normalise = normalize_folded


_SPACE = re.compile(r"\s+")


# --- sentences ---------------------------------------------------------------------------------


def sentences(norm: _Norm) -> list[tuple[int, int]]:
    """Clause spans over the normalised text: ingestion's one splitter (extractor.ingest.
    sentences), cutting at ";" too and at every folded paragraph break."""
    return sentence_spans(norm.text, clauses=True, breaks=norm.breaks)


# --- other-work / general-knowledge filter ----------------------------------------------------

_OWN = re.compile(r"\b(we|our|(?-i:us)|this (?:study|work|paper|research|article)|the present study|"
                  r"here(?:in)?|in this study)\b", re.I)
# A citation marks other work only when it is what the sentence is about: it opens the sentence
# ("Smith et al. (2019) used ...") or is followed by a reporting verb. A method sentence citing
# its tool ("implemented in Detectron2 (Wu et al., 2019)") stays.
# Past tense marks a report of what was done ("were annotated", "had been labelled").
_PAST = re.compile(r"\b(?:was|were|had)\b", re.I)
# The people who labelled the data as the subject, in the past tense ("Two radiologists (6 and 11
# years of experience) independently delineated ...", "The analysts picked ...")
_LABELLERS_DID = re.compile(
    r"^(?:[\w,-]+\s){0,3}?(?:annotators|radiologists|experts|analysts|coders|observers|"
    r"volunteers|technicians|ornithologists|botanists|pathologists|cardiologists|clinicians|"
    r"physicians|chemists|lawyers|taxonomists|entomologists|biologists|specialists|raters|"
    r"readers)\s(?:\([^()]{0,60}\)\s)?(?:\w+ly\s)?(?:[a-z]+ed|drew|made|took|chose|wrote)\b",
    re.I)
# Methods sections also write what was done in the present passive ("the experiment is
# performed 10 times", "the seed is set to 5"); a general claim ("seeds are important") is not.
_METHOD_PRESENT = re.compile(r"\b(?:is|are)\s(?:\w+ly\s)?(?:performed|repeated|run|set|fixed|"
                             r"averaged|used|trained|conducted|carried\sout|applied|computed|"
                             r"calculated|initiali[sz]ed|evaluated|deployed|installed|hosted|"
                             r"served|integrated|embedded|executed|distributed|released|"
                             r"packaged|weighted|employed|adopted|utili[sz]ed|implemented)\b|"
                             # the study's system where it runs ("The engine runs on a Jetson",
                             # "the detector runs at 31 frames per second on ...")
                             r"^(?:\S+\s){0,12}?(?:the|our|this)\s(?:[\w-]+\s){0,3}?(?:model|"
                             r"detector|classifier|network|engine|container|app|application|"
                             r"pipeline|system|tool|service|software)s?\s(?:runs|operates)\s"
                             r"(?:[\w-]+\s){0,5}?(?:on|in)\b", re.I)
# A sentence describing the study's own data set in the present tense ("the training dataset
# contains 700 images, in which each animal is annotated ...") is about this study too.
_OWN_DATA = re.compile(r"\b(?:the|this|each)\s(?:training|test|testing|validation)\s(?:data\s?set|data|"
                       r"set|images|subset)s?\b", re.I)
_CITED_SUBJECT = re.compile(
    r"^(?:(?:In|As|Similarly,?|Recently,?|For example,?|Previously,?)\s(?:shown\sby\s|in\s)?)?"
    # (a name and a year apart: "SGO-2023" is a data set's name, not "Smith 2023")
    r"[A-Z](?:[A-Za-z'\u2019-]*[A-Za-z'\u2019])?(?:\s(?:and|&)\s[A-Z][A-Za-z'\u2019-]+)?"
    r"(?:\set\s?al\.?)?(?:,?\s|\s?[(\[])\s?(?:19|20)\d\d[a-z]?|"
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
    # a resource others made: "SWAN-SF [8] was released by Angryk et al."
    r"(?:released|published|created|compiled|curated|assembled) by [A-Z][\w'\u2019-]+"
    r"(?: (?:and|&) [A-Z][\w'\u2019-]+)? ?(?:et al|\(|\[)|"
    r"(?:was|were|is|are) (?:originally |first )?(?:developed|designed) by|"
    r"their (?:results|study|studies|work|research|paper|experiments?|approach|method|methods|"
    r"model|models|findings)|the authors|"
    r"they (?:used|found|showed|proposed|trained|applied|reported|achieved|developed|compared)|"
    r"ha(?:s|ve) (?:exhibited|achieved|become|gained|emerged|proven|attracted|revolutioni[sz]ed))\b",
    re.I)


def states_own_work(sentence: str) -> bool:
    """Does the sentence say what this study did: a first-person marker, the past tense, the
    study's own data sets, or the present passive of a methods section?"""
    return bool(_OWN.search(sentence) or _PAST.search(sentence) or _OWN_DATA.search(sentence)
                or _LABELLERS_DID.search(sentence)
                or _METHOD_PRESENT.search(sentence))


# Reference-list entries that slipped into the text: "Lin, T.-Y., Goyal, P., ..." (APA) or
# "Yosinski J, Clune J, Bengio Y (2014)" (Vancouver), or volume(issue):pages.
_REF_APA = re.compile(r"\b[A-Z][A-Za-z'\u2019-]+,\s(?:[A-Z]\.\s?-?){1,3}(?:,|\s?&|\sand\b|\s\()")
_REF_VAN = re.compile(r"\b[A-Z][a-z'\u2019-]+\s[A-Z]{1,2},\s(?:[A-Z][a-z'\u2019-]+\s[A-Z]{1,2}\b)")
_REF_VOL = re.compile(r"\b\d{1,4}\s?\(\d{1,3}\)\s?[:,]\s?\d+\s?[-\u2013]\s?\d+|"
                      r"\b(?:doi:|doi\.org/)\s?10\.\d{4,}")


# "Ronneberger O., Fischer P." (surname, initials with dots), and the document-type marks of
# the Chinese standard GB/T 7714 ("... model[J]. Remote Sens.", "[C]", "[M]", "[D]", "[EB/OL]")
_REF_DOTTED = re.compile(r"\b[A-Z][a-z'\u2019-]+\s[A-Z]\.(?:\s?-?[A-Z]\.)*,\s[A-Z][a-z'\u2019-]+\s[A-Z]\.")
_REF_GBT = re.compile(r"\[(?:J|C|M|D|R|P|S|N|EB/OL|J/OL)\]")


def looks_like_reference(sentence: str) -> bool:
    """True for bibliography entries (author lists, volume/pages, DOIs with authors)."""
    if _REF_GBT.search(sentence):
        return True
    authors = (len(_REF_APA.findall(sentence)) + 2 * len(_REF_VAN.findall(sentence))
               + 2 * len(_REF_DOTTED.findall(sentence)))
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
    r"released|published|available|adapted|modified|tuned|optimi[sz]ed|using|depicting|showing|"
    # other finite verbs of method sentences ("The network comprised an output layer ...")
    r"comprised|comprises|comprise|consist|contain|include|involves|involved|requires|required|"
    r"utili[sz]ed|utili[sz]es|employs|applies|trains|predicted|estimated|classified|detected|"
    r"identified|processed|converted|transformed|fitted|learned|learnt|outperformed|outperforms|"
    r"improved|improves|performs|achieves|produces|produced|describes|described|aims|aimed|"
    # what labellers did ("Two radiologists independently delineated the kidneys")
    r"delineated|digiti[sz]ed|outlined|segmented|traced|drew|marked|picked|coded|tagged|"
    r"verified|reviewed|checked|inspected|"
    # and what a postprocessing step did ("a connected component analysis retained ...")
    r"retained|retains|discarded|discards|kept|keeps|merged|averaged|smoothed|filtered|"
    r"thresholded|suppressed|aggregated|combined|flagged)\b|"
    # a past participle followed by a preposition: "stopped by", "updated with"
    r"\b(?!based\b)[a-z]{3,}ed\s(?:by|with|on|in|for|to|from|using|at|as|after|until|into)\b",
    re.I)


# A keyword list is no statement, whatever its words ("Keywords: ...; pre-trained language
# models; social media")
_KEYWORDS = re.compile(r"\s*(?:key\s?words?|index\s+terms)\s*[:\u2014\u2013-]", re.I)


def has_verb_cue(sentence: str) -> bool:
    return _VERB_CUE.search(sentence) is not None and not keyword_line(sentence)


def keyword_line(sentence: str) -> bool:
    """A keyword list ("Index Terms—segmentation, vision transformer, U-Net"): topics, not
    what the study used."""
    return _KEYWORDS.match(sentence) is not None


def about_other_work(sentence: str) -> bool:
    """True for sentences describing other studies, general knowledge or future plans."""
    if hypothetical(sentence) or looks_like_reference(sentence) or biography(sentence):
        return True
    own = _OWN.search(sentence)
    if own:
        return False
    return bool(_CITED_SUBJECT.search(sentence) or _GENERAL.search(sentence))
