"""The post-call pipeline: a recording in, a stored, analysed, redacted transcript out.

    fetch (qa.fetch) -> load + split channels (recording) -> IVR/agent cut (callinfo)
    -> per party: speech regions + recognition (recognize), emotion (emotions), caller intents
    -> characteristics + rules (analyzer.conclude) -> redaction (text and audio) -> store (job)
"""

from qa.pipeline.analyzer import Analyzer, AnalyzerConfig, is_command_model, lang_of
from qa.pipeline.callinfo import agent_start_ms, call_facts
from qa.pipeline.job import ANALYZE_RECORDING, JobServices, analyze_recording, job_key, recording_paths
from qa.pipeline.recording import CallAudio, ChannelMap, load_call_audio

__all__ = [
    "ANALYZE_RECORDING",
    "Analyzer",
    "AnalyzerConfig",
    "CallAudio",
    "ChannelMap",
    "JobServices",
    "agent_start_ms",
    "analyze_recording",
    "call_facts",
    "is_command_model",
    "job_key",
    "lang_of",
    "load_call_audio",
    "recording_paths",
]
