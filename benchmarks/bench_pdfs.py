"""What PDF ingestion keeps and loses, per PDF, on ../shared/benchmark/pdfs-full and pdfs.

Per PDF: title found (and matching the hand-checked title in pdfs_expected.json), authors found
(and equal to the hand-checked list, full papers only), DOI found and
correct (same fixture), layout artefacts left in the stored text (pdfium's U+FFFE hyphen mark,
a URL split by white space), share of chunks with a section other than "front", running
header/footer lines removed, footnotes separated. Speed is parse time only (text, layout,
chunks; no database), full papers per second, wall clock and CPU time of the process (what
the machine's other load cannot inflate).

    python benchmarks/bench_pdfs.py              # table per PDF and totals
    python benchmarks/bench_pdfs.py --json       # machine-readable
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from extractor.ingest.pdf import extract_pdf
from extractor.ingest.pipeline import parse_bytes
from extractor.ingest.urlcut import url_continues

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark"
EXPECTED = Path(__file__).with_name("pdfs_expected.json")
_URL = re.compile(r"(?:https?://|www\.)\S+")


def split_urls(text: str) -> int:
    """URLs whose rest was cut off by a space: "https://github." + "com/x" and the like."""
    n = 0
    for m in _URL.finditer(text):
        after = text[m.end():m.end() + 80].lstrip(" ")
        if _URL.match(after):     # a list of URLs ("https://a.org/ https://b.org/"), not a cut
            continue
        if after and text[m.end():m.end() + 1] == " " and (
                url_continues(m.group(), after) or (m.group().endswith(("/", "-", "_"))
                                                     and re.match(r"[a-z0-9]\S*/", after))
                or re.match(r"[A-Za-z0-9][\w.-]*(?:_|\.(?:html?|pdf|php)\b)", after)):
            n += 1
    return n


def _same_title(a: str | None, b: str | None) -> bool:
    fold = lambda s: re.sub(r"\W+", "", (s or "").casefold())  # noqa: E731
    return bool(a and b) and fold(a)[:60] == fold(b)[:60]


def measure(path: Path, expected: dict) -> dict:
    data = path.read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    doc = parse_bytes(path, data)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    pdf = extract_pdf(data, path.name)        # again, for counts the document does not keep
    exp = expected.get(path.name, {})
    chunks = doc.chunks
    return {
        "pdf": path.name, "pages": doc.pages, "seconds": round(seconds, 3), "cpu": round(cpu, 3),
        "title": doc.title, "title_ok": _same_title(doc.title, exp.get("title")),
        "authors": doc.authors, "authors_checked": "authors" in exp,
        "authors_ok": bool(exp.get("authors")) and doc.authors == exp["authors"],
        "doi": doc.doi, "doi_ok": bool(doc.doi) and doc.doi.lower() == (exp.get("doi") or "").lower(),
        "ufffe": doc.text.count("\ufffe"), "split_urls": split_urls(doc.text),
        "sectioned": round(sum(c.section not in (None, "front") for c in chunks) / len(chunks), 2)
        if chunks else 0.0,
        "sections": sorted({c.section for c in chunks if c.section}),
        "furniture_removed": pdf.furniture_removed, "footnotes": pdf.footnotes,
        "status": doc.status,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    expected = json.loads(EXPECTED.read_text())
    out = {}
    for folder in ("pdfs-full", "pdfs"):
        paths = sorted((SHARED / folder).glob("*.pdf"), key=lambda p: (len(p.stem), p.stem))
        if not paths:
            print(f"no PDFs in {SHARED / folder}", file=sys.stderr)
            return 2
        out[folder] = [measure(p, expected.get(folder, {})) for p in paths]
    if args.json:
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return 0
    for folder, rows in out.items():
        print(f"\n{folder}: {len(rows)} PDFs")
        print(f"{'pdf':26} {'pp':>3} {'title':5} {'auth':5} {'doi':5} {'fffe':>4} {'url':>3} {'sect':>5} "
              f"{'furn':>4} {'fn':>3}  sections")
        for r in rows:
            print(f"{r['pdf'][:26]:26} {r['pages']:>3} {'ok' if r['title_ok'] else ('?' if r['title'] else '-'):5} "
                  f"{'ok' if r['authors_ok'] else ('?' if r['authors'] else '-'):5} "
                  f"{'ok' if r['doi_ok'] else ('?' if r['doi'] else '-'):5} {r['ufffe']:>4} "
                  f"{r['split_urls']:>3} {r['sectioned']:>5.2f} {r['furniture_removed']:>4} "
                  f"{r['footnotes']:>3}  {','.join(r['sections'])}")
        n = len(rows)
        secs = sum(r["seconds"] for r in rows)
        cpu = sum(r["cpu"] for r in rows)
        print(f"TOTAL titles {sum(r['title_ok'] for r in rows)}/{n} correct "
              f"({sum(bool(r['title']) for r in rows)} found), authors {sum(r['authors_ok'] for r in rows)}"
              f"/{sum(r['authors_checked'] for r in rows)} as checked by hand "
              f"({sum(bool(r['authors']) for r in rows)} found), DOIs {sum(r['doi_ok'] for r in rows)}/{n} "
              f"correct ({sum(bool(r['doi']) for r in rows)} found), U+FFFE left "
              f"{sum(r['ufffe'] for r in rows)}, split URLs {sum(r['split_urls'] for r in rows)}, "
              f"mean sectioned share {sum(r['sectioned'] for r in rows) / n:.2f}, furniture lines "
              f"removed {sum(r['furniture_removed'] for r in rows)}, footnotes "
              f"{sum(r['footnotes'] for r in rows)}; parse {secs:.2f} s = {n / secs:.1f} PDFs/s "
              f"(CPU {cpu:.2f} s = {n / cpu:.1f} PDFs/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
