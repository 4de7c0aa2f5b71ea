"""How simulated calls read: a trace per call, a summary table, the diff of a failed expectation."""

from __future__ import annotations

import json
from typing import Iterable

from ivr.simulator.call import CallResult


def trace(result: CallResult) -> str:
    """Every step of one call: call time, what happened, how long the server took."""
    sc = result.scenario
    lines = [f"== {sc.call_id} ({sc.source}) {result.call_sid}"]
    for step in result.steps:
        latency = f"  [{step.latency_ms:.0f} ms]" if step.latency_ms is not None else ""
        lines.append(f"  {step.at_ms / 1000:7.2f}s  {step.kind:<9} {step.text}{latency}")
    facts = result.facts
    if facts is not None:
        heard = ", ".join(f"{h.text!r} ({h.confidence:.2f})" for h in facts.heard) or "-"
        lines.append(f"  outcome {facts.outcome or '-'}; queue {facts.queue or '-'}; intent {facts.intent or '-'}; "
                     f"priority {facts.priority if facts.priority is not None else '-'}; emotion {facts.emotion or '-'}")
        lines.append(f"  path {' > '.join(facts.path) or '-'}")
        lines.append(f"  heard {heard}")
        if facts.qa_categories is not None:
            lines.append(f"  QA categories {', '.join(facts.qa_categories) or '-'}")
    lines.extend(diff(result))
    lines.append(f"  {'PASS' if result.passed else 'FAIL'}  {result.audio_s:.1f} s of call in {result.wall_s:.1f} s")
    return "\n".join(lines)


def diff(result: CallResult) -> list[str]:
    """Expected vs actual for each broken expectation (and the error, if the call could not run)."""
    out = [f"  ! error: {result.error}"] if result.error else []
    for m in result.mismatches:
        out.append(f"  ! {m.what}")
        out.append(f"      - expected {m.expected}")
        out.append(f"      + actual   {m.actual}")
    return out


def _cell(value) -> str:
    return "-" if value in (None, "", []) else str(value)


def summary(results: Iterable[CallResult]) -> str:
    """One row per call, then the totals."""
    results = list(results)
    header = ("call", "result", "outcome", "queue", "intent", "prio", "heard", "latency", "call s", "wall s")
    rows = []
    for r in results:
        f = r.facts
        latency = f"{max(r.speech_latencies_ms):.0f} ms" if r.speech_latencies_ms else "-"
        rows.append((r.scenario.call_id, "PASS" if r.passed else "FAIL", _cell(f and f.outcome), _cell(f and f.queue),
                     _cell(f and f.intent), _cell(f and f.priority), str(len(f.heard)) if f else "-", latency,
                     f"{r.audio_s:.1f}", f"{r.wall_s:.1f}"))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results)} call(s): {len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)


def as_json(results: Iterable[CallResult]) -> str:
    results = list(results)
    return json.dumps({"passed": all(r.passed for r in results), "calls": [r.to_dict() for r in results]},
                      ensure_ascii=False, indent=2)
