"""Frame-level analysis: every per-frame track on the shared 10 ms grid, computed block by block.

The same block code serves whole files and live streams (see :class:`FrameAnalyzer`), so a file and the
same audio streamed in 20 ms frames produce the same tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import webrtcvad

from .audio import ANALYSIS_RATE
from .grid import FRAME_RATE, HOP, PAD, frames, n_frames, segment
from .spectral import INTENSITY_WIN, SPEC_WIN, TONAL_GUARD_FRAMES, intensity_db, spectral_tracks, tonal_mask
from .voice_quality import Cycles, hnr_db, track_cycles
from .pitch import track_f0
from .voicing import AC_WIN, F0_CEILING, VOICING_THRESHOLD, periodicity

#: frames analysed per block (1 s): the scorer's hop
BLOCK = 100
#: context frames analysed on each side of a block and thrown away (the pitch path and the tone guard need them)
CONTEXT = 8
#: frames quieter than this are never voiced, dBFS (idle line noise sits near -70)
ABS_FLOOR_DB = -60.0
#: webrtcvad aggressiveness (0-3)
VAD_MODE = 2


@dataclass(frozen=True)
class FrameTracks:
    """Every per-frame track for frames ``first .. first + len - 1`` of the grid."""

    first: int
    """global index of the first frame (frame i is centred at i * 10 ms)"""
    intensity_db: np.ndarray
    """64 ms Hann level, dBFS"""
    r_max: np.ndarray
    """periodicity, 0..1"""
    period: np.ndarray
    """best period estimate, seconds (the pitch path where voiced, else the strongest lag); 0 = none"""
    f0_hz: np.ndarray
    """F0, Hz; NaN where the pitch path is unvoiced"""
    hnr_db: np.ndarray
    """harmonics-to-noise ratio at the period lag, dB; NaN where not periodic"""
    speech: np.ndarray
    """webrtcvad speech decision"""
    tonal: np.ndarray
    """DTMF / call-progress tone (with a 50 ms guard): excluded from every feature"""
    alpha_db: np.ndarray
    """alpha ratio, dB"""
    hammarberg_db: np.ndarray
    """Hammarberg index, dB"""
    slope_db_khz: np.ndarray
    """spectral slope 300-3400 Hz, dB/kHz"""
    cycles: Cycles
    """glottal cycles that start in these frames"""

    def __len__(self) -> int:
        return len(self.intensity_db)

    @property
    def ac_voiced(self) -> np.ndarray:
        """Periodic, audible and not a tone (the voicing gate before the window's relative level rule)."""
        return (self.r_max > VOICING_THRESHOLD) & (self.intensity_db > ABS_FLOOR_DB) & ~self.tonal

    @staticmethod
    def concat(parts: list["FrameTracks"]) -> "FrameTracks":
        arrays = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(FrameTracks)
            if f.name not in ("first", "cycles")
        }
        return FrameTracks(first=parts[0].first, cycles=Cycles.concat([p.cycles for p in parts]), **arrays)

    def slice(self, a: int, b: int) -> "FrameTracks":
        """Frames with global index a <= i < b."""
        lo, hi = max(a - self.first, 0), max(min(b - self.first, len(self)), 0)
        arrays = {
            f.name: getattr(self, f.name)[lo:hi] for f in fields(FrameTracks) if f.name not in ("first", "cycles")
        }
        t0, t1 = (self.first + lo - 0.5) * HOP / ANALYSIS_RATE, (self.first + hi - 0.5) * HOP / ANALYSIS_RATE
        return FrameTracks(first=self.first + lo, cycles=self.cycles.between(t0, t1), **arrays)


def _vad_track(vad: webrtcvad.Vad, y: np.ndarray, y0: int, first: int, count: int) -> np.ndarray:
    """webrtcvad on 10 ms frames; frame i covers samples [i*HOP, (i+1)*HOP)."""
    seg = np.zeros(count * HOP, dtype=np.float32)
    lo, hi = first * HOP - y0, (first + count) * HOP - y0
    a, b = max(lo, 0), min(hi, len(y))
    if b > a:
        seg[a - lo : b - lo] = y[a:b]
    pcm = np.clip(np.round(seg * 32767.0), -32768, 32767).astype(np.int16).tobytes()
    step = HOP * 2
    return np.array([vad.is_speech(pcm[i * step : (i + 1) * step], ANALYSIS_RATE) for i in range(count)], dtype=bool)


def _blank_mask(first: int, count: int, blanks: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Frames whose centre lies within TONAL_GUARD_FRAMES of a blanked interval."""
    t = (first + np.arange(count)) / FRAME_RATE
    guard = TONAL_GUARD_FRAMES / FRAME_RATE
    mask = np.zeros(count, dtype=bool)
    for a, b in blanks:
        mask |= (t >= a - guard) & (t <= b + guard)
    return mask


def analyze_block(
    y: np.ndarray,
    y0: int,
    first: int,
    count: int,
    vad: webrtcvad.Vad,
    run_base: int,
    prev_peak: float = 0.0,
    blanks: tuple[tuple[float, float], ...] = (),
) -> FrameTracks:
    """Tracks for frames ``first .. first+count-1`` from samples ``y`` that start at global sample ``y0``.

    Samples outside ``y`` are zeros (the edges of the call). ``vad`` is advanced over these frames only.
    ``prev_peak`` is the loudest sample heard before (the pitch tracker's silence reference). ``blanks`` are
    (start, end) seconds known to hold keypad tones (IVR events); they are treated as tones, with the guard.
    """
    if y0 % HOP:
        raise ValueError("buffer offset must be a whole number of frames")
    lo = first - CONTEXT
    total = count + 2 * CONTEXT
    seg = segment(y, lo - y0 // HOP, total)
    level = intensity_db(frames(seg, INTENSITY_WIN, total))
    spec = spectral_tracks(frames(seg, SPEC_WIN, total))
    ac_frames = frames(seg, AC_WIN, total)
    per = periodicity(ac_frames)
    tonal = tonal_mask(spec.tonal_raw) | _blank_mask(lo, total, blanks)
    local_peak = np.abs(ac_frames).max(axis=1)
    global_peak = max(prev_peak, float(local_peak.max()))
    f0, r_path = track_f0(per.ac, per.lo, per.hi, local_peak, global_peak, F0_CEILING)
    f0 = np.where(tonal | (level <= ABS_FLOOR_DB), np.nan, f0)
    f0_period = np.where(np.isfinite(f0), 1.0 / np.where(np.isfinite(f0), f0, 1.0), 0.0)
    period = np.where(f0_period > 0, f0_period, per.period).astype(np.float32)
    # HNR at the path's (refined) peak; frames off the path use their strongest peak
    r_at = np.where(f0_period > 0, r_path, per.r_max)
    voiced = (per.r_max > VOICING_THRESHOLD) & (level > ABS_FLOOR_DB) & ~tonal
    hnr = np.where(voiced & np.isfinite(r_at), hnr_db(np.nan_to_num(r_at)), np.nan).astype(np.float32)
    keep = slice(CONTEXT, CONTEXT + count)
    seg_t0 = (lo * HOP - PAD) / ANALYSIS_RATE
    frame_t0 = first * HOP / ANALYSIS_RATE
    # cycles over the pitch path's voicing too: strong jitter lowers r_max and would cut the runs short
    periodic = (voiced | np.isfinite(f0))[keep]
    cycles = track_cycles(seg, seg_t0, frame_t0, period[keep], periodic, run_base)
    return FrameTracks(
        first=first,
        intensity_db=level[keep],
        r_max=per.r_max[keep],
        period=period[keep],
        f0_hz=f0[keep].astype(np.float32),
        hnr_db=hnr[keep],
        speech=_vad_track(vad, y, y0, first, count) & ~tonal[keep],
        tonal=tonal[keep],
        alpha_db=spec.alpha_db[keep],
        hammarberg_db=spec.hammarberg_db[keep],
        slope_db_khz=spec.slope_db_khz[keep],
        cycles=cycles,
    )


class FrameAnalyzer:
    """Turns a growing 16 kHz signal into :class:`FrameTracks`, one 1 s block at a time.

    Holds only what the next block needs (its left context), so memory stays flat over a long call.
    """

    def __init__(self) -> None:
        self._vad = webrtcvad.Vad(VAD_MODE)
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf0 = 0  # global index of _buf[0]
        self._n = 0  # samples received
        self._next = 0  # next frame to analyse
        self._peak = 0.0  # loudest sample so far (absolute)
        self.blanks: list[tuple[float, float]] = []  # keypad-tone intervals reported by the IVR, seconds

    @property
    def samples_seen(self) -> int:
        return self._n

    @property
    def frames_done(self) -> int:
        return self._next

    def push(self, samples: np.ndarray) -> list[FrameTracks]:
        """Add samples; return the blocks that are now complete (their right context has arrived)."""
        self._buf = np.concatenate([self._buf, np.asarray(samples, dtype=np.float32)])
        self._n += len(samples)
        out = []
        while (self._next + BLOCK - 1 + CONTEXT) * HOP + PAD <= self._n:
            out.append(self._block(BLOCK))
        return out

    def finish(self) -> list[FrameTracks]:
        """Analyse every remaining frame (the call has ended: 1 + samples // HOP frames in all)."""
        out = []
        total = n_frames(self._n)
        while self._next < total:
            out.append(self._block(min(BLOCK, total - self._next)))
        return out

    def _block(self, count: int) -> FrameTracks:
        # cycle-run ids: a block has fewer than 1000 runs (at most 6 cycles per 10 ms frame), so these never collide
        tracks = analyze_block(
            self._buf, self._buf0, self._next, count, self._vad, self._next * 1000, self._peak, tuple(self.blanks)
        )
        hi = min((self._next + count + CONTEXT) * HOP + PAD, self._n) - self._buf0
        lo = max((self._next - CONTEXT) * HOP - PAD - self._buf0, 0)
        if hi > lo:
            self._peak = max(self._peak, float(np.abs(self._buf[lo:hi]).max()))
        self._next += count
        keep_from = max((self._next - CONTEXT) * HOP - PAD, 0)
        keep_from -= keep_from % HOP
        if keep_from > self._buf0:
            self._buf = self._buf[keep_from - self._buf0 :]
            self._buf0 = keep_from
        return tracks
