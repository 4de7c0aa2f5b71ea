"""Speech understanding at a node: the node's phrases first, then the intent classifier.

This is the engine's :class:`~ivr.engine.SpeechInterpreter`: it is pure (no I/O once the
classifier is loaded) and records why it decided what it decided. It also says which words
beyond the options' phrases are worth hearing at a menu (:meth:`SpeechUnderstanding.cue_words`):
the words of callers' requests that lead to each option, so a sentence that names the business
without a menu label reaches the classifier instead of being heard as nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Collection, Sequence

from ivr.engine import Interpretation, exact_phrase_interpreter
from ivr.flow.model import Flow, Option
from ivr.intents import IntentClassifier, LanguageError, PhraseMatcher
from ivr.intents.cues import CueWords
from ivr.intents.vocabulary import lang_of_locale


@lru_cache(maxsize=256)
def _matcher(options: tuple[tuple[str, tuple[str, ...]], ...], lang: str) -> PhraseMatcher:
    return PhraseMatcher(dict(options), lang)


#: a phrase that covers less of the utterance than this is checked against the classifier
MIN_PHRASE_COVERAGE = 0.5
#: classifier confidence that may overrule a weak phrase match
OVERRULE_CONFIDENCE = 0.6


def _coverage(phrase: str, text: str) -> float:
    spoken = "".join(text.split())
    return len("".join(phrase.split())) / max(1, len(spoken))


class SpeechUnderstanding:
    """Phrase matching at the current node, then free-speech classification.

    A strong phrase match (exact, covering most of what was said) decides at once. A weak
    one ("I was charged twice for the same *order*") is checked against the classifier: a
    confident intent that the matched option cannot lead to wins.
    """

    def __init__(self, classifier: IntentClassifier | None = None, flow: Flow | None = None,
                 cues: CueWords | None = None):
        self.classifier = classifier
        self.flow = flow
        self.cues = cues
        self._cue_cache: dict[tuple, tuple[str, ...]] = {}

    def _reachable(self, option: Option) -> frozenset[str]:
        if option.intent:
            return frozenset({option.intent})
        if option.target and self.flow is not None:
            return self.flow.intents_under(option.target)
        return frozenset()

    def cue_words(self, options: Sequence[Option], locale: str, vocabulary: Collection[str] | None = None
                  ) -> tuple[str, ...]:
        """Words that lead to the options (beyond their phrases), for the recogniser's grammar: none
        without a classifier to understand them or cue words to draw on. ``vocabulary``: the words
        the recogniser knows (the others are no candidates), None for any."""
        if self.classifier is None or self.cues is None:
            return ()
        try:
            lang = lang_of_locale(locale)
        except LanguageError:
            return ()
        phrases = tuple(p for o in options for p in o.phrases.get(locale, ()))
        reachable = tuple(self._reachable(o) for o in options)
        key = (lang, phrases, reachable, id(vocabulary))
        if key not in self._cue_cache:  # a scan of every candidate word: once per menu, language and model
            words = (w for intents in reachable for w in self.cues.for_intents(intents, lang, vocabulary))
            self._cue_cache[key] = tuple(w for w in dict.fromkeys(words) if w not in set(phrases))
        return self._cue_cache[key]

    def __call__(self, text: str, options: Sequence[Option], locale: str) -> Interpretation:
        try:
            lang = lang_of_locale(locale)
        except LanguageError:  # a locale the matcher and classifier do not know: plain phrase matching
            return exact_phrase_interpreter(text, options, locale)
        by_key = {o.key: o for o in options}
        spoken = tuple((o.key, o.phrases.get(locale, ())) for o in options if o.phrases.get(locale))
        phrase = None
        if spoken:
            match = _matcher(spoken, lang).match(text)
            if match is not None:
                option = by_key[match.key]
                phrase = Interpretation(option=option, intent=option.intent, score=match.score, method=match.method,
                                        reasons=(f"matched phrase {match.phrase!r} ({match.method}, {match.score:.2f})",))
                if match.method == "exact" and _coverage(match.phrase, text) >= MIN_PHRASE_COVERAGE:
                    return phrase
        if self.classifier is None:
            return phrase or Interpretation(option=None)
        result = self.classifier.classify(text, lang)
        reason = f"classifier: {result.intent} ({result.confidence:.2f})"
        if result.intent == "other" or (phrase is not None and result.confidence < OVERRULE_CONFIDENCE):
            return phrase or Interpretation(option=None, intent="other", score=result.confidence,
                                            method="classifier", reasons=(reason,))
        for option in options:  # an option here that stands for this intent
            if option.intent == result.intent:
                return Interpretation(option=option, intent=result.intent, score=result.confidence,
                                      method="classifier", reasons=(reason,))
        if phrase is not None and result.intent in self._reachable(phrase.option):
            return phrase  # the phrase leads where the classifier points
        return Interpretation(option=None, intent=result.intent, score=result.confidence, method="classifier",
                              reasons=(reason,) + ((f"overruled {phrase.reasons[0]}",) if phrase else ()))
