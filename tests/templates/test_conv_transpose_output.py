"""conv-transpose-output: keys by a plain scatter loop, a hand example, sizes, misconceptions."""

import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.conv_transpose_output import LEVELS, MAX_OUTPUT, MIN_OUTPUT, TEMPLATE, ConvTransposeParams

SEEDS = range(80)


def scatter(x, w, stride, padding, overwrite=False):
    """Every input cell adds cell * kernel at (i*stride + a, j*stride + b) of the full output; the padding
    then crops that many rows and columns from each border."""
    n, k = len(x), len(w)
    full_size = (n - 1) * stride + k
    full = [[0] * full_size for _ in range(full_size)]
    for i in range(n):
        for j in range(n):
            for a in range(k):
                for b in range(k):
                    value = x[i][j] * w[a][b]
                    row, col = i * stride + a, j * stride + b
                    full[row][col] = value if overwrite else full[row][col] + value
    return [row[padding:full_size - padding] for row in full[padding:full_size - padding]]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_plain_scatter(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        expected = scatter(p.input, p.weight, p.stride, p.padding)
        assert [list(r) for r in v.answers["output"]] == expected
        assert v.answers["shape"] == (len(expected), len(expected))


def test_hand_example():
    # [[1,2],[3,4]] with a 2x2 kernel of ones, stride 1: the four shifted copies add up (centre 1+2+3+4).
    answers = TEMPLATE.solve(ConvTransposeParams(input=((1, 2), (3, 4)), weight=((1, 1), (1, 1)), stride=1, padding=0))
    assert answers["output"] == ((1, 3, 2), (4, 10, 6), (3, 7, 4)) and answers["shape"] == (3, 3)
    # Stride 2 spreads the copies apart; padding 1 then crops the outer ring.
    answers = TEMPLATE.solve(ConvTransposeParams(input=((1, 2), (3, 4)), weight=((1, 1), (1, 1)), stride=2, padding=1))
    assert answers["output"] == ((1, 2), (3, 4))


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_sizes_are_hand_sized_and_follow_the_formula(difficulty):
    level = LEVELS[difficulty]
    for seed in range(200):
        p = TEMPLATE.variant(seed, difficulty).params
        n, k = len(p.input), len(p.weight)
        assert n in level["sizes"] and k in level["kernels"] and p.padding in level["paddings"]
        assert MIN_OUTPUT <= (n - 1) * p.stride - 2 * p.padding + k <= MAX_OUTPUT
        assert all(v != 0 for row in p.input for v in row)


def test_overwriting_overlaps_is_recognised():
    v = next(v for s in range(100) if (p := (v := TEMPLATE.variant(s, "medium")).params).stride < len(p.weight))
    p = v.params
    raw = key_as_raw(v)
    raw["output"] = str(scatter(p.input, p.weight, p.stride, p.padding, overwrite=True))
    result = {r.slot: r for r in grade_variant(v, raw)}["output"]
    assert result.misconception == "overwrote-overlaps" and result.earned < result.points


def test_conv_formula_shape_is_recognised():
    v = TEMPLATE.variant(2, "medium")
    p = v.params
    o = (len(p.input) + 2 * p.padding - len(p.weight)) // p.stride + 1
    raw = key_as_raw(v)
    raw["shape"] = f"({o}, {o})"
    result = {r.slot: r for r in grade_variant(v, raw)}["shape"]
    assert result.misconception == "used-conv-formula"


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert {"used-conv-formula", "overwrote-overlaps", "ignored-padding", "ignored-stride", "kernel-not-flipped"} <= names
