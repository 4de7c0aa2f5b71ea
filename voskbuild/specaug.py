"""Feature-space augmentation of MFCC frames while training: vocal-tract-length warps and masked bands.

A held-out voice differs from the training voices mostly in where its formants sit and in which bands
carry its energy. Both are linear maps of the log-mel spectrum, and Kaldi's MFCC is a linear map of
the log-mel spectrum (orthonormal DCT-II, then the sine lifter), so each augmentation is one 40 x 40
matrix on the cepstra, or its leading block for the first NUM_CEPS cepstra the model keeps. The
cepstra seen here are already mean-normalised; a linear map commutes with removing the mean, so a
masked band falls to the running mean, as SpecAugment's masks do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.fft import dct

from .features import HIGH_FREQ, LOW_FREQ, NUM_CEPS, NUM_MEL_BINS

CEPSTRAL_LIFTER = 22.0  # Kaldi's and kaldi-native-fbank's default


@dataclass(frozen=True)
class SpecAugment:
    """How strongly to perturb: a warp factor range, a band mask up to ``max_mask`` mel bins wide."""

    warp_range: tuple[float, float] = (0.9, 1.1)
    max_mask: int = 6
    keep_share: float = 0.2  # frames left untouched, so the clean features stay in the training mix
    bank_size: int = 256  # transforms drawn once; each frame picks one


def _mel(f: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _lifter(n: int = NUM_MEL_BINS) -> np.ndarray:
    return 1.0 + 0.5 * CEPSTRAL_LIFTER * np.sin(np.pi * np.arange(n) / CEPSTRAL_LIFTER)


def _dct(n: int = NUM_MEL_BINS) -> np.ndarray:
    """The orthonormal DCT-II matrix Kaldi uses: ceps = D @ log_mel."""
    return dct(np.eye(n), type=2, norm="ortho", axis=0)


def warp_matrix(alpha: float, n: int = NUM_MEL_BINS) -> np.ndarray:
    """(n, n) log-mel map of a vocal tract 1/alpha as long: the bin at f takes the value at f / alpha.

    Frequencies outside the band clamp to its edge bins; between bin centres values are linear in mel.
    """
    lo, hi = _mel(LOW_FREQ), _mel(HIGH_FREQ)
    step = (hi - lo) / (n + 1)
    centres_hz = 700.0 * (np.exp((lo + step * np.arange(1, n + 1)) / 1127.0) - 1.0)
    pos = np.clip((_mel(centres_hz / alpha) - lo) / step - 1.0, 0.0, n - 1.0)
    left = np.minimum(np.floor(pos).astype(int), n - 2)
    frac = pos - left
    w = np.zeros((n, n))
    w[np.arange(n), left] = 1.0 - frac
    w[np.arange(n), left + 1] = frac
    return w


def mask_matrix(start: int, width: int, n: int = NUM_MEL_BINS) -> np.ndarray:
    """(n, n) log-mel map that sets bins [start, start + width) to zero (the running mean)."""
    keep = np.ones(n)
    keep[start:start + width] = 0.0
    return np.diag(keep)


def cepstral(log_mel_map: np.ndarray) -> np.ndarray:
    """The same map on Kaldi cepstra, transposed for row vectors: ceps_out = ceps_in @ result."""
    d, lift = _dct(len(log_mel_map)), _lifter(len(log_mel_map))
    m = (lift[:, None] * d) @ log_mel_map @ (d.T / lift[None, :])
    return m.T


def transform_bank(config: SpecAugment, rng: np.random.Generator, dim: int = NUM_CEPS) -> np.ndarray:
    """(bank_size, dim, dim) random cepstral maps; the first is the identity.

    The maps act on the log-mel spectrum of all NUM_MEL_BINS bins; features that keep only the first
    ``dim`` cepstra (a smoothed spectrum) take the leading block of each map.
    """
    n = NUM_MEL_BINS
    bank = [np.eye(n)]
    while len(bank) < config.bank_size:
        log_mel = warp_matrix(float(rng.uniform(*config.warp_range)), n)
        width = int(rng.integers(0, config.max_mask + 1))
        if width:
            log_mel = mask_matrix(int(rng.integers(0, n - width + 1)), width, n) @ log_mel
        bank.append(cepstral(log_mel))
    return np.stack(bank)[:, :dim, :dim].astype(np.float32)


def augment_frames(spliced: np.ndarray, bank: np.ndarray, keep_share: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Apply one random map of the bank to every spliced frame (all its context frames alike)."""
    b, width = spliced.shape
    n = bank.shape[1]
    pick = rng.integers(1, len(bank), size=b)
    pick[rng.random(b) < keep_share] = 0
    frames = spliced.reshape(b, width // n, n).astype(np.float32, copy=False)
    return np.einsum("bon,bnm->bom", frames, bank[pick]).reshape(b, width)
