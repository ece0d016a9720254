"""Train the learned backend's sentence classifier from gold annotation files.

    python -m extractor.train --gold benchmarks/gold-train --out extractor/models_data/learned

The model is a spaCy `textcat_multilabel` (bag of uni- and bigrams, hashed) on a blank English
pipeline: "does this sentence state field F for this study", one label per field. It is small
(a few MB), trains in well under a minute on two CPU cores and loads offline. Training is
deterministic for a given gold folder and seed.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from extractor.learned_data import Example, load_examples

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "benchmark" / "corpus"
DEFAULT_OUT = Path(__file__).resolve().parent / "models_data" / "learned"
HASH_LENGTH = 2 ** 15       # hashed n-gram features per label: keeps the artefact ~4 MB
EPOCHS = 12
NEG_KEEP = 0.5              # share of all-negative sentences kept per epoch (they dominate)


def build_nlp(labels: list[str]):
    import spacy
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
             "ngram_size": 2, "no_output_layer": False, "length": HASH_LENGTH}
    tc = nlp.add_pipe("textcat_multilabel", config={"model": model, "threshold": 0.5})
    for lab in labels:
        tc.add_label(lab)
    return nlp


def _spacy_examples(nlp, examples: list[Example], labels: list[str]):
    from spacy.training import Example as SpacyExample
    return [SpacyExample.from_dict(nlp.make_doc(e.text),
                                   {"cats": {lab: float(lab in e.labels) for lab in labels}})
            for e in examples]


def train(examples: list[Example], labels: list[str], seed: int = 0, epochs: int = EPOCHS,
          log=None):
    """A trained spaCy pipeline for the examples (every label in `labels` is a category)."""
    import spacy
    from spacy.util import minibatch
    spacy.util.fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = build_nlp(labels)
    data = _spacy_examples(nlp, examples, labels)
    pos = [d for d, e in zip(data, examples) if e.labels]
    neg = [d for d, e in zip(data, examples) if not e.labels]
    optimizer = nlp.initialize(lambda: data[:200] + pos[:50])
    for epoch in range(epochs):
        batch_set = pos + rng.sample(neg, int(len(neg) * NEG_KEEP))
        rng.shuffle(batch_set)
        losses: dict[str, float] = {}
        for batch in minibatch(batch_set, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        if log:
            log(f"epoch {epoch + 1}: loss {losses.get('textcat_multilabel', 0):.3f}")
    return nlp


def save(nlp, out: str | Path, meta: dict) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out / "textcat")
    (out / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the learned backend's sentence classifier.")
    ap.add_argument("--gold", required=True, help="folder of gold *.json files")
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="folder of <doc_id>.txt papers")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    from extractor.schemas.catalog import load_schema
    labels = load_schema().keys
    t0 = time.monotonic()
    examples = load_examples(args.gold, args.corpus)
    if not examples:
        print(f"no gold paper of {args.gold} found in {args.corpus}", file=sys.stderr)
        return 1
    nlp = train(examples, labels, args.seed, args.epochs, log=print)
    docs = sorted({e.doc_id for e in examples})
    save(nlp, args.out, {"papers": len(docs), "sentences": len(examples),
                         "positives": sum(1 for e in examples if e.labels), "labels": labels,
                         "epochs": args.epochs, "seed": args.seed, "trained_on": docs})
    print(f"trained on {len(docs)} papers, {len(examples)} sentences in "
          f"{time.monotonic() - t0:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
