"""pool-output: keys by plain loops, the slides' pooling examples, torch-ready params, misconceptions."""

import json
from fractions import Fraction

import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.pool_output import LEVELS, TEMPLATE, PoolParams

SEEDS = range(80)


def windows(x, k, s, p):
    """Every window as (real cells, number of cells counting padding), row-major; padding p on each side."""
    n = len(x)
    o = (n + 2 * p - k) // s + 1
    out = []
    for i in range(o):
        row = []
        for j in range(o):
            cells = [x[r][c] for r in range(i * s - p, i * s - p + k) for c in range(j * s - p, j * s - p + k)
                     if 0 <= r < n and 0 <= c < n]
            row.append(cells)
        out.append(row)
    return out


def pool(x, k, s, p, function, count_include_pad=True):
    if function == "max_pool2d":
        return [[max(cells) for cells in row] for row in windows(x, k, s, p)]
    return [[Fraction(sum(cells), k * k if count_include_pad else len(cells)) for cells in row]
            for row in windows(x, k, s, p)]


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_plain_loops(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        expected = pool(p.input, p.kernel_size, p.stride, p.padding, p.function)
        assert [list(r) for r in v.answers["output"]] == expected
        assert v.answers["shape"] == (len(expected), len(expected))


def solve(x, function, k, s, p=0):
    return [list(r) for r in TEMPLATE.solve(PoolParams(function, tuple(map(tuple, x)), k, s, p))["output"]]


def test_slide_000_max_pooling_examples():
    # Slide 000 (ii): 2x2 windows, stride 2; checked by hand: max(9,7,26,37) = 37, max(3,2,14,1) = 14, ...
    x = [[9, 7, 3, 2], [26, 37, 14, 1], [15, 29, 16, 0], [8, 6, 54, 2]]
    assert solve(x, "max_pool2d", 2, 2) == [[37, 14], [29, 54]]
    # Slide 000 (iv): the same 2x2 windows with stride 1 overlap: a 3x3 output.
    x = [[35, 19, 25, 6], [13, 22, 16, 63], [4, 3, 7, 10], [9, 8, 1, 3]]
    assert solve(x, "max_pool2d", 2, 1) == [[35, 25, 63], [22, 22, 63], [9, 8, 10]]


def test_slide_004_examples():
    # Slide 004, f = 3, s = 1 on 5x5. OCR lost five cells (row 1: 2 9 _ 1 5; row 2: 1 _ _ _ 2; row 3: 8 3 _ 1 0);
    # the values below fill them as in the well-known original and reproduce the slide's output by hand.
    x = [[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]]
    assert solve(x, "max_pool2d", 3, 1) == [[9, 9, 5], [9, 9, 5], [8, 6, 9]]
    # Slide 004, average pooling 2x2 stride 2: 3.75 1.25 / 4 2 (= 15/4, 5/4, 4, 2).
    x = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]]
    assert solve(x, "avg_pool2d", 2, 2) == [[Fraction(15, 4), Fraction(5, 4)], [4, 2]]


def test_params_are_the_torch_functions_arguments():
    data = TEMPLATE.variant(1).to_json()
    params = data["params"]
    assert set(params) == {"function", "input", "kernel_size", "stride", "padding"}
    assert params["function"] in ("max_pool2d", "avg_pool2d")
    n = len(params["input"][0][0])
    assert len(params["input"]) == 1 and len(params["input"][0]) == 1
    assert all(len(r) == n for r in params["input"][0][0])
    prompt = json.dumps(data["question"])
    assert f"torch.nn.functional.{params['function']}(input, kernel_size={params['kernel_size']}" in prompt


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_realizable_pleasant_and_no_flat_windows(difficulty):
    ranges = LEVELS[difficulty]
    for seed in range(200):
        p = TEMPLATE.variant(seed, difficulty).params
        n, k, s, pad = len(p.input), p.kernel_size, p.stride, p.padding
        assert (n, k, s, pad) in LEVELS[difficulty]["configs"]
        assert pad <= k // 2 and s <= k and 2 <= (n + 2 * pad - k) // s + 1 <= 5
        lo, hi = ranges["max" if p.function == "max_pool2d" else "avg"]
        assert all(lo <= v <= hi for row in p.input for v in row)
        values = [c for row in TEMPLATE.solve(p)["output"] for c in row]
        assert len(set(values)) >= max(2, len(values) // 2)
        assert all(len(set(cells)) > 1 for row in windows(p.input, k, s, 0) for cells in row if len(cells) == k * k)
    assert {TEMPLATE.variant(seed, difficulty).params.function for seed in range(40)} == {"max_pool2d", "avg_pool2d"}


def test_padding_misconceptions_are_the_named_mistakes():
    checked = set()
    for seed in range(200):
        v = TEMPLATE.variant(seed, "hard")
        p = v.params
        found = {m.name: m.answers for m in v.misconceptions}
        if "excluded-padding" in found:
            wrong = pool(p.input, p.kernel_size, p.stride, p.padding, p.function, count_include_pad=False)
            assert [list(r) for r in found["excluded-padding"]["output"]] == wrong
            checked.add("excluded-padding")
        if "padded-with-zeros" in found:
            width = len(p.input) + 2 * p.padding
            zero_padded = ([[0] * width] * p.padding + [[0] * p.padding + list(r) + [0] * p.padding for r in p.input]
                           + [[0] * width] * p.padding)
            expected = pool(zero_padded, p.kernel_size, p.stride, 0, p.function)
            assert [list(r) for r in found["padded-with-zeros"]["output"]] == expected
            checked.add("padded-with-zeros")
        if "output" in found.get("ignored-padding", {}):
            expected = pool(p.input, p.kernel_size, p.stride, 0, p.function)
            assert [list(r) for r in found["ignored-padding"]["output"]] == expected
            checked.add("ignored-padding")
    assert checked == {"excluded-padding", "padded-with-zeros", "ignored-padding"}


def test_averaging_a_max_question_is_recognised():
    v = next(v for s in SEEDS if (v := TEMPLATE.variant(s, "easy")).params.function == "max_pool2d")
    p = v.params
    raw = key_as_raw(v)
    averaged = pool(p.input, p.kernel_size, p.stride, 0, "avg_pool2d")
    raw["output"] = "[" + ", ".join("[" + ", ".join(str(c) for c in row) + "]" for row in averaged) + "]"
    result = {r.slot: r for r in grade_variant(v, raw)}["output"]
    assert result.misconception == "averaged-instead-of-max" and result.earned == 0


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"averaged-instead-of-max", "max-instead-of-average", "stride-one-assumed", "stride-equals-kernel",
                     "ignored-padding", "padded-with-zeros", "excluded-padding"}
