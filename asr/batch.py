"""Batch transcription of recordings: per channel, speech regions only, many files in parallel."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from asr.audio import read_audio
from asr.errors import ASRError, AudioError, ModelInvalid
from asr.loader import LoadedModel, load_model
from asr.registry import inspect_model, resolve_model
from asr.stream import StreamRecognizer
from asr.transcript import ChannelTranscript, Segment, Transcript
from asr.vad import VadConfig, vad_segments

#: hotline's dual-channel recordings: channel 0 is the caller, channel 1 the agent/IVR
DEFAULT_ROLES = ("caller", "agent")
#: VAD used to skip silence: generous padding so Vosk sees each word's onset and tail
BATCH_VAD = VadConfig(aggressiveness=1, padding_ms=300, hangover_ms=500)


def _role(index: int, roles: Sequence[str]) -> str:
    return roles[index] if index < len(roles) else f"channel{index}"


def transcribe(path: str | os.PathLike, model: LoadedModel | str | os.PathLike | None = None, *,
               models_dir: str | os.PathLike | None = None, channels: Sequence[int] | None = None,
               roles: Sequence[str] = DEFAULT_ROLES, use_vad: bool = True,
               vad: VadConfig = BATCH_VAD) -> Transcript:
    """Transcribe one file, each channel separately, with word times from the file start.

    ``channels``: which channels (default all); ``roles``: their names by index.
    With ``use_vad`` only speech regions are decoded (silence is skipped, times kept).
    Raises :class:`AudioError` for a bad file, :class:`ModelError` for a bad model.
    """
    audio = read_audio(path)  # before the model: a bad file fails fast
    wanted = list(range(audio.channels)) if channels is None else list(channels)
    for c in wanted:
        audio.channel(c)  # raises AudioError naming the missing channel
    loaded = load_model(model, models_dir)
    started = time.perf_counter()
    speech = 0.0
    results: list[ChannelTranscript] = []
    rate = loaded.sample_rate
    # one recognizer for the whole file, reset between regions and channels, then handed
    # back to the model for the next file: a new one re-expands its decoding graph
    with StreamRecognizer(loaded, rate, partials=False) as rec:
        segments_by_channel = [_decode_channel(rec, audio.pcm16(c, rate), rate, use_vad, vad) for c in wanted]
    for c, (segments, decoded) in zip(wanted, segments_by_channel):
        speech += decoded
        results.append(ChannelTranscript(c, _role(c, roles), tuple(segments)))
    return Transcript(
        source=str(path), model=loaded.name, sample_rate=audio.sample_rate, duration=round(audio.duration, 3),
        channels=tuple(results), speech_seconds=round(speech, 3),
        decode_seconds=round(time.perf_counter() - started, 3),
    )


def _decode_channel(rec: StreamRecognizer, pcm, rate: int, use_vad: bool, vad: VadConfig) -> tuple[list[Segment], float]:
    """Segments of one channel and the seconds of audio decoded."""
    if use_vad:
        regions = [(s.start, s.end) for s in vad_segments(pcm, rate, vad)]
    else:
        regions = [(0.0, pcm.size / rate)]
    segments: list[Segment] = []
    decoded = 0.0
    for start, end in regions:
        rec.reset(at=start)
        chunk = pcm[int(round(start * rate)):int(round(end * rate))]
        decoded += chunk.size / rate
        finals = [r for r in rec.accept(chunk) if r.is_final]
        last = rec.finish()
        finals += [last] if last is not None else []
        segments += [Segment.from_result(r) for r in finals]
    return segments, decoded


@dataclass(frozen=True)
class BatchItem:
    """The outcome for one file of :func:`transcribe_many`: a transcript or an error message."""

    path: str
    transcript: Transcript | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _transcribe_item(path: str, model: str | None, models_dir: str | None, options: dict) -> BatchItem:
    try:
        return BatchItem(path, transcribe(path, model, models_dir=models_dir, **options))
    except ASRError as exc:
        return BatchItem(path, error=str(exc))


def _warm_worker(model: str | None, models_dir: str | None) -> None:
    load_model(model, models_dir)  # once per worker process, before the first file


def transcribe_many(paths: Iterable[str | os.PathLike], model: str | os.PathLike | LoadedModel | None = None, *,
                    models_dir: str | os.PathLike | None = None, jobs: int = 1, progress: bool = False,
                    **options) -> list[BatchItem]:
    """Transcribe many files; ``jobs`` > 1 uses that many worker processes (one model each).

    Returns one :class:`BatchItem` per path, in order; a bad file is reported in its
    item and does not stop the others. ``progress`` shows a tqdm bar on stderr.
    """
    from tqdm import tqdm

    files = [str(p) for p in paths]
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    if isinstance(model, LoadedModel):
        model_ref: str | None = str(model.info.path)
    else:
        model_ref = str(model) if model else None
    md = str(models_dir) if models_dir else None
    bar = tqdm(total=len(files), desc="transcribe", unit="file", disable=not progress)
    try:
        if jobs == 1 or len(files) <= 1:
            loaded = model if isinstance(model, LoadedModel) else None
            items = []
            for f in files:
                if loaded is None:
                    items.append(_transcribe_item(f, model_ref, md, options))
                else:
                    try:
                        items.append(BatchItem(f, transcribe(f, loaded, **options)))
                    except ASRError as exc:
                        items.append(BatchItem(f, error=str(exc)))
                bar.update()
            return items
        import multiprocessing

        # check the model here, so a bad one is one clear error instead of a broken pool
        info = inspect_model(resolve_model(model_ref, md))
        if info.missing:
            raise ModelInvalid(info.path, info.missing)
        model_ref = str(info.path)

        # spawn: Vosk/OpenBLAS threads in a forked parent can deadlock the child
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=ctx,
                                 initializer=_warm_worker, initargs=(model_ref, md)) as pool:
            futures = [pool.submit(_transcribe_item, f, model_ref, md, options) for f in files]
            items = []
            for fut in futures:
                items.append(fut.result())
                bar.update()
            return items
    finally:
        bar.close()


def check_audio_files(paths: Iterable[str | os.PathLike]) -> dict[str, str]:
    """Unreadable files and why, by path (cheap: no model is loaded)."""
    problems = {}
    for p in paths:
        try:
            read_audio(Path(p))
        except AudioError as exc:
            problems[str(p)] = str(exc)
    return problems
