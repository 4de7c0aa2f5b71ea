"""Many simulated calls: load scenarios, run them (optionally side by side), collect results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from ivr.simulator.audio import AudioMaker, read_caller_wav
from ivr.simulator.call import CallResult, SimulatedCall
from ivr.simulator.scenario import CallScenario, load_call_scenario
from ivr.simulator.server import Target


def load_all(paths: Iterable[str | Path]) -> list[CallScenario]:
    """Every scenario, checked before any call is placed (the first bad file is the error).

    WAV turns are read here too, so a wrong sample rate or a broken file is an error with the
    scenario's file and line, not a failed call halfway through the run.
    """
    scenarios = [load_call_scenario(p) for p in paths]
    for scenario in scenarios:
        for turn in scenario.turns:
            if turn.kind == "wav":
                read_caller_wav(turn.wav, turn.where)
    return scenarios


def run_calls(target: Target, scenarios: list[CallScenario], *, audio: AudioMaker | None = None,
              realtime: bool = False, jobs: int = 1) -> list[CallResult]:
    """Run ``scenarios`` against ``target``; ``jobs`` calls at a time. Results keep the input order."""
    audio = audio or AudioMaker()

    def one(scenario: CallScenario) -> CallResult:
        return SimulatedCall(target, scenario, audio, realtime=realtime).run()

    if jobs <= 1 or len(scenarios) <= 1:
        return [one(s) for s in scenarios]
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="simcall") as pool:
        return list(pool.map(one, scenarios))
