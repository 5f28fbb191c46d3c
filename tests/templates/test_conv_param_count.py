"""conv-param-count: keys against filter-by-filter counting, the slides' counts, grouped and separable
layers, and the misconceptions."""

import pytest
from layer_oracle import conv_weights

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.conv_param_count import TEMPLATE, ConvParamCountParams

SEEDS = range(150)


def layer(c_in, c_out, k, bias, groups=1, separable=False):
    return ConvParamCountParams(c_in, c_out, k, bias, groups, separable, (32, 32))


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_match_filter_by_filter_counts(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        p = variant.params
        standard = conv_weights(p.in_channels, p.out_channels, p.kernel_size, p.bias, p.groups)
        if p.separable:
            depthwise = conv_weights(p.in_channels, p.in_channels, p.kernel_size, p.bias, groups=p.in_channels)
            pointwise = conv_weights(p.in_channels, p.out_channels, 1, p.bias)
            assert variant.answers == {"separable": depthwise + pointwise, "standard": standard}
            assert depthwise + pointwise < standard
        else:
            assert variant.answers == {"params": standard}
            assert p.in_channels % p.groups == 0 and p.out_channels % p.groups == 0


@pytest.mark.parametrize(
    ("params", "count"),
    [
        (layer(3, 10, 5, True), 760),  # 003: 5*5*3 + 1 = 76 per filter, 10 filters
        (layer(10, 16, 5, True), 4016),  # 003: 5*5*10 + 1 = 251 per filter, 16 filters
        (layer(3, 10, 3, True), 280),  # 004: 10 filters of 3x3x3, 27 + 1 = 28 each
        (layer(128, 256, 3, False), 294_912),  # 001: 128 x 256 x 3 x 3
        (layer(128, 64, 3, False), 73_728),  # 001: 3 x 3 x 128 x 64
    ],
)
def test_slide_counts(params, count):
    assert TEMPLATE.solve(params) == {"params": count}


def test_grouped_and_separable_by_hand():
    assert TEMPLATE.solve(layer(64, 128, 3, True, groups=4)) == {"params": 3 * 3 * 16 * 128 + 128}
    assert TEMPLATE.solve(layer(32, 48, 7, False, separable=True)) == {
        "separable": 7 * 7 * 32 + 32 * 48, "standard": 7 * 7 * 32 * 48}


def test_every_kind_appears():
    params = [TEMPLATE.variant(s, d).params for s in SEEDS for d in TEMPLATE.difficulties]
    assert any(p.kernel_size == 1 and p.groups == 1 for p in params)
    assert any(1 < p.groups < p.in_channels for p in params)
    assert any(p.groups == p.in_channels > 1 for p in params)  # depthwise
    assert any(p.separable for p in params)
    assert {p.bias for p in params} == {True, False}


def test_misconceptions_are_recognised():
    seen = set()
    for seed in SEEDS:
        for difficulty in ("medium", "hard"):
            variant = TEMPLATE.variant(seed, difficulty)
            for m in variant.misconceptions:
                seen.add(m.name)
                raw = key_as_raw(variant) | {k: str(v) for k, v in m.answers.items()}
                for result in grade_variant(variant, raw):
                    assert (result.misconception == m.name) == (result.slot in m.answers)
    assert {"forgot-bias", "bias-per-weight", "forgot-input-channels", "one-filter-only", "ignored-groups",
            "counted-output-size", "forgot-pointwise", "full-depthwise"} <= seen


def test_misconception_values_on_the_slide_layer():
    params = layer(3, 10, 5, True)
    found = {m.name: m.answers["params"] for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert found["forgot-bias"] == 750
    assert found["bias-per-weight"] == 1500
    assert found["forgot-input-channels"] == 5 * 5 * 10 + 10
    assert found["one-filter-only"] == 76
    assert found["counted-output-size"] == 750 * 32 * 32 + 10
