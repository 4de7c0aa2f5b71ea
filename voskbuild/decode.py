"""Decode WAV files with the real ``vosk`` package: run ``python -m voskbuild.decode CASES.json OUT.json``.

Runs in its own process: vosk must never share a process with kaldifst/kaldi-hmm-gmm (two OpenFst
copies crash), and a Kaldi assertion aborts the whole process.
Each case: {"wav": path, "grammar": [phrases] or null}; output: per case text, words, times.
Grammars and results go through the model's compound words, as hotline's own recognisers do.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import soundfile as sf

from asr.compounds import Compounds


def decode_cases(model_dir: str, cases: list[dict]) -> dict:
    import vosk

    vosk.SetLogLevel(-1)
    t0 = time.perf_counter()
    model = vosk.Model(model_dir)
    load_s = time.perf_counter() - t0
    compounds = Compounds.of_model(model_dir)
    out = []
    audio_s = decode_s = 0.0
    for case in cases:
        audio, rate = sf.read(case["wav"], dtype="int16")
        grammar = case.get("grammar")
        rec = (vosk.KaldiRecognizer(model, rate, json.dumps(compounds.grammar(grammar), ensure_ascii=False))
               if grammar else vosk.KaldiRecognizer(model, rate))
        rec.SetWords(True)
        t = time.perf_counter()
        texts, words = [], []
        data = np.asarray(audio, dtype=np.int16).tobytes()
        step = int(rate * 0.2) * 2
        for i in range(0, len(data), step):
            if rec.AcceptWaveform(data[i:i + step]):
                r = json.loads(rec.Result())
                texts.append(r.get("text", ""))
                words += r.get("result", [])
        r = json.loads(rec.FinalResult())
        texts.append(r.get("text", ""))
        words += r.get("result", [])
        decode_s += time.perf_counter() - t
        audio_s += len(audio) / rate
        words = [w | {"word": compounds.text(w["word"])} for w in words]
        out.append({"text": compounds.text(" ".join(t for t in texts if t)), "words": words})
    return {"load_seconds": load_s, "audio_seconds": audio_s, "decode_seconds": decode_s, "results": out}


def main(argv: list[str]) -> int:
    model_dir, cases_path, out_path = argv
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    result = decode_cases(model_dir, cases)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
