"""Intelligibility of the English voices: PocketSphinx word accuracy, clean and after the phone line.

Each English voice speaks the same call-centre sentences (``synth.say``, 16 kHz); PocketSphinx
(PyPI ``pocketsphinx``, its bundled en-us acoustic model and default language model, no
adaptation) transcribes each one as rendered ("clean") and after ``synth.telephone_channel``
(300-3400 Hz, 8 kHz G.711 mu-law, back to 16 kHz, decoded with the same wideband model).
Word accuracy = (N - S - D - I) / N over all sentences. This measures how well one recogniser
copes with each voice, not human intelligibility.

    python bench/bench_synth_intelligibility.py [--voices flite:rms,piper:joe] [--sentences 10]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402
from synth.telephone import to_int16  # noqa: E402

SENTENCES = [
    "I would like to check the status of my order.",
    "My package has not arrived yet.",
    "Can I speak to a customer service agent please.",
    "I want to return this product and get a refund.",
    "The delivery was late again this week.",
    "Please cancel my order as soon as possible.",
    "How do I change my delivery address.",
    "I was charged twice for the same item.",
    "My account is locked and I cannot log in.",
    "Thank you very much for your help today.",
    "The screen of my new phone is broken.",
    "When will my money be returned to my card.",
]
PAD_S = 0.3  # silence around each utterance, as in a call


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def edit_ops(ref: list[str], hyp: list[str]) -> tuple[int, int, int]:
    """Substitutions, deletions, insertions of the minimum-cost alignment (Levenshtein)."""
    n, m = len(ref), len(hyp)
    cost = np.zeros((n + 1, m + 1), dtype=int)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]), cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    s = d = ins = 0
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i, j] == cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            s += ref[i - 1] != hyp[j - 1]
            i, j = i - 1, j - 1
        elif i > 0 and cost[i, j] == cost[i - 1, j] + 1:
            d, i = d + 1, i - 1
        else:
            ins, j = ins + 1, j - 1
    return s, d, ins


def transcribe(decoder, samples: np.ndarray) -> str:
    decoder.start_utt()
    decoder.process_raw(to_int16(samples).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", help="comma-separated voice ids (default: every installed English voice "
                                         "except the espeak variants other than en-us and en-us+f3)")
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL")
    if args.voices:
        voices = args.voices.split(",")
    else:
        voices = [v.id for v in synth.available_voices("en")
                  if v.available and (v.engine != "espeak" or v.name in ("en-us", "en-us+f3"))]
    registry = synth.EngineRegistry()
    sentences = SENTENCES[: args.sentences]
    n_words = sum(len(words(s)) for s in sentences)
    print(f"{len(sentences)} sentences, {n_words} words per voice; PocketSphinx en-us, no adaptation\n")
    print(f"{'voice':34s} {'acc clean':>9s} {'acc phone':>9s}   S/D/I clean   S/D/I phone")
    for voice in voices:
        totals = {"clean": np.zeros(3, int), "phone": np.zeros(3, int)}
        for i, text in enumerate(sentences):
            u = synth.say(text, "en", voice, seed=args.seed + i, registry=registry)
            pad = np.zeros(int(PAD_S * u.sample_rate), np.float32)
            clean = np.concatenate([pad, u.samples, pad])
            phone = synth.telephone_channel(clean, u.sample_rate, seed=args.seed).pcm_16k / 32768.0
            for name, audio in (("clean", clean), ("phone", phone)):
                totals[name] += edit_ops(words(text), words(transcribe(decoder, audio)))
        acc = {k: 100.0 * (n_words - v.sum()) / n_words for k, v in totals.items()}
        print(f"{voice:34s} {acc['clean']:8.1f}% {acc['phone']:8.1f}%   {'/'.join(map(str, totals['clean'])):>11s}"
              f"   {'/'.join(map(str, totals['phone'])):>11s}", flush=True)


if __name__ == "__main__":
    main()
