"""Intent understanding: what a caller wants, from what they said.

``PhraseMatcher`` matches the current menu node's phrases; ``IntentClassifier``
classifies free speech over every intent. The vocabulary of intents and skills
lives in :mod:`ivr.intents.vocabulary`.
"""

from ivr.intents.classifier import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD
from ivr.intents.classifier import IntentClassifier as IntentClassifier
from ivr.intents.classifier import IntentResult as IntentResult
from ivr.intents.data import Example as Example
from ivr.intents.data import iter_lines as iter_lines
from ivr.intents.data import load_shipped as load_shipped
from ivr.intents.data import read_tsv as read_tsv
from ivr.intents.errors import DataError as DataError
from ivr.intents.errors import IntentsError as IntentsError
from ivr.intents.errors import LanguageError as LanguageError
from ivr.intents.errors import ModelError as ModelError
from ivr.intents.evaluation import EvalReport as EvalReport
from ivr.intents.evaluation import IntentScore as IntentScore
from ivr.intents.evaluation import evaluate as evaluate
from ivr.intents.phrases import PhraseMatch as PhraseMatch
from ivr.intents.phrases import PhraseMatcher as PhraseMatcher
from ivr.intents.text import detect_lang as detect_lang
from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT as DEFAULT_SKILL_FOR_INTENT
from ivr.intents.vocabulary import INTENTS as INTENTS
from ivr.intents.vocabulary import LANGS as LANGS
from ivr.intents.vocabulary import SKILLS as SKILLS
from ivr.intents.vocabulary import VIP_SKILL as VIP_SKILL

__all__ = [
    "DEFAULT_SKILL_FOR_INTENT",
    "DEFAULT_THRESHOLD",
    "DataError",
    "EvalReport",
    "Example",
    "INTENTS",
    "IntentClassifier",
    "IntentResult",
    "IntentScore",
    "IntentsError",
    "LANGS",
    "LanguageError",
    "ModelError",
    "PhraseMatch",
    "PhraseMatcher",
    "SKILLS",
    "VIP_SKILL",
    "detect_lang",
    "evaluate",
    "iter_lines",
    "load_shipped",
    "read_tsv",
]
