"""Intent understanding: what a caller wants, from what they said.

``PhraseMatcher`` matches the current menu node's phrases; ``IntentClassifier``
classifies free speech over every intent. The vocabulary of intents and skills
lives in :mod:`ivr.intents.vocabulary`.

The vocabulary and errors load at once; everything else loads on first use, so
importing the vocabulary (the flow validator does) does not import scikit-learn.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Any, Mapping

from ivr.intents.errors import DataError as DataError
from ivr.intents.errors import IntentsError as IntentsError
from ivr.intents.errors import LanguageError as LanguageError
from ivr.intents.errors import ModelError as ModelError
from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT as DEFAULT_SKILL_FOR_INTENT
from ivr.intents.vocabulary import INTENTS as INTENTS
from ivr.intents.vocabulary import LANGS as LANGS
from ivr.intents.vocabulary import SKILLS as SKILLS
from ivr.intents.vocabulary import VIP_SKILL as VIP_SKILL

# public name -> submodule that defines it (imported on first access)
_LAZY: Mapping[str, str] = MappingProxyType({
    "DEFAULT_THRESHOLD": "classifier",
    "IntentClassifier": "classifier",
    "IntentResult": "classifier",
    "Example": "data",
    "iter_lines": "data",
    "load_shipped": "data",
    "read_tsv": "data",
    "EvalReport": "evaluation",
    "IntentScore": "evaluation",
    "evaluate": "evaluation",
    "PhraseMatch": "phrases",
    "PhraseMatcher": "phrases",
    "detect_lang": "text",
})

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


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
