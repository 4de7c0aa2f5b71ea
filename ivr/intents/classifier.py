"""Statistical intent classifier for free speech, one model per language.

A linear SVM over :mod:`ivr.intents.features`, calibrated by temperature scaling
(one parameter for all intents, fitted on 5 unshuffled folds), so ``confidence`` is
a probability, training takes about a second per language and is deterministic. When the best intent's probability is below
``threshold`` the answer is ``other`` and the engine asks an open question.

Artefacts are joblib files (pickles: load only files you made). Each records the
fingerprint of its training data and the scikit-learn version; a stale or foreign
artefact is retrained from the shipped data rather than trusted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from ivr.intents.data import Example, fingerprint, load_shipped
from ivr.intents.errors import DataError, ModelError
from ivr.intents.features import make_features
from ivr.intents.text import detect_lang
from ivr.intents.vocabulary import LANGS, lang_of_locale

log = logging.getLogger(__name__)

#: below this calibrated probability the classifier answers ``other``
DEFAULT_THRESHOLD = 0.35
#: how many runner-up intents a result lists
N_ALTERNATIVES = 3
#: which shipped files the shipped model learns from
SHIPPED_KINDS: tuple[str, ...] = ("train", "heldout")
_ARTEFACT_VERSION = 1


@dataclass(frozen=True)
class IntentResult:
    """What the classifier thinks a caller wants."""

    intent: str
    #: calibrated probability of ``intent`` (0..1); for a below-threshold ``other``,
    #: the probability of the best intent that was rejected
    confidence: float
    #: language the text was classified in (``zh``/``en``)
    lang: str
    #: the next most likely intents with their probabilities, best first
    alternatives: tuple[tuple[str, float], ...] = field(default=())


def _shipped(kinds: Sequence[str]) -> list[Example]:
    return [ex for kind in kinds for ex in load_shipped(kind)]


def _fit(examples: Sequence[Example]) -> Pipeline:
    pipeline = Pipeline(
        [
            ("features", make_features(examples[0].lang)),
            (
                "svm",
                CalibratedClassifierCV(
                    LinearSVC(C=0.5, random_state=0),
                    method="temperature",  # scikit-learn >= 1.8
                    cv=StratifiedKFold(n_splits=5, shuffle=False),
                    ensemble=False,  # one SVM on all data; folds only fit the temperature
                ),
            ),
        ]
    )
    return pipeline.fit([ex.text for ex in examples], [ex.intent for ex in examples])


class IntentClassifier:
    """Classifies recognised speech into one of :data:`~ivr.intents.vocabulary.INTENTS`."""

    def __init__(self, models: dict[str, Pipeline], *, threshold: float = DEFAULT_THRESHOLD, data_fingerprint: str = ""):
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {threshold}")
        self.models = models
        self.threshold = threshold
        self.data_fingerprint = data_fingerprint

    @classmethod
    def train(cls, examples: Sequence[Example], *, threshold: float = DEFAULT_THRESHOLD) -> "IntentClassifier":
        """Fit one model per language present in ``examples`` (deterministic).

        Raises :class:`DataError` when a language has fewer than 5 examples of an intent
        (calibration needs 5 folds).
        """
        models = {}
        for lang in LANGS:
            subset = [ex for ex in examples if ex.lang == lang]
            if not subset:
                continue
            counts: dict[str, int] = {}
            for ex in subset:
                counts[ex.intent] = counts.get(ex.intent, 0) + 1
            thin = sorted(intent for intent, n in counts.items() if n < 5)
            if thin or len(counts) < 2:
                raise DataError(f"{lang}: need at least 5 examples of at least 2 intents; too few for {thin or counts}")
            models[lang] = _fit(subset)
        if not models:
            raise DataError("no training examples")
        return cls(models, threshold=threshold, data_fingerprint=fingerprint(examples))

    @classmethod
    def from_shipped_data(
        cls, *, kinds: Sequence[str] = SHIPPED_KINDS, threshold: float = DEFAULT_THRESHOLD
    ) -> "IntentClassifier":
        """Train on the repository's data (a few seconds).

        The shipped model learns from every shipped utterance, held-out split included
        (the split chose the features and settings; more data then helps callers).
        Pass ``kinds=("train",)`` for the model whose held-out accuracy is reported.
        """
        return cls.train(_shipped(kinds), threshold=threshold)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "IntentClassifier":
        """The shipped model.

        Without ``path``, trains from the shipped data. With ``path``, loads that
        artefact when it matches the shipped data and this scikit-learn; when it is
        missing or stale, trains and writes it there, so the next start is quick.
        Raises :class:`ModelError` when the artefact exists but cannot be read.
        """
        if path is None:
            return cls.from_shipped_data()
        path = Path(path)
        expected = fingerprint(_shipped(SHIPPED_KINDS))
        if path.is_file():
            try:
                artefact = joblib.load(path)
            except Exception as exc:  # a corrupt pickle raises almost anything
                raise ModelError(f"cannot read intent model {path}: {exc}") from exc
            if not isinstance(artefact, dict) or artefact.get("version") != _ARTEFACT_VERSION:
                raise ModelError(f"{path} is not a hotline intent model")
            if artefact["fingerprint"] == expected and artefact["sklearn"] == sklearn.__version__:
                return cls(artefact["models"], threshold=artefact["threshold"], data_fingerprint=expected)
            log.warning("intent model %s is stale (data or scikit-learn changed); retraining", path)
        model = cls.from_shipped_data()
        model.save(path)
        return model

    def save(self, path: str | Path) -> Path:
        """Write the model as a joblib artefact; raises :class:`ModelError` on I/O failure."""
        path = Path(path)
        artefact = {
            "version": _ARTEFACT_VERSION,
            "sklearn": sklearn.__version__,
            "fingerprint": self.data_fingerprint,
            "threshold": self.threshold,
            "models": self.models,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            joblib.dump(artefact, tmp, compress=3)
            tmp.replace(path)  # never leave a half-written model behind
        except OSError as exc:
            raise ModelError(f"cannot write intent model {path}: {exc}") from exc
        return path

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.models)

    def classify(self, text: str, lang: str | None = None) -> IntentResult:
        """Classify one utterance; ``lang`` (``zh``/``en``/locale) is detected when ``None``."""
        return self.classify_many([text], lang)[0]

    def classify_many(self, texts: Sequence[str], lang: str | None = None) -> list[IntentResult]:
        """Classify many utterances at once (one model call per language: much faster)."""
        langs = [detect_lang(t) if lang is None else lang_of_locale(lang) for t in texts]
        results: list[IntentResult | None] = [None] * len(texts)
        for code in set(langs):
            model = self.models.get(code)
            todo = []
            for i, text_lang in enumerate(langs):
                if text_lang != code:
                    continue
                if model is None or not texts[i].strip():
                    results[i] = IntentResult("other", 0.0, code)  # nothing to go on
                else:
                    todo.append(i)
            if todo:
                probabilities = model.predict_proba([texts[i] for i in todo])
                for i, row in zip(todo, probabilities):
                    results[i] = self._decide(row, model.classes_, code)
        return results  # type: ignore[return-value]

    def _decide(self, probabilities: np.ndarray, classes: np.ndarray, lang: str) -> IntentResult:
        order = np.argsort(-probabilities, kind="stable")
        ranked = [(str(classes[i]), round(float(probabilities[i]), 4)) for i in order]
        best, confidence = ranked[0]
        if confidence < self.threshold:
            return IntentResult("other", confidence, lang, tuple(ranked[:N_ALTERNATIVES]))
        return IntentResult(best, confidence, lang, tuple(ranked[1 : 1 + N_ALTERNATIVES]))
