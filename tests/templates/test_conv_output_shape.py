"""conv-output-shape: keys against the window-counting oracle, the slides' examples, realizable layers,
unfit strides at the harder levels, and the misconceptions."""

import pytest
from layer_oracle import conv_size

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.conv_output_shape import TEMPLATE, ConvShapeParams

SEEDS = range(150)


def oracle_shape(p: ConvShapeParams):
    return (p.out_channels, *(conv_size(n, p.kernel_size, p.stride, p.padding, p.dilation) for n in p.input_size))


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_the_window_oracle(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        assert variant.answers["shape"] == oracle_shape(variant.params), (seed, variant.params)


@pytest.mark.parametrize(
    ("params", "shape"),
    [
        # 003: N = 7, F = 3, S = 3 gives (7-3)/3 + 1 = 2.33: the stride does not fit, 2 positions
        (ConvShapeParams(1, 4, 3, 3, 0, 1, (7, 7)), (4, 2, 2)),
        # 003 and 004: the 7x7 input with a 3x3 filter at stride 2 gives 3x3, at stride 1 5x5
        (ConvShapeParams(1, 4, 3, 2, 0, 1, (7, 7)), (4, 3, 3)),
        (ConvShapeParams(1, 4, 3, 1, 0, 1, (7, 7)), (4, 5, 5)),
        # 004: 6x6 with padding 1 and a 3x3 filter stays 6x6; 'valid' gives 4x4
        (ConvShapeParams(1, 4, 3, 1, 1, 1, (6, 6)), (4, 6, 6)),
        (ConvShapeParams(1, 4, 3, 1, "same", 1, (6, 6)), (4, 6, 6)),
        # 004: 6x6x3 * two 3x3x3 filters -> 4x4x2 (the slide's summary writes nc, a slip for the filter count)
        (ConvShapeParams(3, 2, 3, 1, "valid", 1, (6, 6)), (2, 4, 4)),
        # 002: AlexNet's first layer, 96 filters of 11x11 at stride 4 on 227x227x3
        (ConvShapeParams(3, 96, 11, 4, 0, 1, (227, 227)), (96, 55, 55)),
    ],
)
def test_slide_examples(params, shape):
    assert TEMPLATE.solve(params) == {"shape": shape}


def test_layers_are_realizable_and_stated():
    for seed in SEEDS:
        for difficulty in TEMPLATE.difficulties:
            variant = TEMPLATE.variant(seed, difficulty)
            p = variant.params
            assert min(variant.answers["shape"][1:]) >= 2
            assert p.in_channels != p.out_channels
            assert p.padding == "same" and p.stride == 1 or p.padding != "same"
            code = next(b.source for b in variant.question if hasattr(b, "source"))
            assert f"kernel_size={p.kernel_size}, stride={p.stride}, padding={p.padding!r}" in code


def test_easy_strides_fit_and_harder_ones_often_do_not():
    def unfit(p):
        # at stride 1 the window travels (positions - 1) cells; the stride fits when it divides that
        return any((conv_size(n, p.kernel_size, 1, p.padding, p.dilation) - 1) % p.stride for n in p.input_size)

    assert not any(unfit(TEMPLATE.variant(s, "easy").params) for s in SEEDS)
    for difficulty in ("medium", "hard"):
        share = sum(unfit(TEMPLATE.variant(s, difficulty).params) for s in SEEDS) / len(SEEDS)
        assert share > 0.4, (difficulty, share)
    assert any(TEMPLATE.variant(s, "hard").params.dilation > 1 for s in SEEDS)


def test_misconceptions_are_named_and_recognised():
    seen = set()
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, "hard")
        for m in variant.misconceptions:
            seen.add(m.name)
            raw = key_as_raw(variant) | {"shape": str(m.answers["shape"])}
            (result,) = grade_variant(variant, raw)
            assert result.misconception == m.name and result.earned < result.points
    assert {"ceil-instead-of-floor", "forgot-plus-one", "padded-one-side", "channels-from-input",
            "ignored-dilation", "ignored-stride", "same-as-no-padding"} <= seen


def test_ceil_mistake_rounds_up():
    params = ConvShapeParams(1, 4, 3, 3, 0, 1, (7, 7))
    (ceil,) = [m for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params)) if m.name == "ceil-instead-of-floor"]
    assert ceil.answers["shape"] == (4, 3, 3)  # ceil(4/3) + 1
