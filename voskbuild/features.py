"""MFCC features computed exactly as Vosk computes them from ``conf/mfcc.conf`` (band 20-3800 Hz).

kaldi-native-fbank must see int16-scale samples and Kaldi's default dither of 1.0 (its own default,
3e-5, assumes float audio in [-1, 1]); the options below mirror the conf file written next to the model.
"""

from __future__ import annotations

import numpy as np

NUM_MEL_BINS = 40
#: cepstra kept of the 40: the first 20 describe the spectral envelope (formants); the higher ones
#: resolve single pitch harmonics, which differ by voice and not by word, and let a network trained on
#: few voices tell them apart by pitch instead of by phone (40 -> 20 raised held-out English accuracy)
NUM_CEPS = 20
FRAME_SHIFT = 0.01  # seconds
LOW_FREQ = 20  # Hz
# Hz: telephone audio has nothing above ~3.4 kHz, and what an upsampler leaves there differs by
# resampler (soxr vs Kaldi's own when vosk is fed 8 kHz); ignoring that band makes the features of
# wideband audio, soxr-upsampled and vosk-upsampled telephone audio alike
HIGH_FREQ = 3800

MFCC_CONF = f"""--use-energy=false
--num-mel-bins={NUM_MEL_BINS}
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
    opts.mel_opts.num_bins = NUM_MEL_BINS
    opts.mel_opts.low_freq = LOW_FREQ
    opts.mel_opts.high_freq = HIGH_FREQ
    opts.num_ceps = NUM_CEPS
    opts.use_energy = False
    return opts


def mfcc(audio: np.ndarray, rate: int = 16000, dither: float = 1.0, seed: int | None = None) -> np.ndarray:
    """(frames, NUM_CEPS) float32 MFCCs of int16 audio (10 ms shift, 25 ms window, snip-edges).

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


#: Vosk applies Kaldi's online cepstral mean normalisation when ``am/global_cmvn.stats`` exists, with
#: OnlineCmvnOptions' defaults: the mean of the last 600 frames (this one included), topped up with
#: 200 frames' worth of the global mean while fewer than 600 are seen. Removing the running mean takes
#: out a channel's and a voice's fixed spectral tilt, which synthetic training voices exaggerate.
CMN_WINDOW = 600
CMN_GLOBAL_FRAMES = 200
CMVN_STATS_FILE = "am/global_cmvn.stats"


def global_cmvn_stats(feats: list[np.ndarray]) -> np.ndarray:
    """Kaldi CMVN stats over all frames: row 0 = per-dim sums + count, row 1 = sums of squares + 0."""
    dim = feats[0].shape[1]
    stats = np.zeros((2, dim + 1), dtype=np.float64)
    for f in feats:
        x = f.astype(np.float64)
        stats[0, :dim] += x.sum(axis=0)
        stats[1, :dim] += np.square(x).sum(axis=0)
        stats[0, dim] += len(x)
    return stats


def online_cmn(feats: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """Kaldi's OnlineCmvn (means only) for one stream that starts at frame 0, as Vosk computes it."""
    x = feats.astype(np.float64)
    n, dim = x.shape
    if n == 0:
        return feats.astype(np.float32)
    csum = np.vstack([np.zeros((1, dim)), np.cumsum(x, axis=0)])
    t = np.arange(n)
    lo = np.maximum(0, t - CMN_WINDOW + 1)
    sums = csum[t + 1] - csum[lo]
    count = (t + 1 - lo).astype(np.float64)
    from_global = np.minimum(CMN_WINDOW - count, CMN_GLOBAL_FRAMES)
    sums += from_global[:, None] * (stats[0, :dim] / stats[0, dim])[None, :]
    count += from_global
    return (x - sums / count[:, None]).astype(np.float32)


def cmvn_stats_text(stats: np.ndarray) -> str:
    """Kaldi text form of a double matrix (what ReadKaldiObject reads without a binary header)."""
    rows = "\n".join("  " + " ".join(f"{v:.10g}" for v in row) for row in stats)
    return f" [\n{rows} ]\n"
