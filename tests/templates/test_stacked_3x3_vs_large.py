"""stacked-3x3-vs-large: the slides' 294,912 vs 409,600 and 27d^2 vs 49d^2, keys by counting, and the
misconceptions (including the slide's one-bias-for-the-stack slip)."""

import pytest
from layer_oracle import conv_weights, field

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.stacked_3x3_vs_large import TEMPLATE, StackParams

SEEDS = range(150)


def test_slides_two_3x3_vs_one_5x5():
    # 001: 3*3*128*128 + 3*3*128*128 = 294,912 vs 5*5*128*128 = 409,600 (no bias)
    assert TEMPLATE.solve(StackParams(2, 128, 128, False)) == {"field": 5, "stack": 294_912, "single": 409_600}


@pytest.mark.parametrize("d", [16, 64, 256])
def test_slides_three_3x3_vs_one_7x7(d):
    # 003: 27d^2 vs 49d^2 weights; with biases 27d^2 + 3d (the slide's "+ d" counts one layer's biases)
    assert TEMPLATE.solve(StackParams(3, d, d, False)) == {"field": 7, "stack": 27 * d * d, "single": 49 * d * d}
    assert TEMPLATE.solve(StackParams(3, d, d, True)) == {"field": 7, "stack": 27 * d * d + 3 * d,
                                                         "single": 49 * d * d + d}
    params = StackParams(3, d, d, True)
    slip = {m.name: m.answers for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}["one-bias-for-stack"]
    assert slip == {"stack": 27 * d * d + d}


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_match_counting(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        p = variant.params
        k = field([(3, 1, 1)] * p.n_layers)
        stack = conv_weights(p.in_channels, p.out_channels, 3, p.bias) + sum(
            conv_weights(p.out_channels, p.out_channels, 3, p.bias) for _ in range(p.n_layers - 1))
        assert variant.answers == {"field": k, "stack": stack,
                                   "single": conv_weights(p.in_channels, p.out_channels, k, p.bias)}
        assert k == 2 * p.n_layers + 1
        if p.in_channels == p.out_channels:  # VGG's argument; widening stacks may need more
            assert variant.answers["stack"] < variant.answers["single"]
        assert (p.in_channels != p.out_channels) == (difficulty == "hard")


def test_misconceptions_are_recognised():
    seen = set()
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, "hard")
        for m in variant.misconceptions:
            seen.add(m.name)
            raw = key_as_raw(variant) | {k: str(v) for k, v in m.answers.items()}
            for result in grade_variant(variant, raw):
                assert (result.misconception == m.name) == (result.slot in m.answers)
    assert seen == {"summed-kernels", "counted-one-layer", "forgot-input-channels", "forgot-bias",
                    "one-bias-for-stack"}
