"""The post-call job for one recording: fetch, analyse, apply the rules, redact, store.

Idempotent: the original is downloaded once (kept under ``recordings_dir/<CallSid>/``), and
storing an analysis replaces the call's previous one in one transaction, so running the
job twice leaves one analysis. Every failure is a :class:`qa.errors.QAError` (or a store
error) whose message says what went wrong; the job queue decides whether to retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from qa.errors import StorageError, UnknownCall
from qa.fetch import FetchConfig, fetch_recording
from qa.pipeline.analyzer import Analyzer
from qa.pipeline.callinfo import agent_start_ms, call_facts
from qa.pipeline.recording import load_call_audio
from qa.store import AnalysisStore, CallNotFound, CallStore

log = logging.getLogger(__name__)

#: the job kind in the job table
ANALYZE_RECORDING = "analyze_recording"


def job_key(recording_sid: str) -> str:
    """One job per recording: the key that makes enqueueing idempotent."""
    return f"{ANALYZE_RECORDING}:{recording_sid}"


@dataclass
class JobServices:
    """What a post-call job needs; built once per worker process."""

    store: CallStore
    analyzer: Analyzer
    fetch: FetchConfig
    recordings_dir: Path

    @property
    def analyses(self) -> AnalysisStore:
        return AnalysisStore(self.store)


def recording_paths(recordings_dir: Path, call_sid: str, recording_sid: str) -> tuple[Path, Path]:
    folder = Path(recordings_dir) / _safe_name(call_sid)
    name = _safe_name(recording_sid)
    return folder / f"{name}.wav", folder / f"{name}.redacted.wav"


def _safe_name(sid: str) -> str:
    # SIDs are [A-Za-z0-9]; anything else must not become a path component
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in sid) or "_"


def _recording_start(payload: dict[str, Any]) -> datetime | None:
    text = payload.get("recording_start") or ""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)  # Twilio: RFC 2822 ("Fri, 04 Dec 2026 20:49:35 +0000")
    except (TypeError, ValueError):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            log.warning("ignoring unreadable RecordingStartTime %r", text)
            return None


def analyze_recording(payload: dict[str, Any], services: JobServices) -> dict[str, Any]:
    """Run the whole post-call analysis of one recording; returns a short summary."""
    call_sid, recording_sid = payload["call_sid"], payload["recording_sid"]
    try:
        record = services.store.get_call(call_sid)
    except CallNotFound:
        raise UnknownCall(f"recording {recording_sid} belongs to call {call_sid}, which hotline has no record of") \
            from None
    original, redacted_path = recording_paths(services.recordings_dir, call_sid, recording_sid)
    if not original.is_file():
        fetch_recording(payload.get("url") or payload.get("path") or "", original, services.fetch)
    audio = load_call_audio(original, services.analyzer.config.channels)
    agent_ms = payload.get("agent_start_ms")
    if agent_ms is None:
        agent_ms = agent_start_ms(record, _recording_start(payload))
    analyzer = services.analyzer
    analysis = analyzer.analyze(audio, call_sid=call_sid, recording_sid=recording_sid, facts=call_facts(record),
                                agent_start_ms=agent_ms)
    analysis, outcome = analyzer.conclude(analysis, started_at=_recording_start(payload) or record.started_at)
    try:
        analysis, masked = analyzer.redact(analysis, original, redacted_path)
    except OSError as exc:
        raise StorageError(f"cannot write the redacted recording {redacted_path}: {exc.strerror or exc}") from exc
    files = {"original": str(original), "redacted": str(redacted_path), "masked": masked,
             "channels": {"caller": analyzer.config.channels.caller, "outbound": analyzer.config.channels.outbound}}
    services.analyses.save_analysis(call_sid, analysis, outcome, audio=files)
    log.info("call %s: analysed recording %s (%s, %d turns, %d categories)", call_sid, recording_sid,
             analysis.mode, len(analysis.turns), len(outcome.categories))
    return {"call_sid": call_sid, "recording_sid": recording_sid, "mode": analysis.mode,
            "audio_s": round(analysis.duration_ms / 1000, 3), "turns": len(analysis.turns),
            "categories": [c.category for c in outcome.categories], "followups": len(outcome.followups),
            "rules_version": outcome.rules_version}
