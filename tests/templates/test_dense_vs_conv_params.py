"""dense-vs-conv-params: the slides' 3 billion, keys by counting, the conv count's independence of the
image size, the rounded ratio, and the misconceptions."""

from dataclasses import replace
from fractions import Fraction

import pytest
from layer_oracle import conv_weights

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.templates.dense_vs_conv_params import TEMPLATE, DenseConvParams

SEEDS = range(150)


def dense_weights(inputs, units, bias):
    return sum(inputs + (1 if bias else 0) for _ in range(units))


def test_slides_three_billion():
    # 004: 1000x1000x3 = 3M inputs into 1000 units: 3B weights
    params = DenseConvParams(3, (1000, 1000), 1000, 10, 3, False, "ratio")
    answers = TEMPLATE.solve(params)
    assert answers["dense"] == 3_000_000_000
    assert answers["conv"] == 270  # 10 filters of 3x3x3 (004's 280 with biases)
    assert answers["ratio"] == Fraction(3_000_000_000, 270)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_match_counting(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        p = variant.params
        h, w = p.input_size
        dense = dense_weights(p.in_channels * h * w, p.out_features, p.bias)
        conv = conv_weights(p.in_channels, p.out_channels, p.kernel_size, p.bias)
        assert variant.answers["dense"] == dense and variant.answers["conv"] == conv
        if p.compare == "ratio":
            assert variant.answers["ratio"] == Fraction(dense, conv)
        elif p.compare == "difference":
            assert variant.answers["difference"] == dense - conv
        assert (p.compare == "") == (difficulty == "easy")


def test_conv_count_does_not_depend_on_the_image():
    params = TEMPLATE.variant(3, "hard").params
    other = replace(params, input_size=(params.input_size[0] * 2, params.input_size[1] + 7))
    assert TEMPLATE.solve(other)["conv"] == TEMPLATE.solve(params)["conv"]
    assert TEMPLATE.solve(other)["dense"] > TEMPLATE.solve(params)["dense"]


def test_ratio_prompt_states_the_rounding():
    variant = next(v for v in (TEMPLATE.variant(s, "medium") for s in SEEDS) if v.params.compare == "ratio")
    prompt = " ".join(b.text for b in variant.question if hasattr(b, "text"))
    assert "rounded to 1 decimal place" in prompt
    exact = variant.answers["ratio"]
    (result,) = [r for r in grade_variant(variant, {"ratio": f"{float(exact):.1f}"}) if r.slot == "ratio"]
    assert result.earned == result.points


def test_misconceptions_are_recognised():
    seen = set()
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, "hard")
        for m in variant.misconceptions:
            seen.add(m.name)
            raw = key_as_raw(variant) | {k: variant.slot(k).type.format(v) for k, v in m.answers.items()}
            for result in grade_variant(variant, raw):
                assert (result.misconception == m.name) == (result.slot in m.answers)
    assert seen == {"forgot-channels", "forgot-bias", "conv-depends-on-image-size"}


def test_conv_depends_on_image_size_counts_weights_per_position():
    params = DenseConvParams(3, (4, 5), 10, 2, 3, True, "difference")
    found = {m.name: m.answers for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert found["conv-depends-on-image-size"]["conv"] == 3 * 3 * 3 * 2 * 4 * 5 + 2
    assert found["forgot-channels"]["dense"] == 4 * 5 * 10 + 10



def test_prompt_opens_with_the_right_article():
    openings = {1: "A grayscale image", 3: "An RGB image", 4: "An RGBA image"}
    seen = set()
    for seed in range(60):
        for difficulty in TEMPLATE.difficulties:
            variant = TEMPLATE.variant(seed, difficulty)
            channels = variant.params.in_channels
            assert variant.question[0].text.startswith(openings[channels])
            seen.add(channels)
    assert seen == {1, 3, 4}
