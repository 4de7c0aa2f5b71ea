"""MFCC features computed exactly as Vosk computes them from ``conf/mfcc.conf`` (band 20-3800 Hz).

kaldi-native-fbank must see int16-scale samples and Kaldi's default dither of 1.0 (its own default,
3e-5, assumes float audio in [-1, 1]); the options below mirror the conf file written next to the model.
"""

from __future__ import annotations

import numpy as np

NUM_CEPS = 40
FRAME_SHIFT = 0.01  # seconds
LOW_FREQ = 20  # Hz
# Hz: telephone audio has nothing above ~3.4 kHz, and what an upsampler leaves there differs by
# resampler (soxr vs Kaldi's own when vosk is fed 8 kHz); ignoring that band makes the features of
# wideband audio, soxr-upsampled and vosk-upsampled telephone audio alike
HIGH_FREQ = 3800

MFCC_CONF = f"""--use-energy=false
--num-mel-bins={NUM_CEPS}
--num-ceps={NUM_CEPS}
--low-freq={LOW_FREQ}
--high-freq={HIGH_FREQ}
--allow-upsample=true
--allow-downsample=true
"""


def _options(rate: int, dither: float):
    import kaldi_native_fbank as knf

    opts = knf.MfccOptions()
    opts.frame_opts.samp_freq = rate
    opts.frame_opts.dither = dither
    opts.mel_opts.num_bins = NUM_CEPS
    opts.mel_opts.low_freq = LOW_FREQ
    opts.mel_opts.high_freq = HIGH_FREQ
    opts.num_ceps = NUM_CEPS
    opts.use_energy = False
    return opts


def mfcc(audio: np.ndarray, rate: int = 16000, dither: float = 1.0, seed: int | None = None) -> np.ndarray:
    """(frames, 40) float32 MFCCs of int16 audio (10 ms shift, 25 ms window, snip-edges).

    With a ``seed`` the dither noise (same strength as Kaldi's) is drawn here from a seeded generator
    instead of inside kaldi-native-fbank, so the same audio always gives the same features.
    """
    import kaldi_native_fbank as knf

    samples = np.asarray(audio, dtype=np.float64)
    if seed is not None and dither:
        samples = samples + dither * np.random.default_rng(seed).standard_normal(len(samples))
        dither = 0.0
    computer = knf.OnlineMfcc(_options(rate, dither))
    computer.accept_waveform(rate, samples.astype(np.float32).tolist())
    computer.input_finished()
    n = computer.num_frames_ready
    if n == 0:
        return np.zeros((0, NUM_CEPS), dtype=np.float32)
    return np.asarray([computer.get_frame(i) for i in range(n)], dtype=np.float32)
