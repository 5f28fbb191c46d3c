"""convolution-vs-correlation: keys from the definitions by plain loops, the slides' 5x5 example, choices."""

import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.convolution_vs_correlation import STATEMENTS, TEMPLATE, ConvCorrParams

SEEDS = range(60)


def correlation(x, w):
    """out[i][j] = sum_a sum_b x[i+a][j+b] * w[a][b] (valid part)."""
    n, k = len(x), len(w)
    return [[sum(x[i + a][j + b] * w[a][b] for a in range(k) for b in range(k)) for j in range(n - k + 1)]
            for i in range(n - k + 1)]


def true_convolution(x, w):
    """Slide 001's discrete convolution (f * g)(i, j) = sum_a sum_b f(a, b) g(i - a, j - b), computed in
    full and cut to the positions where the kernel lies inside the input."""
    n, k = len(x), len(w)
    full = [[sum(x[a][b] * w[i - a][j - b] for a in range(n) for b in range(n)
                 if 0 <= i - a < k and 0 <= j - b < k) for j in range(n + k - 1)] for i in range(n + k - 1)]
    return [row[k - 1:n] for row in full[k - 1:n]]


def as_lists(matrix):
    return [list(row) for row in matrix]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_follow_the_definitions(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        corr, conv = correlation(p.input, p.weight), true_convolution(p.input, p.weight)
        assert v.answers["statement"] is STATEMENTS[p.statement][1]
        if difficulty == "easy":
            matrices = [as_lists(b.rows) for b in v.question if getattr(b, "label", "").startswith("Output ")]
            assert matrices[v.answers["convolution"]] == conv and matrices[v.answers["correlation"]] == corr
            assert len({str(m) for m in matrices}) == 3
        else:
            assert as_lists(v.answers["convolution"]) == conv
            if difficulty == "hard":
                assert as_lists(v.answers["correlation"]) == corr
            assert corr != conv


def test_slides_worked_example():
    # Slides 001/002: the 5x5 input with the 3x3 kernel gives [[12,12,17],[10,17,19],[9,6,14]] (checked by
    # hand: out[0,0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12).
    x = ((3, 3, 2, 1, 0), (0, 0, 1, 3, 1), (3, 1, 2, 2, 3), (2, 0, 0, 2, 2), (2, 0, 0, 0, 1))
    w = ((0, 1, 2), (2, 2, 0), (0, 1, 2))
    answers = TEMPLATE.solve(ConvCorrParams(input=x, weight=w, shown=(), statement=0))
    assert as_lists(answers["correlation"]) == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert as_lists(answers["convolution"]) == true_convolution(x, w)


def test_kernels_are_changed_by_every_flip():
    for seed in range(150):
        w = [list(r) for r in TEMPLATE.variant(seed, "easy").params.weight]
        views = [w, w[::-1], [r[::-1] for r in w], [r[::-1] for r in w[::-1]]]
        assert len({str(view) for view in views}) == 4


def test_choices_are_shuffled_and_wrong_picks_are_named():
    keys = {TEMPLATE.variant(seed, "easy").answers["convolution"] for seed in range(60)}
    assert keys == {0, 1, 2}
    v = TEMPLATE.variant(4, "easy")
    raw = key_as_raw(v)
    raw["convolution"] = "ABC"[v.params.shown.index("correlation")]
    result = {r.slot: r for r in grade_variant(v, raw)}["convolution"]
    assert result.misconception == "did-not-flip" and result.earned == 0


def test_statement_bank_is_balanced():
    truths = [truth for _, truth, _ in STATEMENTS]
    assert truths.count(True) == truths.count(False) == 5
    seen = {TEMPLATE.variant(seed, "medium").params.statement for seed in range(200)}
    assert seen == set(range(len(STATEMENTS)))


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"did-not-flip", "flipped-rows-only", "flipped-columns-only", "thinks-conv2d-flips", "kernel-flipped"}
