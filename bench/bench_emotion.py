"""Cost of the emotion scorer per audio-second, side by side with openSMILE eGeMAPS on the same audio.

    python bench/bench_emotion.py [--seconds 60] [--repeat 3] [WAV ...]

Without WAV files it synthesises a telephone call (espeak-ng, EN + ZH, G.711 mu-law round trip). Prints the
real-time factor (processing time / audio time; target <= 0.1, i.e. >= 10 live calls per core) of
``emotion.score_file`` and of ``emotion.StreamScorer`` fed 20 ms frames at 8 kHz, and openSMILE's RTF as the
reference ratio. One thread (BLAS/FFT pools pinned to 1) so the numbers mean "per core".
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import emotion  # noqa: E402
from asr.codec import resample, ulaw_decode, ulaw_encode  # noqa: E402

SENTENCES = [
    ("en-us", "Hello, I am calling about my order from last Tuesday, it has still not arrived."),
    ("cmn-latn-pinyin", "ni3 hao3, wo3 xiang3 wen4 yi2 xia4 wo3 de5 ding4 dan1, dao4 xian4 zai4 hai2 mei2 you3 dao4."),
    ("en-us", "This is the third time I am calling and nobody has called me back, this is unacceptable!"),
    ("cmn-latn-pinyin", "wo3 yao4 tou2 su4, ni3 men5 zhe4 ge4 fu2 wu4 tai4 cha4 le5!"),
]


def synth_call(seconds: float) -> np.ndarray:
    """A telephone-quality call of about ``seconds`` s at 8 kHz (int16)."""
    pieces, total = [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        i = 0
        while total < seconds:
            voice, text = SENTENCES[i % len(SENTENCES)]
            speed, pitch = (150, 45) if i % 3 else (210, 70)
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), text], check=True)
            y, sr = sf.read(wav, dtype="float32")
            y8 = resample(np.concatenate([y, np.zeros(int(0.4 * sr), np.float32)]), sr, 8000)
            pieces.append(y8)
            total += len(y8) / 8000
            i += 1
    pcm = np.clip(np.round(np.concatenate(pieces) * 32767), -32768, 32767).astype(np.int16)
    return ulaw_decode(ulaw_encode(pcm))


def best_of(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time (this process) of ``repeat`` runs, seconds."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def stream(pcm8: np.ndarray) -> None:
    s = emotion.StreamScorer(sample_rate=8000)
    for i in range(0, len(pcm8), 160):
        s.feed(pcm8[i : i + 160])
    s.finish()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wav", nargs="*", help="telephone recordings to time (default: a synthetic call)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the synthetic call")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    calls = []
    if args.wav:
        for w in args.wav:
            y, sr = sf.read(w, dtype="float32", always_2d=True)
            y8 = resample(y.mean(axis=1), sr, 8000)
            calls.append((Path(w).name, np.clip(np.round(y8 * 32767), -32768, 32767).astype(np.int16)))
    else:
        calls.append(("synthetic call", synth_call(args.seconds)))
    try:
        import opensmile

        smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.LowLevelDescriptors)
    except ImportError:
        smile = None
    emotion.score_file(np.zeros(16000, np.float32), sr=16000)  # warm imports
    print("RTF = processing time / audio time; wall clock (CPU time of this process in brackets)")
    print(f"{'audio':<16} {'seconds':>7} {'score_file':>17} {'StreamScorer':>17} {'openSMILE eGeMAPS':>18} {'ours/openSMILE':>15} {'calls/core':>10}")
    for name, pcm8 in calls:
        dur = len(pcm8) / 8000
        y16 = resample(pcm8.astype(np.float32) / 32768.0, 8000, 16000)
        f_wall, f_cpu = (t / dur for t in best_of(lambda: emotion.score_file(pcm8, sr=8000), args.repeat))
        s_wall, s_cpu = (t / dur for t in best_of(lambda: stream(pcm8), args.repeat))
        if smile is not None:
            o_wall, o_cpu = (t / dur for t in best_of(lambda: smile.process_signal(y16, 16000), args.repeat))
        else:
            o_wall = o_cpu = float("nan")
        worst_cpu = max(f_cpu, s_cpu)
        print(
            f"{name:<16} {dur:7.1f} {f_wall:8.4f} ({f_cpu:.4f}) {s_wall:8.4f} ({s_cpu:.4f}) {o_wall:9.4f} ({o_cpu:.4f})"
            f" {worst_cpu / o_cpu:15.2f} {1 / worst_cpu:10.1f}"
        )
    print("target: RTF <= 0.1 (>= 10 live calls per core); openSMILE eGeMAPSv02 LLDs are the reference cost")


if __name__ == "__main__":
    main()
