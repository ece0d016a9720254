"""URLs cut by a line break in PDF text, which sentence splitters take for a sentence end."""
from __future__ import annotations

import re

# PDF text breaks URLs and DOIs at a dot ("gitlab.example. de/group/repo", "doi.org/10.5061/
# dryad. abc123"); the sentencizer then ends a sentence inside the URL. A sentence whose last
# word is a URL or domain cut after a dot, followed by a sentence opening with a URL remainder
# (lower case or digits, holding a "/" or a digit, or a bare top-level domain), is one sentence.
_URL_CUT = re.compile(r"(?:https?://|www\.|doi\.org/|10\.\d{4,}/)\S*\.$|"
                      r"[a-z0-9-]*[a-z0-9]{2}[a-z0-9-]*(?:\.[a-z0-9-]+)+\.$", re.I)
_HOST_CUT = re.compile(r"[a-z0-9-]{2,}\.$", re.I)        # "github." before "com/user/repo"
_URL_REST = re.compile(r"[a-z0-9][\w.~%-]*(?:/\S*)?(?=[\s),;:\]]|\.?$)")
_TLD = frozenset("com org net edu gov io de uk fr nl eu ch au ca info int be at se dk no fi es "
                 "it jp cn br".split())


def url_continues(before: str, after: str) -> bool:
    """True if ``before`` ends in a URL cut after a dot and ``after`` opens with its rest."""
    tail = before.rsplit(None, 1)[-1].lstrip("(<[\"'") if before.strip() else ""
    m = _URL_REST.match(after)
    if not m or m.group()[:1].isupper():
        return False
    word = m.group().rstrip(".")
    if _URL_CUT.fullmatch(tail):
        return "/" in word or any(c.isdigit() for c in word) or word.lower() in _TLD
    if _HOST_CUT.fullmatch(tail):
        # a bare word before the cut: only a top-level domain (and path) makes it a host name
        return word.split("/")[0].lower() in _TLD
    return False
