"""dilated-conv: keys by plain loops and by the zero-inserted kernel, sizes, misconceptions."""

import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.dilated_conv import LEVELS, MAX_PRODUCTS, OUTPUTS, TEMPLATE

SEEDS = range(80)


def padded(x, p):
    n = len(x)
    return [[x[i - p][j - p] if 0 <= i - p < n and 0 <= j - p < n else 0 for j in range(n + 2 * p)]
            for i in range(n + 2 * p)]


def correlate(x, w, stride, dilation):
    """out[i][j] = sum_{a,b} x[i*s + a*d][j*s + b*d] * w[a][b] over the (already padded) input."""
    k, span = len(w), dilation * (len(w) - 1) + 1
    o = (len(x) - span) // stride + 1
    return [[sum(x[i * stride + a * dilation][j * stride + b * dilation] * w[a][b] for a in range(k) for b in range(k))
             for j in range(o)] for i in range(o)]


def spread(w, d):
    """The kernel with d - 1 zeros inserted between neighbouring taps."""
    k = len(w)
    size = d * (k - 1) + 1
    return [[w[i // d][j // d] if i % d == 0 and j % d == 0 else 0 for j in range(size)] for i in range(size)]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_loops_and_the_zero_inserted_kernel(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        x = padded(p.input, p.padding)
        expected = correlate(x, p.weight, p.stride, p.dilation)
        assert [list(r) for r in v.answers["output"]] == expected
        assert correlate(x, spread(p.weight, p.dilation), p.stride, 1) == expected
        assert v.answers["span"] == len(spread(p.weight, p.dilation))
        assert v.answers["shape"] == (len(expected), len(expected))


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_realizable_and_hand_sized(difficulty):
    level = LEVELS[difficulty]
    for seed in range(200):
        p = TEMPLATE.variant(seed, difficulty).params
        k, n = len(p.weight), len(p.input)
        assert (k, p.dilation) in level["kernels"] and p.dilation >= 2
        o = (n + 2 * p.padding - p.dilation * (k - 1) - 1) // p.stride + 1
        assert o in OUTPUTS and o * o * k * k <= MAX_PRODUCTS
        if difficulty == "hard":
            assert (p.stride, p.padding) != (1, 0)


def test_wrong_effective_sizes_are_named():
    # A 3x3 kernel with dilation 2: spans 3 (no dilation), 6 (d*k) and 7 (gaps of d) are all different.
    v = next(v for s in range(100) if len((v := TEMPLATE.variant(s, "medium")).params.weight) == 3)
    assert v.params.dilation == 2 and v.answers["span"] == 5
    for span, name in {3: "ignored-dilation", 6: "span-d-times-k", 7: "gaps-of-d"}.items():
        raw = key_as_raw(v)
        raw["span"] = str(span)
        result = {r.slot: r for r in grade_variant(v, raw)}["span"]
        assert result.misconception == name and result.earned == 0


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"ignored-dilation", "span-d-times-k", "gaps-of-d"}
