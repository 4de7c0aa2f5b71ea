"""The public surface: ``__all__`` resolves, and the vocabulary imports light."""

from __future__ import annotations

import subprocess
import sys

import ivr.intents
import ivr.profiles
import ivr.router


def test_every_exported_name_resolves():
    for module in (ivr.intents, ivr.router, ivr.profiles):
        for name in module.__all__:
            assert getattr(module, name) is not None, (module.__name__, name)
    assert set(ivr.intents.__all__) <= set(dir(ivr.intents))


def test_vocabulary_is_consistent():
    from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT, INTENTS, SKILLS

    assert list(DEFAULT_SKILL_FOR_INTENT) == list(INTENTS)
    assert set(DEFAULT_SKILL_FOR_INTENT.values()) <= set(SKILLS)
    assert len(set(INTENTS)) == 19 and len(set(SKILLS)) == 8


def test_importing_the_vocabulary_does_not_load_the_classifier():
    code = (
        "import sys, ivr.intents.vocabulary, ivr.intents\n"
        "heavy = [m for m in ('sklearn', 'joblib', 'pypinyin', 'rapidfuzz') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
