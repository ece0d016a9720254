"""The `learned` backend: rules candidates checked by a trained sentence classifier and the
statement filters, plus open-vocabulary phrases for descriptive fields.

Per group task:
1. every passage is cut into sentences (as the rules backend cuts them) and each sentence is
   scored by the classifier (extractor.train): P(sentence states field F for this study);
2. the rules backend's candidates are kept when their quote is a statement of this study
   (extractor.statements: not negated, hypothetical, cited, or in related work) and the
   classifier gives their field at least `gate` in that quote;
3. the sentences the classifier scores at least `threshold` for a field give, best first and
   unless a kept candidate already quotes them, a phrase value (descriptive fields) or the
   names beside the field's words that the vocabulary lacks (extractor.learned_values).
Quotes are verbatim slices of the passages; the core verifies every candidate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extractor.backends.base import Backend, Candidate, GroupOutput, GroupTask, Passage, option
from extractor.backends.rules import RulesBackend, normalise, sentences
from extractor.learned_values import name_values, phrase_value, trigger_regex
from extractor.schemas.catalog import MAX_QUOTE_CHARS
from extractor.statements import statement_reason

MODEL_DIR = Path(__file__).resolve().parents[1] / "models_data" / "learned"
GATE = 0.0              # rules candidates whose quote scores lower for their field are dropped (cross-validation: any gate above 0 cost more recall than it gained precision)
THRESHOLD = 0.3         # sentences scoring this much give open-vocabulary values
MAX_PHRASES = 2         # phrase values per field and group task
MIN_WORDS = 4


@dataclass(frozen=True)
class _Sentence:
    text: str           # verbatim slice of the passage
    section: str | None


@lru_cache(maxsize=4)
def load_classifier(model_dir: str):
    """The trained spaCy pipeline (from disk only: no download)."""
    import spacy
    path = Path(model_dir) / "textcat"
    if not path.is_dir():
        raise FileNotFoundError(f"no trained classifier in {model_dir}: run "
                                "python -m extractor.train --gold benchmarks/gold-train")
    return spacy.load(path)


def model_id(model_dir: str | Path) -> str:
    """What results record as the model: the artefact's folder and its training size."""
    try:
        meta = json.loads((Path(model_dir) / "meta.json").read_text())
        return f"{Path(model_dir).name}-{meta.get('papers', '?')}p-s{meta.get('seed', 0)}"
    except (OSError, ValueError):
        return Path(model_dir).name


def passage_sentences(p: Passage) -> list[_Sentence]:
    """Sentences of a passage as verbatim slices, long ones cut to MAX_QUOTE_CHARS at spaces."""
    norm = normalise(p.text)
    out = []
    for a, b in sentences(norm):
        s, e = norm.span(a, b)
        text = p.text[s:e].strip()
        while len(text) > MAX_QUOTE_CHARS:
            cut = text.rfind(" ", 0, MAX_QUOTE_CHARS)
            cut = cut if cut > 0 else MAX_QUOTE_CHARS
            out.append(_Sentence(text[:cut].strip(), p.section))
            text = text[cut:].strip()
        if len(text.split()) >= MIN_WORDS:
            out.append(_Sentence(text, p.section))
    return out


class LearnedBackend(Backend):
    name = "learned"

    class Options(Backend.Options):
        model: str | None = option(None, "a trained artefact folder (python -m extractor.train; "
                                   "default the shipped one)")
        gate: float = option(GATE, "classifier score a rules candidate needs", ge=0, le=1)
        threshold: float = option(THRESHOLD, "classifier score a sentence needs to give a "
                                  "value", ge=0, le=1)
        max_phrases: int = option(MAX_PHRASES, "values from classified sentences per field",
                                  ge=0)

    def __init__(self, model_dir: str | Path | None = None, gate: float = GATE,
                 threshold: float = THRESHOLD, max_phrases: int = MAX_PHRASES):
        super().__init__(model=str(model_dir) if model_dir else None, gate=gate,
                         threshold=threshold, max_phrases=max_phrases)
        self.model_dir = str(model_dir or MODEL_DIR)
        self.model = model_id(self.model_dir)
        self.gate, self.threshold, self.max_phrases = gate, threshold, max_phrases
        self.nlp = load_classifier(self.model_dir)
        self.rules = RulesBackend()
        self._cats: dict[str, dict[str, float]] = {}

    @classmethod
    def from_options(cls, options: Options) -> LearnedBackend:
        return cls(options.model, gate=options.gate, threshold=options.threshold,
                   max_phrases=options.max_phrases)

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        """Classifier scores per text (cached: a document's groups share its sentences)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cats]
        if len(self._cats) > 50_000:
            self._cats.clear()
        for t, doc in zip(todo, self.nlp.pipe(todo, batch_size=256)):
            self._cats[t] = dict(doc.cats)
        return [self._cats[t] for t in texts]

    def extract(self, task: GroupTask) -> GroupOutput:
        sents = [s for p in task.passages for s in passage_sentences(p)]
        cats = dict(zip((s.text for s in sents), self.scores([s.text for s in sents])))
        out: list[Candidate] = []
        quoted: dict[str, set[str]] = {}
        for c in self.rules.extract(task).candidates:
            if self._keep(c, task.passages):
                out.append(c)
                quoted.setdefault(c.field, set()).add(c.quote)
        for spec in task.fields:
            if trigger_regex(spec) is None:
                continue
            ranked = sorted((s for s in sents if cats[s.text].get(spec.key, 0) >= self.threshold),
                            key=lambda s: -cats[s.text][spec.key])
            taken: set[str] = set()
            known = {c.value.lower() for c in out if c.field == spec.key}
            for s in ranked:
                if len(taken) >= self.max_phrases:
                    break
                if any(s.text in q or q in s.text for q in quoted.get(spec.key, ())):
                    continue
                if statement_reason(s.text, s.section):
                    continue
                # descriptive: the stating phrase; entity-like: names beside the field's words
                # that the vocabulary does not know ("A10G GPU")
                values = [phrase_value(s.text, spec)] if spec.descriptive else \
                    name_values(s.text, spec)
                for value in values:
                    if value and value.lower() not in taken and value.lower() not in known:
                        taken.add(value.lower())
                        out.append(Candidate(field=spec.key, value=value, quote=s.text))
        return GroupOutput(candidates=out)

    def _keep(self, c: Candidate, passages: list[Passage]) -> bool:
        section = next((p.section for p in passages if c.quote in p.text), None)
        i = c.quote.lower().find(c.value.lower())
        span = (i, i + len(c.value)) if i >= 0 else None
        if statement_reason(c.quote, section, span):
            return False
        return self.scores([c.quote])[0].get(c.field, 0.0) >= self.gate
