"""Measure a classifier on labelled utterances: accuracy, per-intent precision/recall, confusions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ivr.intents.classifier import IntentClassifier
from ivr.intents.data import Example


@dataclass(frozen=True)
class IntentScore:
    intent: str
    #: of the utterances predicted as this intent, the share that were (0..1; 0 when none)
    precision: float
    #: of the utterances of this intent, the share predicted as it (0..1)
    recall: float
    #: utterances of this intent in the set
    support: int


@dataclass(frozen=True)
class EvalReport:
    #: utterances evaluated
    total: int
    #: overall share correct (0..1)
    accuracy: float
    #: language -> (share correct, utterances)
    by_lang: dict[str, tuple[float, int]]
    per_intent: tuple[IntentScore, ...]
    #: (true intent, predicted intent, count), most frequent first
    confusions: tuple[tuple[str, str, int], ...]


def evaluate(classifier: IntentClassifier, examples: Sequence[Example]) -> EvalReport:
    """Classify every example in its labelled language and compare."""
    predicted = [""] * len(examples)
    for lang in sorted({ex.lang for ex in examples}):
        idx = [i for i, ex in enumerate(examples) if ex.lang == lang]
        for i, result in zip(idx, classifier.classify_many([examples[i].text for i in idx], lang)):
            predicted[i] = result.intent
    return score(examples, predicted)


def score(examples: Sequence[Example], predicted: Sequence[str]) -> EvalReport:
    """Compare predictions to labels (pure)."""
    pairs = [(ex.intent, p) for ex, p in zip(examples, predicted, strict=True)]
    correct = sum(t == p for t, p in pairs)
    by_lang = {}
    for lang in sorted({ex.lang for ex in examples}):
        hits = [ex.intent == p for ex, p in zip(examples, predicted) if ex.lang == lang]
        by_lang[lang] = (sum(hits) / len(hits), len(hits))
    true_counts = Counter(t for t, _ in pairs)
    pred_counts = Counter(p for _, p in pairs)
    hit_counts = Counter(t for t, p in pairs if t == p)
    per_intent = tuple(
        IntentScore(
            intent,
            hit_counts[intent] / pred_counts[intent] if pred_counts[intent] else 0.0,
            hit_counts[intent] / true_counts[intent],
            true_counts[intent],
        )
        for intent in sorted(true_counts)
    )
    confusions = Counter((t, p) for t, p in pairs if t != p)
    ranked = sorted(confusions.items(), key=lambda item: (-item[1], item[0]))
    return EvalReport(
        total=len(pairs),
        accuracy=correct / len(pairs) if pairs else 0.0,
        by_lang=by_lang,
        per_intent=per_intent,
        confusions=tuple((t, p, n) for (t, p), n in ranked),
    )
