"""Public surface: score_file inputs and errors, JSON, the stream/file equivalence, import rules, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import emotion
from asr.codec import resample
from emotion.grid import HOP, n_frames
from emotion.tracks import FrameAnalyzer, FrameTracks
from ivr.cli import main

SR = 16000


@pytest.fixture(scope="module")
def agitated_call(stimuli, calm_style, agitated_style):
    y, spans = stimuli.call("en", [("calm", calm_style)] * 5 + [("agitated", agitated_style)] * 3 + [("calm", calm_style)])
    return y, spans


@pytest.fixture(scope="module")
def agitated_timeline(agitated_call):
    return emotion.score_file(agitated_call[0], sr=SR)


def test_public_surface():
    assert sorted(emotion.__all__) == sorted(
        [
            "LABELS", "AudioInputError", "EmotionError", "EmotionSummary", "EmotionTimeline", "EmotionWindow",
            "LexicalHit", "StreamScorer", "TranscriptError", "TranscriptTurn", "TurnSummary", "WindowFeatures",
            "clip_features", "find_cues", "find_cues_en", "find_cues_zh", "score_file",
        ]
    )
    assert emotion.LABELS == ("calm", "tense", "agitated", "distressed")


def test_emotion_imports_nothing_from_ivr_or_qa():
    code = "import sys, emotion, emotion.plot; emotion.score_file(__import__('numpy').zeros(8000, 'float32'), sr=8000); print(sorted(m for m in sys.modules if m.split('.')[0] in ('ivr', 'qa', 'parselmouth', 'opensmile')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("seconds", [0.3, 0.6, 1.0, 2.0, 3.0, 7.53])
def test_every_track_has_one_frame_per_hop(seconds, stimuli):
    y = np.tile(stimuli.say("en"), 2)[: int(seconds * SR)]
    a = FrameAnalyzer()
    tracks = FrameTracks.concat(a.push(y) + a.finish())
    want = n_frames(len(y))
    assert want == 1 + len(y) // HOP
    for name in ("intensity_db", "r_max", "period", "f0_hz", "hnr_db", "speech", "tonal", "alpha_db", "hammarberg_db", "slope_db_khz"):
        assert len(getattr(tracks, name)) == want, name
    f = emotion.clip_features(y, SR)
    assert f.t1 == pytest.approx(seconds, abs=1e-3)


def test_timeline_is_json_and_complete(agitated_timeline):
    d = json.loads(json.dumps(agitated_timeline.to_dict()))
    assert set(d) == {"duration_s", "summary", "turns", "hits", "windows"}
    assert d["summary"]["label"] in emotion.LABELS
    w = next(w for w in d["windows"] if w["score"] is not None)
    assert {"t0", "t1", "score", "smooth", "agitation", "flag", "label", "confidence", "reason", "cues", "features"} <= set(w)
    assert w["t1"] - w["t0"] <= 3.0
    ends = [w["t1"] for w in d["windows"]]
    assert ends == sorted(ends) and ends[0] == 1.0 and np.allclose(np.diff(ends)[:-1], 1.0)


def test_file_path_and_other_rates_agree(agitated_call, agitated_timeline, tmp_path):
    y, _ = agitated_call
    path = tmp_path / "call8k.wav"
    sf.write(path, np.round(resample(y, SR, 8000) * 32767).astype(np.int16), 8000, subtype="PCM_16")
    tl = emotion.score_file(path)
    a = {w.t1: w.flag for w in agitated_timeline.windows}
    b = {w.t1: w.flag for w in tl.windows}
    agree = np.mean([a[t] == b[t] for t in a if t in b])
    assert agree >= 0.9


def test_stream_matches_file(agitated_call):
    y, _ = agitated_call
    pcm8 = np.round(resample(y, SR, 8000) * 32767).astype(np.int16)
    ref = emotion.score_file(pcm8, sr=8000)
    s = emotion.StreamScorer(sample_rate=8000)
    live = []
    for i in range(0, len(pcm8), 160):  # 20 ms frames, as Twilio sends them
        live += s.feed(pcm8[i : i + 160].tobytes())
    assert live and all(isinstance(w, emotion.EmotionWindow) for w in live)
    final = s.finish()
    assert [w.t1 for w in final.windows[: len(live)]] == [w.t1 for w in live]
    ref_scores = {w.t1: w for w in ref.windows}
    diffs = [abs(w.score - ref_scores[w.t1].score) for w in final.windows if w.score is not None and ref_scores[w.t1].score is not None]
    assert len(diffs) >= 0.8 * len(final.windows)
    assert np.median(diffs) <= 0.02
    assert np.mean([w.flag == ref_scores[w.t1].flag for w in final.windows]) >= 0.95
    assert final.summary.label == ref.summary.label == "agitated"
    # memory stays flat: only the last block's context is kept, not the call
    assert len(s._pipe._analyzer._buf) < 2 * SR and len(s._pipe._blocks) <= 4


def test_stream_window_arrives_within_two_seconds(agitated_call):
    y, _ = agitated_call
    pcm8 = np.round(resample(y[: 5 * SR], SR, 8000) * 32767).astype(np.int16)
    s = emotion.StreamScorer(sample_rate=8000)
    seen = {}
    for i in range(0, len(pcm8), 160):
        for w in s.feed(pcm8[i : i + 160]):
            seen[w.t1] = (i + 160) / 8000
    assert seen and all(arrived - t1 <= 2.0 for t1, arrived in seen.items())


def test_transcript_fusion_and_turn_summaries(agitated_call):
    y, spans = agitated_call
    turns = [
        {"start": spans[0][0], "end": spans[0][1], "text": "Hello, I am calling about my order."},
        {"start": spans[5][0], "end": spans[5][1], "text": "This is ridiculous, I want your supervisor!"},
    ]
    tl = emotion.score_file(y, sr=SR, transcript=turns)
    assert [t.summary.label for t in tl.turns][0] == "calm"
    assert tl.turns[1].summary.label in ("tense", "agitated")
    assert {h.category for h in tl.hits} == {"complaint", "escalation"}
    assert any("supervisor" in r for r in tl.turns[1].summary.reasons)


def test_safety_phrase_flags_at_once():
    s = emotion.StreamScorer(sample_rate=8000)
    s.feed(np.zeros(8000, dtype=np.int16))
    assert s.summary.label == "calm" and s.summary.confidence == "none"
    hits = s.add_transcript("我真的不想活了", start=0.2, end=0.9)
    assert [h.category for h in hits] == ["safety"]
    assert s.summary.label == "distressed"
    tl = s.finish()
    assert tl.summary.label == "distressed"
    assert any(w.flag and w.label == "distressed" for w in tl.windows)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: emotion.score_file(np.zeros(100, dtype=np.float32)), "sample rate"),
        (lambda: emotion.score_file(np.array([0.0, np.nan], dtype=np.float32), sr=SR), "NaN"),
        (lambda: emotion.score_file(np.zeros(10, dtype=np.int32), sr=SR), "int16"),
        (lambda: emotion.score_file(np.zeros((2, 2, 2), dtype=np.float32), sr=SR), "1-D"),
        (lambda: emotion.score_file("/no/such/file.wav"), "cannot read"),
        (lambda: emotion.score_file(np.zeros(8000, dtype=np.float32), sr=SR, transcript=[{"text": "x"}]), "start/end"),
        (lambda: emotion.score_file(np.zeros(8000, dtype=np.float32), sr=SR, transcript=[{"text": "x", "start": 3, "end": 1}]), "bad times"),
        (lambda: emotion.score_file(np.zeros(8000, dtype=np.float32), sr=SR, blanks=[(2, 1)]), "blank"),
        (lambda: emotion.StreamScorer(sample_rate=100), "sample_rate"),
        (lambda: emotion.StreamScorer().feed(b"\x00"), "even length"),
        (lambda: emotion.StreamScorer().feed(np.zeros(4, dtype=np.float32)), "int16"),
    ],
)
def test_bad_input_raises_one_clear_error(call, message):
    with pytest.raises(emotion.EmotionError, match=message):
        call()


def test_not_audio_file_is_an_audio_error(tmp_path):
    p = tmp_path / "notes.wav"
    p.write_text("not audio")
    with pytest.raises(emotion.AudioInputError) as info:
        emotion.score_file(p)
    assert info.value.__cause__ is not None


def test_cli_text_json_and_plot(agitated_call, tmp_path):
    y, spans = agitated_call
    wav = tmp_path / "call.wav"
    sf.write(wav, y, SR)
    runner = CliRunner()
    res = runner.invoke(main, ["emotion", str(wav), "--plot", str(tmp_path / "t.png")])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].startswith("call.wav: agitated")
    agitated = [s for s in spans if s[2] == "agitated"]
    shown = [line.split()[1] for line in res.output.splitlines() if line.startswith("  flagged ")]
    assert shown, res.output
    start, end = (float(x) for x in shown[0].split("-"))
    assert agitated[0][0] < end and start < agitated[-1][1] + 4.0
    png = (tmp_path / "t.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    tr = tmp_path / "tr.json"
    tr.write_text(json.dumps([{"start": spans[6][0], "end": spans[6][1], "text": "我要投诉"}]), encoding="utf-8")
    res = runner.invoke(main, ["emotion", str(wav), "--json", "--transcript", str(tr)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["hits"][0]["phrase"] == "投诉" and d["summary"]["label"] == "agitated"
    flagged = d["summary"]["flagged_spans"]
    assert flagged and all(f["start"] < f["end"] and 0 < f["peak"] <= 1 for f in flagged)
    assert sum(f["end"] - f["start"] for f in flagged) == pytest.approx(d["summary"]["flagged_s"])
    assert any(f["start"] < agitated[-1][1] and f["end"] > agitated[0][0] for f in flagged)


def test_cli_bad_file_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    res = CliRunner().invoke(main, ["emotion", str(bad)])
    assert res.exit_code != 0
    lines = [l for l in res.output.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: cannot read audio file")
