"""URLs cut by line and page breaks in PDF text: joined while the text is laid out (url_wraps,
join_urls_over_pages), and recognised afterwards where a sentence splitter would end a sentence
inside one (url_continues)."""
from __future__ import annotations

import re

# PDF text breaks URLs and DOIs at a dot ("gitlab.example. de/group/repo", "doi.org/10.5061/
# dryad. abc123"); a sentence splitter then ends a sentence inside the URL. A sentence whose last
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
    if tail.endswith((").", "].", ">.")):    # "(www.gbif.org)." is closed: the sentence ends
        return False
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


# A line ending inside a URL (after a "/", ".", "-", ... or the scheme) and the next line opening
# with the URL's rest: the rest is a run of URL characters, maybe closed by punctuation
# ("com/user/repo)." or "html;"), and must itself look like a URL part (a "/", a dot, a digit,
# "_" or "-"), so "https://zenodo.org/" + "and the data" is not glued.
_LINE_URL_TAIL = re.compile(r"(?:https?://|www\.|doi\.org/)\S*$", re.I)
_LINE_URL_REST = re.compile(r"[\w/.~%#?=&+:-]+?(?=[).,;:\]]*(?:\s|$))")
_FILE_END = re.compile(r"\.(?:html?|pdf|php|aspx?|zip|csv|txt|json|xml)$", re.I)
_URL_END_CHARS = ("/", ".", "-", "_", "=", "?", "&", "#", "~", ":")


def url_wraps(line: str, next_line: str) -> bool:
    """True if ``line`` ends in a URL that ``next_line`` continues (join them with nothing)."""
    tail = line.rsplit(None, 1)[-1] if line.strip() else ""
    if not _LINE_URL_TAIL.search(tail):
        return False
    m = _LINE_URL_REST.match(next_line.lstrip())
    if not m:
        return False
    rest = m.group()
    if tail.endswith("."):           # "https://github." + "com/x": the rest must read as one
        return url_continues(tail, next_line.lstrip())
    if tail.endswith(_URL_END_CHARS):
        return any(c in rest for c in "/._-~%#?=&") or any(c.isdigit() for c in rest)
    # cut inside a word ("Razavian_CN" + "N_Features_2014_paper.html"): a path or file name
    return "/" in rest or "_" in rest or bool(_FILE_END.search(rest))


def join_urls_over_pages(pages: list[str], lookback: int = 4) -> int:
    """A URL cut by a page break ("(https://" at the foot of a page, "www.x.org/)." at the top of
    the next) is joined: the next page's first paragraph is moved onto the paragraph it
    continues. That paragraph need not be the page's last: captions and footnotes placed after
    the body text may follow it. Returns how many were joined."""
    joined = 0
    for i in range(len(pages) - 1):
        first, _, rest = pages[i + 1].partition("\n\n")
        if not first.strip():
            continue
        paras = pages[i].split("\n\n")
        for k in range(len(paras) - 1, max(-1, len(paras) - 1 - lookback), -1):
            if url_wraps(paras[k].rstrip(), first):
                paras[k] = paras[k].rstrip() + first.lstrip()
                pages[i], pages[i + 1] = "\n\n".join(paras), rest
                joined += 1
                break
    return joined
