"""Fixtures for the model builder: the quick model is built once per session, in a child process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PHRASES = HERE / "data" / "phrases.txt"
SPOT_PHRASES = HERE / "data" / "spot_phrases.tsv"
DOMAIN = HERE / "data" / "domain.tsv"
SHIPPED = ROOT / "models" / "hotline-950618"


@pytest.fixture(scope="session")
def quick_model(tmp_path_factory) -> Path:
    """A model built by ``hotline models build --quick`` from the tiny phrase list, plus a tiny
    spotting set (``--extra-phrases``) and a tiny domain corpus (``--domain``), in about a minute."""
    from ivr.cli.models_build import build

    out = tmp_path_factory.mktemp("voskbuild") / "quick-model"
    result = CliRunner().invoke(build, ["--phrases", str(PHRASES), "--extra-phrases", str(SPOT_PHRASES), "-o", str(out),
                                        "--domain", str(DOMAIN), "--seed", "7", "--quick"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def shipped_model() -> Path:
    assert (SHIPPED / "am" / "final.mdl").is_file(), "the built-in model models/hotline-950618 is missing"
    return SHIPPED


@pytest.fixture(scope="session")
def heldout_950618(shipped_model):
    """Held-out test utterances for the shipped model's phrases (the 950618 flow it was built from):
    voices never trained on, half of them through the 8 kHz mu-law telephone channel (fed to vosk at
    8 kHz), each with its menu node's grammar."""
    from voskbuild import cases_for, phrases_from_metadata, read_metadata, telephone_at_8k
    from voskbuild.corpus import OOV_TEST
    from voskbuild.data import plan_test, render
    from voskbuild.speech import FLITE_HELDOUT, HELDOUT_VARIANTS

    phrases = phrases_from_metadata(read_metadata(shipped_model))
    plan = plan_test(phrases, ("zh", "en"), HELDOUT_VARIANTS, seed=2026, per_phrase=2, flite=FLITE_HELDOUT,
                     oov=OOV_TEST)
    rendered = [render(s) for s in plan]
    cases = cases_for(rendered, phrases, seed=2026)
    # telephone audio reaches vosk as 8 kHz samples, as it comes off the phone line
    return phrases, telephone_at_8k(cases)


@pytest.fixture(scope="session")
def shipped_outcomes(shipped_model, heldout_950618):
    from voskbuild import decode

    _, cases = heldout_950618
    return decode(shipped_model, cases)


@pytest.fixture(scope="session")
def shipped_spotting_outcomes(shipped_model, heldout_950618):
    """The held-out out-of-menu sentences, noise and an agent's other talk (never trained on), each
    decoded in every spotting grammar of its language (the QA rules' agent and caller phrases + [unk]),
    through the telephone channel at 8 kHz for half of them: everything heard is a false accept."""
    from voskbuild import decode, telephone_at_8k
    from voskbuild.corpus import AGENT_TALK_TEST
    from voskbuild.evaluate import agent_talk_cases, spotting_cases
    from voskbuild.speech import FLITE_HELDOUT, HELDOUT_VARIANTS

    phrases, cases = heldout_950618
    talk = telephone_at_8k(agent_talk_cases(phrases, ("zh", "en"), HELDOUT_VARIANTS, FLITE_HELDOUT, seed=2026,
                                            talk=AGENT_TALK_TEST))
    outcomes, _ = decode(shipped_model, spotting_cases(cases + talk, phrases))
    return outcomes
