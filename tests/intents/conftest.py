"""Fixtures for the intents, router and caller-profile tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

FLOW = Path(__file__).resolve().parents[2] / "flows" / "950618.yaml"
LOCALES = ("zh-CN", "en-US")


def menu_options(flow: dict, node_id: str, locale: str) -> dict[str, list[str]]:
    """key -> phrases of one menu node in one locale, the flow's global keys included."""
    options: dict[str, list[str]] = {}
    for option in flow["nodes"][node_id]["options"] + flow.get("global_options", []):
        options.setdefault(str(option["key"]), []).extend(option["phrases"][locale])
    return options


@pytest.fixture(scope="session")
def shipped_flow() -> dict:
    """The shipped flow as plain data (read directly, so these tests need only the YAML)."""
    return yaml.safe_load(FLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def options_of(shipped_flow):
    """``options_of(node_id, locale)`` -> key -> phrases."""
    return lambda node_id, locale: menu_options(shipped_flow, node_id, locale)


@pytest.fixture(scope="session")
def menu_nodes(shipped_flow) -> list[str]:
    return [node_id for node_id, node in shipped_flow["nodes"].items() if node.get("options")]


@pytest.fixture(scope="session")
def classifier():
    """The shipped classifier (all shipped data), trained once."""
    from ivr.intents import IntentClassifier

    return IntentClassifier.from_shipped_data()


@pytest.fixture(scope="session")
def train_only_classifier():
    """Trained without the held-out split, to measure on it."""
    from ivr.intents import IntentClassifier

    return IntentClassifier.from_shipped_data(kinds=("train",))


@pytest.fixture(scope="session")
def model_file(classifier, tmp_path_factory) -> Path:
    """The session's classifier saved as an artefact, so CLI tests load instead of train."""
    return classifier.save(tmp_path_factory.mktemp("intents") / "intents.joblib")
