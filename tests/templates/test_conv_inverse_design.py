"""conv-inverse-design: the key is the only allowed value giving the target (window-counting oracle),
the stated range, the slides' 'same' paddings, and the misconceptions."""

import pytest
from layer_oracle import conv_size

from cnnexam.model.grading import grade_variant
from cnnexam.templates.conv_inverse_design import TEMPLATE, InverseParams

SEEDS = range(120)


def output(p: InverseParams, value):
    args = dict(kernel_size=p.kernel_size, stride=p.stride, padding=p.padding, dilation=p.dilation)
    args[p.unknown] = value
    if p.dilation * (args["kernel_size"] - 1) + 1 > p.size + 2 * args["padding"]:
        return None
    return conv_size(p.size, args["kernel_size"], args["stride"], args["padding"], args["dilation"])


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_is_the_unique_value_in_the_stated_range(difficulty):
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        p = variant.params
        allowed = [v for v in range(p.low, p.high + 1) if not p.odd_only or v % 2]
        assert [v for v in allowed if output(p, v) == p.output_size] == [variant.answers["value"]]
        prompt = " ".join(b.text for b in variant.question if hasattr(b, "text"))
        assert f"from {p.low} to {p.high}" in prompt and f"{p.output_size}x{p.output_size}" in prompt
        assert ("odd" in prompt) == p.odd_only
        if p.same:
            assert p.output_size == p.size and p.stride == 1


@pytest.mark.parametrize(("kernel", "padding"), [(3, 1), (5, 2), (7, 3)])
def test_slides_same_padding(kernel, padding):
    # 003 and 004: F = 3, 5, 7 need padding 1, 2, 3 for a 'same' output
    params = InverseParams("padding", True, 32, 32, kernel, 1, None, 1, 0, 10, False)
    assert TEMPLATE.solve(params) == {"value": padding}


def test_strided_example_from_the_slides():
    # 003: N = 7, F = 3: stride 2 gives 3 positions (stride 1 gives 5, stride 3 only 2)
    params = InverseParams("stride", False, 7, 3, 3, None, 0, 1, 1, 6, False)
    assert TEMPLATE.solve(params) == {"value": 2}


def test_every_kind_appears_with_pleasant_answers():
    kinds = {("same" if v.params.same else v.params.unknown)
             for d in TEMPLATE.difficulties for v in (TEMPLATE.variant(s, d) for s in SEEDS)}
    assert kinds == {"same", "padding", "stride", "kernel_size"}
    for seed in SEEDS:
        p = TEMPLATE.variant(seed, "hard").params
        value = TEMPLATE.solve(p)["value"]
        if p.unknown == "kernel_size":
            assert value % 2 == 1
        if p.unknown == "padding":
            assert value <= (p.dilation * (p.kernel_size - 1) + 1) // 2


def test_misconceptions_solve_the_wrong_formula():
    seen = set()
    for seed in SEEDS:
        for difficulty in TEMPLATE.difficulties:
            variant = TEMPLATE.variant(seed, difficulty)
            p = variant.params
            assert variant.misconceptions, "every variant has a recognisable mistake"
            for m in variant.misconceptions:
                seen.add(m.name)
                wrong = m.answers["value"]
                assert wrong != variant.answers["value"] and p.low <= wrong <= p.high
                if m.name == "forgot-plus-one":  # the forgetful formula gives the target at the wrong value
                    assert output(p, wrong) - 1 == p.output_size
                (result,) = grade_variant(variant, {"value": str(wrong)})
                assert result.misconception == m.name and result.earned == 0
    assert {"padded-one-side", "ignored-padding", "forgot-plus-one", "ceil-instead-of-floor",
            "ignored-dilation", "ignored-stride"} <= seen
