"""QA web app page times: the call list over many stored calls and the page of a 10-minute call,
SQLite and PostgreSQL side by side, measured as server time (Flask test client, no network).

    python bench/bench_qaweb.py [--calls 10000] [--repeats 30] [--postgres-url URL]

The list's calls are bench_qa_search.py's synthetic rows (4 turns each, half Mandarin, half
English). The long call is a synthetic analysis of 10 minutes: a turn every 3 s alternating
caller and agent, an emotion point per second for both parties, 12 categories, a 10-minute
dual-channel 8 kHz recording on disk. Each page is requested ``--repeats`` times as a supervisor
(after one warm-up) and the median and p95 in ms are printed, with the PG/SQLite ratio.
PostgreSQL comes from ``--postgres-url`` or HOTLINE_TEST_POSTGRES_URL (a scratch schema, dropped
afterwards); without one, SQLite only.

Not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_qa_search import load, postgres_schema, synthetic_rows  # noqa: E402
from ivr.app import create_app  # noqa: E402
from ivr.config import load_settings  # noqa: E402
from qa.analysis import CallAnalysis, CategoryResult, EmotionPoint, Match, PartyEmotion, RulesOutcome, Turn, Word  # noqa: E402
from qa.store import AnalysisStore, UserStore  # noqa: E402
from qa.web.accounts import hash_password  # noqa: E402

LONG_SID = "CALONG0001"
LONG_MS = 10 * 60 * 1000
PAGES = [
    ("list, newest first", "/qa/calls/"),
    ("list, page 200", "/qa/calls/?page=200"),
    ("list, filters + sort", "/qa/calls/?skill=complaints&emotion=agitated&sort=duration"),
    ("search zh (退货)", "/qa/calls/?q=退货"),
    ("search en (refund) + state", "/qa/calls/?q=refund&state=new"),
    ("call page, 10-min call", f"/qa/calls/{LONG_SID}/"),
    ("audio range 64 KiB mid-call", f"/qa/calls/{LONG_SID}/audio"),
]


def long_call(store, folder: Path) -> None:
    """A 10-minute analysed call with its recording (see the module docstring)."""
    store.start_call(LONG_SID, caller="+8613800138000", called="+86950618", locale="zh-CN", state={"node": "main"},
                     events=[("node_entered", "main", {"type": "menu"}), ("digits", "main", {"digits": "2"}),
                             ("route", "after_sales", {"skill": "after_sales", "reasons": ["key 2"]})])
    turns = []
    for i, start in enumerate(range(0, LONG_MS - 3000, 3000)):
        party = "caller" if i % 2 else "agent"
        text = "我要 退货 这个 东西 坏了" if party == "caller" else "您好 很 高兴 为您 服务 请 稍等"
        words = tuple(Word(w, start + 300 * k, start + 300 * k + 250) for k, w in enumerate(text.split()))
        turns.append(Turn(party, start, start + 2500, text, words=words, redacted_text=text))
    emotion = {p: PartyEmotion(p, tuple(EmotionPoint(t, t + 3000, float(0.5 + 0.4 * np.sin(t / 20000)), "calm",
                                                     bool(np.sin(t / 20000) > 0.9))
                                        for t in range(0, LONG_MS - 3000, 1000)), label="tense")
               for p in ("caller", "agent")}
    analysis = CallAnalysis(LONG_SID, "RELONG", "transcript", "bench", LONG_MS, tuple(turns), emotion)
    outcome = RulesOutcome("bench@1", tuple(
        CategoryResult(f"rule_{n}", "minor", -1.0, "politeness", f"Rule {n}",
                       tuple(Match("agent", 30_000 * n + k * 1000, 30_000 * n + k * 1000 + 500, "x") for k in range(3)))
        for n in range(12)))
    wav = folder / "long.wav"
    rng = np.random.default_rng(1)
    sf.write(str(wav), (rng.standard_normal((LONG_MS * 8, 2)) * 0.05).astype(np.float32), 8000, subtype="PCM_16")
    AnalysisStore(store).save_analysis(LONG_SID, analysis, outcome, audio={"original": str(wav), "redacted": str(wav)})


def measure(url: str, rows, repeats: int, folder: Path) -> dict[str, tuple[float, float]]:
    settings = load_settings(config_path=None, env={}, overrides={
        "database_url": url, "instance_path": str(folder / "instance"), "speech_navigation": "off",
        "qa_jobs": "off", "public_url": "http://127.0.0.1:5000", "twilio_auth_token": "bench"})
    app = create_app(settings)
    store = app.extensions["hotline"].store
    print(f"  loaded {len(rows[0])} calls in {load(store, rows):.1f} s")
    long_call(store, folder)
    UserStore(store).add("bench", hash_password("bench-password"), "supervisor")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/qa/login").text).group(1)
    assert client.post("/qa/login", data={"name": "bench", "password": "bench-password",
                                           "csrf_token": token}).status_code == 302
    results = {}
    middle = LONG_MS * 16 // 2  # bytes: 8 kHz, 2 channels, 16 bit
    for name, path in PAGES:
        headers = {"Range": f"bytes={middle}-{middle + 65535}"} if path.endswith("/audio") else {}
        assert client.get(path, headers=headers).status_code in (200, 206), path  # warm
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        results[name] = (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))])
    app.extensions["hotline"].service.close()
    store.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres-url", default=os.environ.get("HOTLINE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()

    rows = synthetic_rows(args.calls)
    measured: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite:")
        measured["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", rows, args.repeats, Path(tmp))
        if args.postgres_url:
            print("postgresql:")
            with postgres_schema(args.postgres_url) as url:
                (Path(tmp) / "pg").mkdir()
                measured["postgresql"] = measure(url, rows, args.repeats, Path(tmp) / "pg")

    header = f"{'page (server time, ms)':32} {'sqlite med':>10} {'p95':>7}"
    if "postgresql" in measured:
        header += f" {'pg med':>8} {'p95':>7} {'pg/sqlite':>9}"
    print(header)
    for name, _ in PAGES:
        med, p95 = measured["sqlite"][name]
        line = f"{name:32} {med:10.1f} {p95:7.1f}"
        if "postgresql" in measured:
            pg_med, pg_p95 = measured["postgresql"][name]
            line += f" {pg_med:8.1f} {pg_p95:7.1f} {pg_med / med:9.2f}"
        print(line)


if __name__ == "__main__":
    main()
