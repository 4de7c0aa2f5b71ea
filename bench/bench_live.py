"""The live path through the real app, driven by the call simulator (real HTTP, WebSocket, Vosk, SQLite).

1. End of caller speech -> call updated with the next TwiML (Twilio's REST API): p50/p95, with the
   line paced in real time, one call at a time and 4 calls at once, side by side; against the
   500 ms target and Amazon Lex's 600 ms end-of-speech timeout alone.
2. Concurrent live calls (media stream + VAD-gated recogniser + emotion scorer) on ONE core: the
   server runs in a child process pinned to core 0, the callers on the other core. For each load
   N calls stream 20 s of line (speech half the time) in real time; the server keeps up when it
   closes every stream within 1 s of its end (the backlog it still had to process). Memory per call
   is the server's RSS growth over its idle size divided by N.

    python bench/bench_live.py [--loads 5,10,20,30,40] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ivr.simulator as sim  # noqa: E402
from ivr.simulator.audio import line_floor  # noqa: E402
from ivr.simulator.scenario import scenario_from_data  # noqa: E402

PHRASES = [("zh", "发票"), ("zh", "转人工"), ("zh", "我要投诉"), ("zh", "我要开发票"), ("en", "make a complaint"),
           ("en", "invoice")]
VOICES = {"zh": ["espeak:cmn+m7", "espeak:cmn+f3", "espeak:cmn+m3"], "en": ["espeak:en-us+m7", "espeak:en-us+f3"]}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def speech_scenarios() -> list[sim.CallScenario]:
    """One call per phrase and voice: the caller speaks 0.5 s into the prompt, nothing after the words."""
    out = []
    for lang, text in PHRASES:
        for voice in VOICES[lang]:
            turns = [{"digits": "9", "barge_in": 0.5}] if lang == "en" else []
            turns.append({"say": text, "lang": lang, "voice": voice, "barge_in": 0.5, "pause_before": 0,
                          "pause_after": 0})
            out.append(scenario_from_data({"call_id": f"{text}/{voice}", "turns": turns}, source="bench"))
    return out


def bench_latency(cache: Path) -> None:
    scenarios = speech_scenarios()
    audio = sim.AudioMaker(cache)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp, sim.embedded_hotline(Path(tmp) / "instance", qa_jobs="off") as target:
        sim.run_calls(target, scenarios[:2], audio=audio)  # warm-up: models, caches
        for jobs in (1, 4):
            results = sim.run_calls(target, scenarios, audio=audio, realtime=True, jobs=jobs)
            rows[jobs] = [ms for r in results for ms in r.speech_latencies_ms]
            missed = sum(not r.speech_latencies_ms for r in results)
            if missed:
                print(f"  ({missed} of {len(results)} calls at {jobs} at once had no call update: not heard)")
    print(f"1. end of caller speech -> call updated (real-time line, {len(scenarios)} calls per row)")
    print(f"{'':22}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95/500ms':>11}{'p95/Lex 600ms':>15}")
    for jobs, values in rows.items():
        p95 = percentile(values, 0.95)
        print(f"{f'{jobs} call(s) at once':22}{len(values):4d}{statistics.median(values):9.0f}{p95:9.0f}"
              f"{max(values):9.0f}{p95 / 500:11.2f}{p95 / 600:15.2f}")
    if rows[1] and rows[4]:
        print(f"   4 at once / 1 at a time, p95: {percentile(rows[4], 0.95) / percentile(rows[1], 0.95):.2f}x")


# ---- 2. concurrent calls on one core ---------------------------------------------------------

def serve_pinned() -> None:
    """Child process: hotline on core 0; prints its target as JSON, runs until stdin closes."""
    os.sched_setaffinity(0, {0})
    with tempfile.TemporaryDirectory() as tmp, sim.embedded_hotline(Path(tmp) / "instance", qa_jobs="off") as target:
        print(json.dumps({"base_url": target.base_url, "token": target.auth_token, "account": target.account_sid,
                          "pid": os.getpid()}), flush=True)
        sys.stdin.read()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one_stream(info: dict, call_sid: str, line: np.ndarray, lags: list[float]) -> None:
    from twilio.request_validator import RequestValidator

    url = info["base_url"] + "/twilio/voice"
    params = {"CallSid": call_sid, "From": "+8613800138000", "To": "+86950618", "AccountSid": info["account"]}
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), headers={
        "X-Twilio-Signature": RequestValidator(info["token"]).compute_signature(url, params)})
    with urllib.request.urlopen(request, timeout=30) as response:
        verbs = sim.parse_twiml(response.read())
    stream = next(v for v in verbs if isinstance(v, sim.twiml.StartStream))
    target = sim.Target(base_url=info["base_url"], public_url=info["base_url"], auth_token=info["token"],
                        account_sid=info["account"], rest=None, rest_url="")
    from ivr.simulator.call import MediaLeg

    leg = MediaLeg(target, stream, call_sid, realtime=True)
    leg.send(line)
    started = time.perf_counter()
    leg.close(timeout=120)
    lags.append(time.perf_counter() - started)


def caller_line(seconds: float, cache: Path) -> np.ndarray:
    """Speech half the time: phrases with as much quiet line after each."""
    audio = sim.AudioMaker(cache)
    parts = []
    for n, sc in enumerate(speech_scenarios()):
        turn = sc.turns[-1]
        speech = audio.speech(turn.speech, 1)
        parts += [speech, line_floor(len(speech), n)]
    line = np.concatenate(parts)
    reps = int(np.ceil(seconds * 8000 / len(line)))
    return np.tile(line, reps)[:int(seconds * 8000)]


def bench_capacity(loads: list[int], seconds: float, cache: Path) -> None:
    os.sched_setaffinity(0, {1} if os.cpu_count() and os.cpu_count() > 1 else {0})
    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        info = json.loads(child.stdout.readline())
        line = caller_line(seconds, cache)
        one_stream(info, "CAwarm", line[:8000 * 3], [])  # warm-up: first recogniser, emotion
        idle = rss_kb(info["pid"])
        print(f"2. concurrent live calls on one core ({seconds:g} s of line each, speech half the time); "
              f"server idle RSS {idle / 1024:.0f} MB")
        print(f"{'calls':>6}{'close lag p50 s':>17}{'max s':>8}{'keeps up':>10}{'MB per call':>13}")
        for load in loads:
            lags: list[float] = []
            peak = [idle]

            def watch(stop: threading.Event) -> None:
                while not stop.wait(0.5):
                    peak[0] = max(peak[0], rss_kb(info["pid"]))

            stop = threading.Event()
            watcher = threading.Thread(target=watch, args=(stop,))
            watcher.start()
            threads = [threading.Thread(target=one_stream, args=(info, f"CAload{load}x{n}", line, lags))
                       for n in range(load)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stop.set()
            watcher.join()
            keeps_up = max(lags) < 1.0
            print(f"{load:6d}{statistics.median(lags):17.2f}{max(lags):8.2f}{'yes' if keeps_up else 'NO':>10}"
                  f"{(peak[0] - idle) / 1024 / load:13.1f}")
            if not keeps_up:
                break
    finally:
        child.stdin.close()
        child.wait(timeout=60)


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per request would bury the table
    if "--serve" in sys.argv:
        serve_pinned()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", default="5,10,20,30,40", help="concurrent calls to try, in order (empty: skip part 2)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of line per call in part 2")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        if not args.skip_latency:
            bench_latency(Path(cache))
        if args.loads:
            bench_capacity([int(n) for n in args.loads.split(",")], args.seconds, Path(cache))


if __name__ == "__main__":
    main()
