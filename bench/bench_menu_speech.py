"""Main-menu speech per synthesis engine: does a caller's sentence reach the right place?

Each held-out request (``ivr/intents/data/heldout_<lang>.tsv``, never trained on by the classifier
used here or by the model's builder) is spoken by every engine hotline has, sent through the 8 kHz
mu-law telephone channel and listened to at the main menu exactly as a live call does
(``ivr.listener.CallListener`` with the menu's phrases and cue words, the engine with its
``SpeechUnderstanding``); the outcome is right when the option taken (or the route the classifier
chose) leads to the sentence's intent. Out-of-menu sentences (held-out ``other`` requests and
chit-chat the builder never trains on) must not be taken as a choice.

    python bench/bench_menu_speech.py [--model DIR] [--per-engine 60] [--phrases-only]
    python bench/bench_menu_speech.py --loeo [--workdir /tmp/loeo]   # leave-one-engine-out

``--loeo`` builds one model per (language, engine) without that engine's voices and tests it on
that engine only: quick builds (``voskbuild.loeo.LOEO_QUICK``: every other engine, the domain
vocabulary and language model, the decoder settings of ``--model``), a few minutes each. A full-size
build per engine takes about an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voskbuild.corpus import OOV_TEST  # noqa: E402
from voskbuild.speech import FLITE_HELDOUT, HELDOUT_VARIANTS, SYNTH_TRAIN, Voice, say  # noqa: E402

LOCALES = {"zh": "zh-CN", "en": "en-US"}
PAD_S = 0.5


def test_voices(lang: str) -> dict[str, list[Voice]]:
    """engine -> the voices it is tested with (espeak and flite: voices never trained on)."""
    espeak_base = "cmn-latn-pinyin" if lang == "zh" else "en-us"
    out = {"espeak": [Voice(espeak_base, v) for v in HELDOUT_VARIANTS]}
    if lang == "en":
        out["flite"] = [Voice(f, engine="flite") for f in FLITE_HELDOUT]
    for v in SYNTH_TRAIN[lang]:
        out.setdefault(v.split(":")[0], []).append(Voice(v, engine="synth"))
    return out


def sentences(lang: str, per_engine: int, seed: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(intent, text) requests and out-of-menu texts, a seeded sample."""
    from ivr.intents import load_shipped

    rng = np.random.default_rng(seed)
    held = [ex for ex in load_shipped("heldout") if ex.lang == lang]
    requests = [(ex.intent, ex.text) for ex in held if ex.intent != "other"]
    others = [ex.text for ex in held if ex.intent == "other"] + list(OOV_TEST[lang])
    pick = rng.choice(len(requests), size=min(per_engine, len(requests)), replace=False)
    pick_o = rng.choice(len(others), size=min(per_engine // 2, len(others)), replace=False)
    return [requests[int(i)] for i in pick], [others[int(i)] for i in pick_o]


def telephone(text: str, lang: str, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    """The caller's words as Twilio delivers them: 8 kHz int16 after mu-law, with quiet either side."""
    import synth

    pcm = say(text, lang, voice, speed=int(rng.integers(130, 190)), pitch=int(rng.integers(35, 65)))
    x = pcm.astype(np.float64) / 32768 * 10 ** (rng.uniform(-12, 0) / 20)
    pad = np.zeros(int(PAD_S * 16000))
    tel = synth.telephone_channel(np.concatenate([pad, x, pad]).astype(np.float32), 16000)
    return tel.pcm_8k


class MenuCaller:
    """One call per utterance at the main menu, through the listener and the engine."""

    def __init__(self, model_dir: str, phrases_only: bool = False):
        from asr import load_model
        from ivr.app import load_cue_words
        from ivr.engine import FlowEngine
        from ivr.flow import load_flow
        from ivr.intents import IntentClassifier
        from ivr.understanding import SpeechUnderstanding

        self.flow = load_flow(ROOT / "flows" / "950618.yaml")
        classifier = IntentClassifier.from_shipped_data(kinds=("train",))  # never saw the held-out requests
        self.engine = FlowEngine(self.flow, SpeechUnderstanding(classifier, self.flow, cues=load_cue_words()))
        self.model = load_model(model_dir)
        self.phrases_only = phrases_only
        self.options = {o.key: o for o in self.flow.options_at(self.flow.node(self.flow.main_menu))}

    def destination(self, events) -> tuple[str, frozenset[str]]:
        """('option'|'route'|'no_match'|'nothing', intents the call can end with from there)."""
        for e in events:
            if e.kind == "option":
                o = self.options[e.detail["key"]]
                if o.action == "agent":
                    return "option", frozenset({"agent_request"})
                intents = {o.intent} if o.intent else (self.flow.intents_under(o.target) if o.target else set())
                return "option", frozenset(intents)
            if e.kind == "route":
                return "route", frozenset({e.detail.get("intent") or ""})
        return "no_match", frozenset()

    def call(self, pcm: np.ndarray, lang: str) -> tuple[str, frozenset[str], str]:
        from ivr.events import Speech
        from ivr.listener import CallListener

        step = self.engine.start("CAbench", LOCALES[lang])
        state = step.state
        cues = () if self.phrases_only else self.engine.cues_at(state, self.model.vocabulary)
        listener = CallListener(self.model, self.engine.phrases_at(state), cues)
        heard = []
        for i in range(0, len(pcm), 160):  # 20 ms media frames
            heard += listener.feed_pcm(pcm[i:i + 160])
        heard += listener.finish()
        heard = [h for h in heard if isinstance(h, Speech)]  # [unk] only (UnclearSpeech) is hearing nothing
        if not heard:
            return "nothing", frozenset(), " ".join(r.text for r in listener.heard)
        kind, intents = self.destination(self.engine.handle(state, heard[0]).events)
        return kind, intents, heard[0].text


def evaluate(model_dir: str, langs=("zh", "en"), engines: dict[str, list[str]] | None = None, per_engine: int = 60,
             seed: int = 18, phrases_only: bool = False) -> dict:
    caller = MenuCaller(model_dir, phrases_only)
    report = {}
    for lang in langs:
        requests, others = sentences(lang, per_engine, seed)
        for engine, voices in test_voices(lang).items():
            if engines is not None and engine not in engines.get(lang, ()):
                continue
            rng = np.random.default_rng(seed)
            outcomes, fa = Counter(), 0
            for i, (intent, text) in enumerate(requests):
                kind, intents, _ = caller.call(telephone(text, lang, voices[i % len(voices)], rng), lang)
                outcomes["right" if intent in intents else kind if kind in ("nothing", "no_match") else "wrong"] += 1
            for i, text in enumerate(others):
                kind, _, _ = caller.call(telephone(text, lang, voices[i % len(voices)], rng), lang)
                fa += kind == "option"
            n = len(requests)
            report[f"{lang} {engine}"] = {"right": round(outcomes["right"] / n, 3), "wrong": outcomes["wrong"],
                                          "no_match": outcomes["no_match"], "heard_nothing": outcomes["nothing"],
                                          "n": n, "out_of_menu_taken": round(fa / len(others), 3),
                                          "n_out_of_menu": len(others)}
            print(f"{lang} {engine}: {report[f'{lang} {engine}']}", flush=True)
    return report


def loeo(workdir: Path, per_engine: int, decode_from: str) -> dict:
    """Leave one engine out: per language and engine, build without it (with ``decode_from``'s decoder
    settings), test on it."""
    out = {}
    for lang in ("zh", "en"):
        for engine in test_voices(lang):
            model = workdir / f"loeo-{lang}-{engine}"
            # a model built before gets the decoder settings only
            args = [sys.executable, "-m", "voskbuild.loeo", "--lang", lang, "--without", engine, "-o", str(model),
                    "--decode-from", decode_from, "--quick"]
            started = time.perf_counter()
            subprocess.run(args, check=True, cwd=ROOT)
            print(f"built {model} in {time.perf_counter() - started:.0f} s", flush=True)
            out.update(evaluate(str(model), (lang,), {lang: [engine]}, per_engine))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models" / "hotline-950618"))
    ap.add_argument("--per-engine", type=int, default=60)
    ap.add_argument("--phrases-only", action="store_true", help="listen for the options' phrases only (before)")
    ap.add_argument("--loeo", action="store_true")
    ap.add_argument("--workdir", default="/tmp/hotline-loeo")
    ap.add_argument("--json", help="write the report here")
    args = ap.parse_args()
    if args.loeo:
        report = loeo(Path(args.workdir), args.per_engine, args.model)
    else:
        report = evaluate(args.model, per_engine=args.per_engine, phrases_only=args.phrases_only)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
