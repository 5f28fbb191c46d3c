"""forward-conv-relu-pool: every stage by plain loops, why ReLU-after-pooling is no misconception, sizes."""

from fractions import Fraction

import pytest

from cnnexam.templates.forward_conv_relu_pool import LEVELS, TEMPLATE

SEEDS = range(80)


def correlate(x, w, b, s):
    k = len(w)
    o = (len(x) - k) // s + 1
    return [[sum(x[i * s + a][j * s + c] * w[a][c] for a in range(k) for c in range(k)) + b for j in range(o)]
            for i in range(o)]


def max_pool(a, k, s):
    o = (len(a) - k) // s + 1
    return [[max(a[i * s + r][j * s + c] for r in range(k) for c in range(k)) for j in range(o)] for i in range(o)]


def relu(z):
    return [[v if v > 0 else 0 for v in row] for row in z]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_every_stage_matches_plain_loops(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        z = correlate(p.input, p.weight, p.bias, p.stride)
        assert [list(r) for r in v.answers["conv"]] == z
        assert [list(r) for r in v.answers["relu"]] == relu(z)
        assert [list(r) for r in v.answers["pooled"]] == max_pool(relu(z), p.pool_kernel_size, p.pool_stride)


def test_relu_after_pooling_gives_the_same_answer():
    # Both are monotone, so the order does not matter: that is why it is not offered as a misconception.
    for seed in SEEDS:
        p = TEMPLATE.variant(seed, "medium").params
        z = correlate(p.input, p.weight, p.bias, p.stride)
        k, s = p.pool_kernel_size, p.pool_stride
        assert relu(max_pool(z, k, s)) == max_pool(relu(z), k, s)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_sizes_and_relu_that_matters(difficulty):
    for seed in range(200):
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        assert (len(p.input), len(p.weight), p.stride, p.pool_kernel_size, p.pool_stride) in LEVELS[difficulty]
        z = [c for row in v.answers["conv"] for c in row]
        assert any(c < 0 for c in z) and any(c > 0 for c in z) and p.bias != 0
        assert 2 <= len(v.answers["conv"]) <= 4 and len(v.answers["pooled"]) == 2
        assert any(c for row in v.answers["pooled"] for c in row)


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "easy")
        p = v.params
        found = {m.name: m.answers for m in v.misconceptions}
        if "conv" in found.get("forgot-bias", {}):
            assert [list(r) for r in found["forgot-bias"]["conv"]] == correlate(p.input, p.weight, 0, p.stride)
        flipped = [row[::-1] for row in p.weight[::-1]]
        if "conv" in found.get("kernel-flipped", {}):
            assert [list(r) for r in found["kernel-flipped"]["conv"]] == correlate(p.input, flipped, p.bias, p.stride)
        z = correlate(p.input, p.weight, p.bias, p.stride)
        # ReLU before the bias: max(z - b, 0) + b, i.e. the values clipped at b
        assert [list(r) for r in found["relu-before-bias"]["relu"]] == [[max(c, p.bias) for c in row] for row in z]
        a = relu(z)
        averaged = [[Fraction(a[2 * i][2 * j] + a[2 * i][2 * j + 1] + a[2 * i + 1][2 * j] + a[2 * i + 1][2 * j + 1], 4)
                     for j in range(2)] for i in range(2)]
        if "average-pooled" in found:
            assert [list(r) for r in found["average-pooled"]["pooled"]] == averaged


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"forgot-bias", "kernel-flipped", "relu-before-bias", "average-pooled"}
