"""Feature-space augmentation: each map on the cepstra is the intended map on Kaldi's log-mel spectrum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.fft import dct

from voskbuild.features import HIGH_FREQ, LOW_FREQ, NUM_CEPS, NUM_MEL_BINS, mfcc
from voskbuild.specaug import (SpecAugment, augment_frames, cepstral, mask_matrix, transform_bank,
                               warp_matrix)


def _log_mel(audio: np.ndarray) -> np.ndarray:
    """kaldi-native-fbank's log-mel energies with the MFCC's band and bins (no dither)."""
    import kaldi_native_fbank as knf

    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = 16000
    opts.frame_opts.dither = 0.0
    opts.mel_opts.num_bins = NUM_MEL_BINS
    opts.mel_opts.low_freq = LOW_FREQ
    opts.mel_opts.high_freq = HIGH_FREQ
    opts.use_energy = False
    fbank = knf.OnlineFbank(opts)
    fbank.accept_waveform(16000, audio.astype(np.float32).tolist())  # int16 scale, as Kaldi
    fbank.input_finished()
    return np.array([fbank.get_frame(i) for i in range(fbank.num_frames_ready)])


@pytest.fixture(scope="module")
def vowel_like():
    """A 150 Hz pulse train through two resonances: a spectrum with peaks to move and mask."""
    from scipy.signal import lfilter

    rate, n = 16000, 8000
    src = np.zeros(n)
    src[:: rate // 150] = 8000.0
    out = src
    for f, bw in ((700, 80), (1800, 120)):
        r = np.exp(-np.pi * bw / rate)
        out = lfilter([1.0], [1.0, -2 * r * np.cos(2 * np.pi * f / rate), r * r], out)
    return np.round(out / np.abs(out).max() * 12000).astype(np.int16)


LIFTER = 1.0 + 11.0 * np.sin(np.pi * np.arange(NUM_MEL_BINS) / 22.0)  # Kaldi's cepstral lifter, Q = 22


def _ceps(log_mel: np.ndarray) -> np.ndarray:
    return dct(log_mel, type=2, norm="ortho", axis=1) * LIFTER


def test_unit_warp_is_the_identity_and_rows_interpolate():
    assert np.allclose(warp_matrix(1.0), np.eye(NUM_MEL_BINS))
    w = warp_matrix(1.08)
    assert np.allclose(w.sum(axis=1), 1.0) and (w >= 0).all()
    assert np.allclose(cepstral(warp_matrix(1.0)), np.eye(NUM_MEL_BINS), atol=1e-10)


def test_mfcc_keeps_the_leading_cepstra_of_kaldis_dct_and_lifter(vowel_like):
    log_mel = _log_mel(vowel_like)
    ceps = mfcc(vowel_like, dither=0.0)
    assert ceps.shape[1] == NUM_CEPS
    assert np.allclose(_ceps(log_mel)[:, :NUM_CEPS], ceps, atol=1e-2)


def test_cepstral_map_equals_the_log_mel_map(vowel_like):
    """ceps @ cepstral(W) must be the cepstra of the warped (and masked) log-mel spectrum."""
    log_mel = _log_mel(vowel_like).astype(np.float64)
    for w in (warp_matrix(0.9), warp_matrix(1.1), mask_matrix(10, 5) @ warp_matrix(1.05)):
        assert np.allclose(_ceps(log_mel) @ cepstral(w), _ceps(log_mel @ w.T), atol=1e-6)


def test_a_longer_warp_moves_formant_peaks_up(vowel_like):
    spectrum = _log_mel(vowel_like).mean(axis=0)
    peak = int(np.argmax(spectrum[15:])) + 15  # the second resonance
    up = warp_matrix(1.15) @ spectrum
    down = warp_matrix(0.87) @ spectrum
    assert int(np.argmax(up[15:])) + 15 > peak > int(np.argmax(down[15:])) + 15


def test_a_masked_band_falls_to_the_running_mean():
    rng = np.random.default_rng(0)
    log_mel = rng.standard_normal((4, NUM_MEL_BINS))
    masked = _ceps(log_mel) @ cepstral(mask_matrix(7, 4))
    back = dct(masked / LIFTER, type=3, norm="ortho", axis=1)
    assert np.allclose(back[:, 7:11], 0.0, atol=1e-9)
    assert np.allclose(back[:, :7], log_mel[:, :7]) and np.allclose(back[:, 11:], log_mel[:, 11:])


def test_bank_is_seeded_starts_with_identity_and_serves_truncated_cepstra():
    config = SpecAugment(bank_size=8)
    a = transform_bank(config, np.random.default_rng(3), dim=NUM_MEL_BINS)
    b = transform_bank(config, np.random.default_rng(3), dim=NUM_MEL_BINS)
    assert a.shape == (8, NUM_MEL_BINS, NUM_MEL_BINS) and np.array_equal(a, b)
    assert np.allclose(a[0], np.eye(NUM_MEL_BINS))
    assert not np.allclose(a[1], np.eye(NUM_MEL_BINS), atol=1e-3)
    small = transform_bank(config, np.random.default_rng(3))
    assert small.shape == (8, NUM_CEPS, NUM_CEPS) and np.allclose(small, a[:, :NUM_CEPS, :NUM_CEPS])


def test_every_context_frame_of_a_sample_gets_the_same_map():
    rng = np.random.default_rng(1)
    bank = transform_bank(SpecAugment(bank_size=16), rng)
    frames = rng.standard_normal((5, 3 * NUM_CEPS)).astype(np.float32)
    frames[:, NUM_CEPS:2 * NUM_CEPS] = frames[:, :NUM_CEPS]  # two identical context frames
    out = augment_frames(frames, bank, keep_share=0.0, rng=rng)
    assert out.shape == frames.shape and not np.allclose(out, frames)
    assert np.allclose(out[:, :NUM_CEPS], out[:, NUM_CEPS:2 * NUM_CEPS])
    assert np.array_equal(augment_frames(frames, bank, keep_share=1.0, rng=rng), frames)
