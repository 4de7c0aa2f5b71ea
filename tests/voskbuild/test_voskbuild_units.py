"""Alignment, network export and dimension checks (pure numpy, no Kaldi)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from voskbuild import VoskBuildError
from voskbuild.align import MIN_FRAMES, flat_start, state_chain, viterbi
from voskbuild.nnet import NnetParams, nnet3_text
from voskbuild.train import priors_from_labels


def _loglik(labels, num_pdfs=4):
    ll = np.full((len(labels), num_pdfs), -10.0)
    ll[np.arange(len(labels)), labels] = 0.0
    return ll


def test_viterbi_recovers_segmentation_with_optional_silence():
    truth = np.array([0] * 5 + [1] * 6 + [2] * 4 + [0] * 3 + [3] * 7 + [0] * 3)
    pdfs, optional = state_chain([(1, 2), (3,)], sil_pdf=0)
    assert np.array_equal(viterbi(_loglik(truth), pdfs, optional), truth)


def test_viterbi_skips_silence_and_enforces_min_duration():
    truth = np.array([1] * 4 + [2] * 5)
    pdfs, optional = state_chain([(1, 2)], sil_pdf=0)
    assert np.array_equal(viterbi(_loglik(truth), pdfs, optional), truth)
    too_short = _loglik(np.array([1, 2, 3]))
    pdfs, optional = state_chain([(1, 2, 3)], sil_pdf=0)
    assert viterbi(too_short, pdfs, optional) is None  # 3 phones need 3 * MIN_FRAMES frames
    assert MIN_FRAMES == 3


def test_flat_start_spreads_phones_over_speech_region():
    labels = flat_start(20, (5, 15), [(2, 3)], sil_pdf=0, garbage_pdf=1)
    assert list(labels[:5]) == [0] * 5 and list(labels[15:]) == [0] * 5
    assert list(labels[5:15]) == [2] * 5 + [3] * 5


def _params(out_dim=3, priors=None):
    rng = np.random.default_rng(0)
    return NnetParams((-1, 0, 1), 2, (rng.normal(size=(4, 6)), rng.normal(size=(out_dim, 4))),
                      (np.zeros(4), np.zeros(out_dim)), priors if priors is not None else np.full(out_dim, 1 / out_dim))


def test_nnet3_text_layout():
    text = nnet3_text(_params())
    assert text.startswith("<Nnet3> \ninput-node name=input dim=2\n")
    assert "input=Append(Offset(input, -1), input, Offset(input, 1))" in text
    assert "\n\n<NumComponents> 4 \n" in text
    assert "<LogSoftmaxComponent> <Dim> 3" in text and text.rstrip().endswith("]")


@pytest.mark.parametrize("params, message", [
    (_params(out_dim=3), "output dim 3 != transition model pdfs 5"),
    (_params(out_dim=5, priors=np.ones(3) / 3), "priors must be 5"),
])
def test_validate_catches_what_would_abort_kaldi(params, message):
    with pytest.raises(VoskBuildError, match=message):
        params.validate(5)


def test_priors_are_smoothed_and_sum_to_one():
    p = priors_from_labels(np.array([0, 0, 1]), 4)
    assert p.shape == (4,) and np.all(p > 0) and abs(p.sum() - 1) < 1e-9 and p[0] > p[1] > p[2]


def test_nnet3_text_round_trips():
    from voskbuild.nnet import read_nnet3_text

    p = _params(out_dim=5)
    p = dataclasses.replace(p, weights=tuple(w * 0.013 for w in p.weights))  # trained weights are small
    back = read_nnet3_text("<TransitionModel> ... </TransitionModel> " + nnet3_text(p))
    assert back.offsets == p.offsets and back.feat_dim == 2
    assert np.allclose(back.priors, p.priors)
    # the file holds hidden layers rescaled to magnitude ~1 and 4 significant digits: the weights
    # differ, the function they compute does not
    assert 1 <= np.median(np.abs(back.weights[0])) < 10 and not np.allclose(back.weights[0], p.weights[0])
    x = np.random.default_rng(1).normal(size=(50, back.weights[0].shape[1]))
    assert np.allclose(_forward(back, x), _forward(p, x), rtol=2e-3, atol=1e-6)


def _forward(params, x):
    for k, (w, b) in enumerate(zip(params.weights, params.biases)):
        x = x @ w.T + b
        if k < len(params.weights) - 1:
            x = np.maximum(x, 0.0)
    return x


def test_garbage_word_variants_in_the_lexicon_fst():
    from voskbuild import build_lexicon, parse_phrase_list
    from voskbuild.graph import WordTable, disambiguate, lexicon_fst_text, positional_prons
    from voskbuild.phones import phone_table

    lex = build_lexicon(parse_phrase_list("order\n"), ("en",))
    words = WordTable(tuple(lex.prons))
    unk = words.word_id("[unk]")
    plain = disambiguate(positional_prons(lex), reserve_unk=False)
    table = phone_table(lex, max(plain.values()) + 1)
    arcs = [line.split() for line in lexicon_fst_text(lex, table, words, plain, unk_cost=2.5).splitlines()]
    unk_arcs = [a for a in arcs if len(a) >= 4 and a[3] == str(unk)]
    assert {a[2] for a in unk_arcs} == {str(table.phone_id("GBG_S"))}
    assert all(float(a[4]) > 2.5 for a in unk_arcs)  # the garbage cost on top of the silence choice
    marked = disambiguate(positional_prons(lex), reserve_unk=True)
    table = phone_table(lex, max(marked.values()) + 1)
    text = lexicon_fst_text(lex, table, words, marked, unk_phone_cost=1.0)
    marker = table.disambig_ids()[marked["[unk]"]]
    entry = [a for a in (line.split() for line in text.splitlines()) if len(a) >= 4 and a[3] == str(unk)]
    assert len(entry) == 1 and entry[0][2] == str(marker)  # loop entered through its own marker
    assert sum(1 for line in text.splitlines() if line.endswith(" 1.0")) == 4 * (len(lex.base_phones) - 1)


def test_online_cmn_follows_kaldis_sliding_window_with_global_prior():
    from voskbuild.features import CMN_GLOBAL_FRAMES, CMN_WINDOW, global_cmvn_stats, online_cmn

    rng = np.random.default_rng(0)
    train = [rng.normal(2.0, 1.0, size=(300, 4)) for _ in range(3)]
    stats = global_cmvn_stats(train)
    assert stats.shape == (2, 5) and stats[0, 4] == 900
    g = stats[0, :4] / stats[0, 4]
    x = rng.normal(5.0, 1.0, size=(CMN_WINDOW + 300, 4))
    out = online_cmn(x, stats)
    # frame 0: its own value against 200 frames' worth of the global mean
    assert np.allclose(out[0], x[0] - (x[0] + CMN_GLOBAL_FRAMES * g) / (1 + CMN_GLOBAL_FRAMES), atol=1e-5)
    # a full window: the mean of the last 600 frames only, global prior gone
    t = CMN_WINDOW + 100
    assert np.allclose(out[t], x[t] - x[t - CMN_WINDOW + 1:t + 1].mean(axis=0), atol=1e-5)
    # a fixed offset (a channel's tilt) is removed entirely once the window is full
    shifted = online_cmn(x + 3.0, stats)
    assert np.allclose(shifted[CMN_WINDOW:], out[CMN_WINDOW:], atol=1e-4)
    assert not np.allclose(shifted[:10], out[:10], atol=0.5)


def test_cmvn_stats_file_round_trips(tmp_path):
    from voskbuild.export import read_cmvn_stats
    from voskbuild.features import CMVN_STATS_FILE, cmvn_stats_text

    stats = np.array([[1.5, -2.25e6, 3.0], [4.0, 5e7, 0.0]])
    (tmp_path / "am").mkdir()
    (tmp_path / CMVN_STATS_FILE).write_text(cmvn_stats_text(stats), encoding="utf-8")
    assert np.allclose(read_cmvn_stats(tmp_path), stats)
    assert read_cmvn_stats(tmp_path / "nowhere") is None


def test_tuning_score_weighs_out_of_menu_false_accepts_in_full():
    """Noise is hardly ever accepted; averaging it with out-of-menu false accepts would halve their weight."""
    from voskbuild.recipe import _score

    summary = {"acc_zh_phone": 1.0, "acc_en_phone": 0.8, "false_accept_oov": 0.1, "false_accept_noise": 0.0,
               "n_acc_zh_phone": 50, "n_false_accept_oov": 60}
    assert _score(summary, 1.5) == pytest.approx(0.9 - 0.15)
    stricter = dict(summary, false_accept_oov=0.0, acc_en_phone=0.7)
    assert _score(stricter, 1.5) > _score(summary, 1.5)
