"""conv2d-multichannel: keys against plain loops, the slides' RGB example, realizability, misconceptions."""

from fractions import Fraction

import numpy as np
import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.model.numbers import freeze
from cnnexam.templates.conv2d_multichannel import LEVELS, MAX_PRODUCTS, TEMPLATE, MultiChannelParams

SEEDS = range(60)


def naive_multichannel(x, w, bias, stride, padding):
    """out[f][i][j] = bias[f] + sum over channels c and taps (a, b) of x_pad[c][i*s+a][j*s+b] * w[f][c][a][b]."""
    channels, n = len(x), len(x[0])
    size = n + 2 * padding
    xp = [[[0] * size for _ in range(size)] for _ in range(channels)]
    for c in range(channels):
        for i in range(n):
            for j in range(n):
                xp[c][i + padding][j + padding] = x[c][i][j]
    k = len(w[0][0])
    o = (size - k) // stride + 1
    out = []
    for f in range(len(w)):
        rows = []
        for i in range(o):
            row = []
            for j in range(o):
                total = 0 if bias is None else bias[f]
                for c in range(channels):
                    for a in range(k):
                        for b in range(k):
                            total += xp[c][i * stride + a][j * stride + b] * w[f][c][a][b]
                row.append(total)
            rows.append(row)
        out.append(rows)
    return out


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_plain_loops(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        expected = naive_multichannel(p.input, p.weight, p.bias, p.stride, p.padding)
        filters, o = len(expected), len(expected[0])
        assert v.answers["shape"] == (filters, o, o)
        got = v.answers["output"] if filters > 1 else (v.answers["output"],)
        assert [[list(r) for r in m] for m in got] == expected


@pytest.mark.parametrize("filters", [1, 2])
def test_slides_rgb_example_shape(filters):
    # Slide 002: 6x6x3 * 3x3x3 = 4x4; slide 004: with 2 filters 4x4x2 (here channels first, as in torch).
    rng = np.random.default_rng(0)
    p = MultiChannelParams(input=freeze(rng.integers(0, 4, (3, 6, 6))), weight=freeze(rng.integers(-1, 2, (filters, 3, 3, 3))),
                           bias=None, stride=1, padding=0)
    answers = TEMPLATE.solve(p)
    assert answers["shape"] == (filters, 4, 4)
    expected = naive_multichannel(p.input, p.weight, None, 1, 0)
    got = answers["output"] if filters > 1 else (answers["output"],)
    assert [[list(r) for r in m] for m in got] == expected


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_realizable_and_hand_sized(difficulty):
    level = LEVELS[difficulty]
    for seed in range(150):
        p = TEMPLATE.variant(seed, difficulty).params
        channels, filters, n, k = len(p.input), len(p.weight), len(p.input[0]), len(p.weight[0][0])
        o = (n + 2 * p.padding - k) // p.stride + 1
        assert (channels, filters) == (level["channels"], level["filters"])
        assert 2 <= o <= 3 and filters * o * o * channels * k * k <= MAX_PRODUCTS
        assert (p.bias is not None) == level["bias"] and (p.bias is None or 0 not in p.bias)
        if difficulty == "hard":
            assert (p.stride, p.padding) != (1, 0)


def test_every_channel_and_filter_is_labelled():
    v = TEMPLATE.variant(3, "hard")
    tensors = [b for b in v.question if type(b).__name__ == "Tensor"]
    labels = [m.label for t in tensors for m in t.channels]
    assert labels[:3] == ["Channel 1 (R)", "Channel 2 (G)", "Channel 3 (B)"]
    assert "Filter 2, channel 3 (B)" in labels and len(tensors) == 3


def test_averaged_and_first_channel_misconceptions_are_what_they_say():
    v = TEMPLATE.variant(5, "medium")
    p = v.params
    by_name = {m.name: m for m in v.misconceptions}
    sums = naive_multichannel(p.input, p.weight, None, p.stride, p.padding)[0]
    averaged = [[Fraction(s, 3) + p.bias[0] for s in row] for row in sums]
    assert [list(r) for r in by_name["averaged-channels"].answers["output"]] == averaged
    first = naive_multichannel(p.input[:1], [f[:1] for f in p.weight], p.bias, p.stride, p.padding)[0]
    assert [list(r) for r in by_name["first-channel-only"].answers["output"]] == first
    assert by_name["kept-input-channels"].answers["shape"][0] == 3
    raw = key_as_raw(v)
    raw["output"] = str(first)
    (_, output) = grade_variant(v, raw)
    assert output.misconception == "first-channel-only" and output.earned < output.points


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert {"first-channel-only", "forgot-bias", "averaged-channels", "kernel-flipped", "kept-input-channels"} <= names
