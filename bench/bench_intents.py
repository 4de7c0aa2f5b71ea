"""Intent understanding costs, measured side by side in one run.

    python bench/bench_intents.py

Prints: training time (shipped model), artefact load vs training, per-utterance
latency of the phrase matcher, the classifier one at a time and in a batch, and
the router, with the ratios between them. Not a test: numbers vary with load.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from ivr.intents import IntentClassifier, PhraseMatcher, load_shipped
from ivr.router import EmotionInput, Router, RoutingRequest
from ivr.profiles import CallerProfile

FLOW = Path(__file__).resolve().parents[1] / "flows" / "950618.yaml"


def _per_item(fn, items, repeat: int = 1) -> float:
    """Seconds per item, best of ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - started) / len(items))
    return best


def main() -> None:
    texts = [ex.text for ex in load_shipped("heldout")] + [ex.text for ex in load_shipped("probe")]

    started = time.perf_counter()
    classifier = IntentClassifier.from_shipped_data()
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = classifier.save(Path(tmp) / "intents.joblib")
        size_kb = path.stat().st_size / 1024
        started = time.perf_counter()
        IntentClassifier.load(path)
        load_s = time.perf_counter() - started

    flow = yaml.safe_load(FLOW.read_text(encoding="utf-8"))
    options: dict[str, list[str]] = {}
    for option in flow["nodes"]["main"]["options"] + flow["global_options"]:
        options.setdefault(str(option["key"]), []).extend(option["phrases"]["zh-CN"])
    matcher = PhraseMatcher(options, "zh")
    zh_texts = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]

    phrase_s = _per_item(matcher.match, zh_texts, repeat=3)
    single_s = _per_item(classifier.classify, texts[:200])
    started = time.perf_counter()
    classifier.classify_many(texts)
    batch_s = (time.perf_counter() - started) / len(texts)

    router = Router.from_yaml()
    request = RoutingRequest(
        "complaint",
        emotion=EmotionInput("agitated", 0.8),
        profile=CallerProfile("+8613800000002", "plus", 1, 2, "complaint"),
    )
    route_s = _per_item(router.route, [request] * 2000, repeat=3)

    print(f"training (shipped model, both languages): {train_s:8.2f} s")
    print(f"artefact load ({size_kb:.0f} KiB):              {load_s:8.2f} s   train/load = {train_s / load_s:6.1f}x")
    print(f"phrase match (zh, main menu):     {phrase_s * 1e3:8.3f} ms/utterance")
    print(f"classify, one at a time:          {single_s * 1e3:8.3f} ms/utterance   vs phrase match = {single_s / phrase_s:6.1f}x")
    print(f"classify, batch of {len(texts)}:          {batch_s * 1e3:8.3f} ms/utterance   single/batch = {single_s / batch_s:6.1f}x")
    print(f"route one request (9 rules):      {route_s * 1e3:8.3f} ms/request     classify/route = {single_s / route_s:6.1f}x")


if __name__ == "__main__":
    main()
