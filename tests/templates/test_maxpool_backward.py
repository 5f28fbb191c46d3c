"""maxpool-backward: routing by plain loops, no ties, accumulation at hard, misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.templates.maxpool_backward import LEVELS, TEMPLATE, MaxPoolBackwardParams

SEEDS = range(80)


def window_cells(n, k, s):
    o = (n - k) // s + 1
    return {(i, j): [(i * s + a, j * s + b) for a in range(k) for b in range(k)] for i in range(o) for j in range(o)}


def route(x, g, k, s, pick=max, add=True):
    """Each window's gradient to its `pick` (max or min) cell; `add=False` overwrites in row-major order."""
    n = len(x)
    dx = [[0] * n for _ in range(n)]
    for (i, j), cells in window_cells(n, k, s).items():
        r, c = pick(cells, key=lambda rc: x[rc[0]][rc[1]])
        dx[r][c] = dx[r][c] + g[i][j] if add else g[i][j]
    return dx


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_routes_each_gradient_to_the_maximum(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        assert [list(r) for r in v.answers["grad_input"]] == route(p.input, p.grad_output, p.kernel_size, p.stride)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_no_ties_and_hard_windows_overlap_and_accumulate(difficulty):
    for seed in range(200):
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        n, k, s = len(p.input), p.kernel_size, p.stride
        assert (n, k, s) in LEVELS[difficulty]
        for cells in window_cells(n, k, s).values():
            values = [p.input[r][c] for r, c in cells]
            assert len(set(values)) == len(values)
        assert all(g != 0 for row in p.grad_output for g in row)
        if difficulty == "hard":
            ones = [[1] * len(p.grad_output)] * len(p.grad_output)
            assert s < k and max(map(max, route(p.input, ones, k, s))) >= 2


def test_degenerate_rejects_a_tie():
    p = MaxPoolBackwardParams(input=((5, 5, 1, 2), (0, 3, 4, 6), (7, 1, 2, 0), (3, 4, 9, 8)),
                              grad_output=((1, 2), (3, 4)), kernel_size=2, stride=2)
    assert "tie" in TEMPLATE.degenerate(p, TEMPLATE.solve(p))
    fine = MaxPoolBackwardParams(input=((5, 4, 1, 2), (0, 3, 4, 6), (7, 1, 2, 0), (3, 4, 9, 8)),
                                 grad_output=((1, 2), (3, 4)), kernel_size=2, stride=2)
    assert TEMPLATE.degenerate(fine, TEMPLATE.solve(fine)) is None


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "hard")
        p = v.params
        x, g, k, s = p.input, p.grad_output, p.kernel_size, p.stride
        found = {m.name: [list(r) for r in m.answers["grad_input"]] for m in v.misconceptions}
        assert found["routed-to-minimum"] == route(x, g, k, s, pick=min)
        if "overwrote-overlaps" in found:
            assert found["overwrote-overlaps"] == route(x, g, k, s, add=False)
        spread = [[Fraction(0)] * len(x) for _ in x]
        for (i, j), cells in window_cells(len(x), k, s).items():
            for r, c in cells:
                spread[r][c] += Fraction(g[i][j], k * k)
        assert found["spread-evenly"] == spread


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"spread-evenly", "routed-to-minimum", "overwrote-overlaps"}
