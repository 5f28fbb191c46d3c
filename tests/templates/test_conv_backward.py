"""conv-backward: gradients by the chain rule in plain loops and by exact finite differences, levels,
misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.templates.conv_backward import LEVELS, TEMPLATE

SEEDS = range(60)


def forward(x, w, s):
    k = len(w)
    o = (len(x) - k) // s + 1
    return [[sum(x[i * s + a][j * s + b] * w[a][b] for a in range(k) for b in range(k)) for j in range(o)]
            for i in range(o)]


def loss(x, w, bias, g, s):
    """L = sum G * Y: its gradients are the ones the upstream gradient G asks for."""
    y = forward(x, w, s)
    return sum(g[i][j] * (y[i][j] + bias) for i in range(len(g)) for j in range(len(g)))


def bumped(m, r, c):
    return [[v + (1 if (i, j) == (r, c) else 0) for j, v in enumerate(row)] for i, row in enumerate(m)]


def chain_rule(x, w, g, s):
    """dW, db, dX by scattering every G[i,j] along the products it multiplied."""
    n, k = len(x), len(w)
    dw = [[0] * k for _ in range(k)]
    dx = [[0] * n for _ in range(n)]
    for i, row in enumerate(g):
        for j, gij in enumerate(row):
            for a in range(k):
                for b in range(k):
                    dw[a][b] += gij * x[i * s + a][j * s + b]
                    dx[i * s + a][j * s + b] += gij * w[a][b]
    return dw, sum(map(sum, g)), dx


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_match_the_chain_rule_and_finite_differences(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        x, w, g, s = p.input, p.weight, p.grad_output, p.stride
        dw, db, dx = chain_rule(x, w, g, s)
        assert [list(r) for r in v.answers["dw"]] == dw
        base = loss(x, w, 0, g, s)
        # L is linear in W, b and X, so a step of 1 gives each partial derivative exactly.
        assert dw == [[loss(x, bumped(w, a, b), 0, g, s) - base for b in range(len(w))] for a in range(len(w))]
        if "db" in v.answers:
            assert v.answers["db"] == db == loss(x, w, 1, g, s) - base
        if "dx" in v.answers:
            assert [list(r) for r in v.answers["dx"]] == dx
            assert dx == [[loss(bumped(x, r, c), w, 0, g, s) - base for c in range(len(x))] for r in range(len(x))]


def test_levels_ask_more_and_hard_has_stride():
    assert set(TEMPLATE.variant(1, "easy").answers) == {"dw"}
    assert set(TEMPLATE.variant(1, "medium").answers) == {"dw", "db", "dx"}
    for seed in range(100):
        p = TEMPLATE.variant(seed, "hard").params
        assert p.stride == 2 and (len(p.input), len(p.weight), p.stride) in LEVELS["hard"]["configs"]
        assert (len(p.input) - len(p.weight)) // 2 + 1 == len(p.grad_output) == 2


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "hard")
        p = v.params
        found = {m.name: m.answers for m in v.misconceptions}
        x, w, g, s = p.input, p.weight, p.grad_output, p.stride
        if "dx-kernel-not-flipped" in found:
            flipped = [row[::-1] for row in w[::-1]]
            assert [list(r) for r in found["dx-kernel-not-flipped"]["dx"]] == chain_rule(x, flipped, g, s)[2]
        assert found["db-mean"]["db"] == Fraction(sum(map(sum, g)), len(g) ** 2)
        if "dw" in found.get("ignored-upstream-gradient", {}):
            ones = [[1] * len(g) for _ in g]
            assert [list(r) for r in found["ignored-upstream-gradient"]["dw"]] == chain_rule(x, w, ones, s)[0]
        if "dw-true-convolution" in found:
            g_flipped = [row[::-1] for row in g[::-1]]
            assert [list(r) for r in found["dw-true-convolution"]["dw"]] == chain_rule(x, w, g_flipped, s)[0]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_at_least_two_misconceptions_and_nothing_degenerate(difficulty):
    for seed in range(150):
        v = TEMPLATE.variant(seed, difficulty)
        assert len(v.misconceptions) >= 2
        assert any(c for row in v.answers["dw"] for c in row)
        assert v.answers.get("db", 1) != 0


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"dw-true-convolution", "ignored-upstream-gradient", "db-mean", "dx-kernel-not-flipped"}
