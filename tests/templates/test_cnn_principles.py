"""cnn-principles: the claims checked by computation where they can be, and the variants' make-up."""

import numpy as np

from cnnexam.solutions import conv_params, max_pool2d, receptive_field
from cnnexam.templates._concept_quiz import MultipleChoice, TrueFalse
from cnnexam.templates.cnn_principles import CLAIMS, FEWER, TEMPLATE


def correlate(x, w):
    """Plain-loop valid cross-correlation (the oracle)."""
    out = np.zeros((x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1), dtype=np.int64)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = sum(x[i + a, j + b] * w[a, b] for a in range(w.shape[0]) for b in range(w.shape[1]))
    return out


def test_receptive_field_claims():
    assert receptive_field([(3, 1), (3, 1)]) == 5
    assert receptive_field([(3, 1)] * 3) == 7
    assert CLAIMS["rf-5"].true and not CLAIMS["rf-3"].true


def test_three_3x3_layers_have_fewer_weights_than_one_7x7():
    for c in (1, 16, 64, 512):
        stack, single = 3 * conv_params(c, c, 3, bias=False), conv_params(c, c, 7, bias=False)
        assert (stack, single) == (27 * c * c, 49 * c * c) and stack < single
    assert CLAIMS["rf-7-cheaper"].true and not CLAIMS["rf-7-costlier"].true


def test_parameter_counts_in_the_claims():
    assert conv_params(3, 1, 3, bias=False) == 27                  # a 3x3 filter on RGB
    assert 32 * 32 * 3 * 28 * 28 * 6 == 14_450_688                 # "about 14 million" (slide 004)
    assert conv_params(3, 6, 5) == 456                             # six 5x5x3 filters (slide 004 says 156: a slip)
    assert 1000 * 1000 * 3 * 1000 == 3_000_000_000
    assert "456" in CLAIMS["dense-14m"].why
    assert CLAIMS["dense-3b"].true and not CLAIMS["dense-3m"].true


def test_convolution_is_equivariant_not_invariant():
    rng = np.random.default_rng(1)
    x = np.zeros((12, 12), dtype=np.int64)
    x[3:6, 2:5] = rng.integers(1, 5, size=(3, 3))
    w = rng.integers(-2, 3, size=(3, 3))
    shifted = np.roll(x, (2, 3), axis=(0, 1))
    out, out_shifted = correlate(x, w), correlate(shifted, w)
    assert np.array_equal(np.roll(out, (2, 3), axis=(0, 1)), out_shifted)  # the pattern stays away from the borders
    assert not np.array_equal(out, out_shifted)
    assert CLAIMS["equivariant"].true and not CLAIMS["invariant"].true


def test_max_pooling_absorbs_small_shifts_only():
    x = np.zeros((4, 4), dtype=np.int64)
    x[0, 0] = 9
    within, beyond = np.roll(x, (1, 1), axis=(0, 1)), np.roll(x, (2, 2), axis=(0, 1))
    assert np.array_equal(max_pool2d(x, 2), max_pool2d(within, 2))
    assert not np.array_equal(max_pool2d(x, 2), max_pool2d(beyond, 2))
    assert CLAIMS["pool-small-shifts"].true and not CLAIMS["pool-any-shift"].true


def test_why_fewer_parameters_key_is_sharing_and_sparsity():
    assert {c.id for c in FEWER.options if c.true} == {"why:sharing", "why:sparse"}


def test_variants_by_difficulty():
    for seed in range(80):
        easy = TEMPLATE.parts(TEMPLATE.variant(seed, "easy").params)
        assert all(isinstance(p, TrueFalse) for p in easy) and len(easy) == 4
        assert 1 <= sum(p.claim.true for p in easy) <= 3
        medium = TEMPLATE.parts(TEMPLATE.variant(seed, "medium").params)
        assert [type(p) for p in medium] == [TrueFalse, TrueFalse, MultipleChoice]
        assert sorted(p.claim.true for p in medium[:2]) == [False, True]
        hard = TEMPLATE.parts(TEMPLATE.variant(seed, "hard").params)
        assert [type(p) for p in hard] == [MultipleChoice, MultipleChoice, TrueFalse]
        for part in (medium[2], *hard[:2]):
            key = part.keys("a")["a"]
            assert 1 <= len(key) < len(part.claims)


def test_misconceptions_name_the_confusion():
    names = set()
    for seed in range(100):
        names |= {m.name for m in TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3]).misconceptions}
    assert {"equivariance-vs-invariance", "conv-is-dense", "no-parameter-sharing", "reversed-hierarchy"} <= names
