"""avgpool-backward: shares by plain loops and by exact finite differences, padding, misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.templates.avgpool_backward import LEVELS, TEMPLATE

SEEDS = range(60)


def windows(n, k, s, p):
    """Output position -> the input cells of its window (padding cut off)."""
    o = (n + 2 * p - k) // s + 1
    return {(i, j): [(r, c) for r in range(i * s - p, i * s - p + k) for c in range(j * s - p, j * s - p + k)
                     if 0 <= r < n and 0 <= c < n] for i in range(o) for j in range(o)}


def spread(n, g, k, s, p, divisor=None, add=True):
    """Each window's G/divisor to every cell (divisor: k*k, or the number of input cells when 'cells')."""
    dx = [[Fraction(0)] * n for _ in range(n)]
    for (i, j), cells in windows(n, k, s, p).items():
        d = len(cells) if divisor == "cells" else (divisor or k * k)
        for r, c in cells:
            dx[r][c] = dx[r][c] + Fraction(g[i][j], d) if add else Fraction(g[i][j], d)
    return dx


def loss(x, g, k, s, p):
    """L = sum G * avg_pool(X), exact."""
    win = windows(len(x), k, s, p)
    return sum(g[i][j] * Fraction(sum(x[r][c] for r, c in cells), k * k) for (i, j), cells in win.items())


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_loops_and_finite_differences(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        n, k, s, pad = len(p.input), p.kernel_size, p.stride, p.padding
        key = [list(r) for r in v.answers["grad_input"]]
        assert key == spread(n, p.grad_output, k, s, pad)
        x = [list(r) for r in p.input]
        base = loss(x, p.grad_output, k, s, pad)
        for r in range(n):
            for c in range(n):
                x[r][c] += 1  # L is linear in X: a step of 1 gives the derivative exactly
                assert loss(x, p.grad_output, k, s, pad) - base == key[r][c]
                x[r][c] -= 1


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_configurations(difficulty):
    for seed in range(200):
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        n, k, s, pad = len(p.input), p.kernel_size, p.stride, p.padding
        assert (n, k, s, pad) in LEVELS[difficulty] and pad <= k // 2
        assert all(g != 0 for row in p.grad_output for g in row)
        if difficulty == "medium":
            assert s < k  # overlapping windows: shares accumulate
        if difficulty == "hard":
            assert pad == 1
        assert len({v for row in p.input for v in row}) == n * n  # the max-pool routing mistake is unambiguous


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        for difficulty in ("medium", "hard"):
            v = TEMPLATE.variant(seed, difficulty)
            p = v.params
            n, g, k, s, pad = len(p.input), p.grad_output, p.kernel_size, p.stride, p.padding
            found = {m.name: [list(r) for r in m.answers["grad_input"]] for m in v.misconceptions}
            assert found["whole-gradient-to-each-cell"] == spread(n, g, k, s, pad, divisor=1)
            if "forgot-to-accumulate" in found:
                assert found["forgot-to-accumulate"] == spread(n, g, k, s, pad, add=False)
            if "excluded-padding" in found:
                assert found["excluded-padding"] == spread(n, g, k, s, pad, divisor="cells")
            routed = [[0] * n for _ in range(n)]
            for (i, j), cells in windows(n, k, s, pad).items():
                r, c = max(cells, key=lambda rc: p.input[rc[0]][rc[1]])
                routed[r][c] += g[i][j]
            assert found["max-pool-routing"] == routed


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"whole-gradient-to-each-cell", "max-pool-routing", "forgot-to-accumulate", "excluded-padding"}
