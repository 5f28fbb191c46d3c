"""pool-output-shape: keys against the window-counting oracle (floor and ceil mode), the slides'
examples, stated settings, and the misconceptions."""

import pytest
from layer_oracle import pool_size

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.pool_output_shape import TEMPLATE, PoolShapeParams

SEEDS = range(150)


def oracle_shape(p: PoolShapeParams):
    return (p.channels, *(pool_size(n, p.kernel_size, p.stride, p.padding, p.ceil_mode) for n in p.input_size))


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_the_window_oracle(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        assert variant.answers["shape"] == oracle_shape(variant.params), (seed, variant.params)


@pytest.mark.parametrize(
    ("params", "shape"),
    [
        # 004: max pooling f = 3, s = 1 on 5x5x2 gives 3x3x2; f = 2, s = 2 on 4x4 gives 2x2
        (PoolShapeParams("max", 2, (5, 5), 3, 1, 0, False, False), (2, 3, 3)),
        (PoolShapeParams("avg", 1, (4, 4), 2, None, 0, False, False), (1, 2, 2)),
        # 001 / 002: AlexNet's overlapping 3x3 pooling at stride 2 takes 55x55x96 to 27x27x96
        (PoolShapeParams("max", 96, (55, 55), 3, 2, 0, False, False), (96, 27, 27)),
        # ceil mode keeps the partial window (6 + 2 - 3 = 5 is odd), floor drops it
        (PoolShapeParams("max", 1, (6, 6), 3, 2, 1, True, True), (1, 4, 4)),
        (PoolShapeParams("max", 1, (6, 6), 3, 2, 1, False, True), (1, 3, 3)),
        # ceil mode drops a window that would start in the right padding: 5 + 2 - 2 = 5 -> ceil(5/2) + 1 = 4,
        # but window 4 would start at 3*2 = 6 >= 5 + 1
        (PoolShapeParams("max", 1, (5, 5), 2, 2, 1, True, True), (1, 3, 3)),
    ],
)
def test_examples(params, shape):
    assert TEMPLATE.solve(params) == {"shape": shape}


def test_settings_are_stated_and_valid():
    for seed in SEEDS:
        for difficulty in TEMPLATE.difficulties:
            variant = TEMPLATE.variant(seed, difficulty)
            p = variant.params
            code = next(b.source for b in variant.question if hasattr(b, "source"))
            assert f"kernel_size={p.kernel_size}" in code and (f"stride={p.stride}" in code) == (p.stride is not None)
            assert (f"ceil_mode={p.ceil_mode}" in code) == (difficulty == "hard")
            assert p.padding <= p.kernel_size // 2 and min(variant.answers["shape"][1:]) >= 2
    assert any(TEMPLATE.variant(s, "hard").params.ceil_mode for s in SEEDS)
    assert any(TEMPLATE.variant(s, "medium").params.stride is None for s in SEEDS)


def test_misconceptions_are_recognised():
    seen = set()
    for seed in range(300):
        variant = TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3])
        for m in variant.misconceptions:
            seen.add(m.name)
            raw = key_as_raw(variant) | {"shape": str(m.answers["shape"])}
            (result,) = grade_variant(variant, raw)
            assert result.misconception == m.name and result.earned < result.points
    assert seen == {"stride-one-assumed", "ceil-instead-of-floor", "floor-instead-of-ceil", "kept-window-in-padding",
                    "forgot-plus-one", "ignored-padding", "channels-pooled"}


def test_named_mistakes_on_an_example():
    params = PoolShapeParams("max", 8, (7, 7), 2, None, 0, False, False)
    found = {m.name: m.answers["shape"] for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert TEMPLATE.solve(params) == {"shape": (8, 3, 3)}
    assert found == {"stride-one-assumed": (8, 6, 6), "ceil-instead-of-floor": (8, 4, 4),
                     "forgot-plus-one": (8, 2, 2), "channels-pooled": (4, 3, 3)}
