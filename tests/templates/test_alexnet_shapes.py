"""alexnet-shapes: the original network's shapes and 60,965,224 parameters, keys against the loop oracle,
altered hyperparameters, realizability and the misconceptions."""

from fractions import Fraction

import pytest
from net_oracle import walk

from cnnexam.templates.alexnet_shapes import ALEXNET, TEMPLATE, AlexNetParams

ALL = ("shape", "conv_params", "fc6_params", "total_millions")


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


def original(layer_shape="POOL3", layer_params="CONV2", size=227):
    return AlexNetParams((3, size, size), ALEXNET, layer_shape, layer_params, ALL)


def test_original_alexnet():
    # Shapes: slides 002/001 and the paper's Figure 2 (55x55x96, 27x27x256, 13x13x384, 13x13x256, 6x6x256
    # feeding 4096). Parameters checked by hand, two groups in CONV2, CONV4 and CONV5 (5x5x48, 3x3x192,
    # 3x3x192 in seeds/001): 11*11*3*96+96 = 34944, 5*5*48*256+256 = 307456, 3*3*256*384+384 = 885120,
    # 3*3*192*384+384 = 663936, 3*3*192*256+256 = 442624, 9216*4096+4096 = 37752832,
    # 4096*4096+4096 = 16781312, 4096*1000+1000 = 4097000; 60,965,224 in all, the paper's "60 million".
    shapes = {"CONV1": (96, 55, 55), "POOL1": (96, 27, 27), "CONV2": (256, 27, 27), "POOL2": (256, 13, 13),
              "CONV3": (384, 13, 13), "CONV4": (384, 13, 13), "CONV5": (256, 13, 13), "POOL3": (256, 6, 6)}
    params = {"CONV1": 34944, "CONV2": 307456, "CONV3": 885120, "CONV4": 663936, "CONV5": 442624}
    for name, shape in shapes.items():
        assert TEMPLATE.solve(original(layer_shape=name))["shape"] == shape
    for name, count in params.items():
        assert TEMPLATE.solve(original(layer_params=name))["conv_params"] == count
    key = TEMPLATE.solve(original())
    assert key["fc6_params"] == 37752832
    assert key["total_millions"] == Fraction(60965224, 10**6)
    assert sum(p for _, p in walk((3, 227, 227), ALEXNET).values()) == 60965224


def test_224_input_does_not_divide_evenly():
    # The paper's 224x224 gives (224 - 11)/4 + 1 = 54.25, floored to 54; 227 gives the paper's 55.
    assert TEMPLATE.solve(original("CONV1", size=224))["shape"] == (96, 54, 54)


def test_misconceptions_of_the_original():
    params = original("POOL1")
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert wrong["ignored-groups"]["conv_params"] == 5 * 5 * 96 * 256 + 256
    assert wrong["forgot-biases"]["conv_params"] == 5 * 5 * 48 * 256
    assert wrong["pooling-not-overlapping"]["shape"] == (96, 18, 18)  # (55 - 3)/3 + 1
    assert wrong["channels-last"]["shape"] == (27, 27, 96)
    assert "ignored-padding" not in wrong or "shape" not in wrong["ignored-padding"]  # POOL1 comes before any padding


def test_keys_against_loop_oracle(many):
    for v in many:
        p, key = v.params, v.answers
        ref = walk(p.input_shape, p.layers)
        assert key["shape"] == ref[p.shape_layer][0]
        assert key["conv_params"] == ref[p.params_layer][1]
        if "fc6_params" in key:
            assert key["fc6_params"] == ref["FC6"][1]
        if "total_millions" in key:
            assert key["total_millions"] * 10**6 == sum(count for _, count in ref.values())


def test_hyperparameters_are_altered(many):
    # Not memorisable: input sizes, CONV1 kernels and filter counts vary; hard keeps the two groups.
    assert len({v.params.input_shape for v in many}) >= 5
    assert len({v.params.layers[0].kernel_size for v in many if v.difficulty != "easy"}) >= 3
    assert len({v.answers["conv_params"] for v in many}) > 30
    for v in many:
        grouped = [x.name for x in v.params.layers if getattr(x, "groups", 1) == 2]
        assert grouped == (["CONV2", "CONV4", "CONV5"] if v.difficulty == "hard" else [])
        assert [x.name for x in v.params.layers] == [x.name for x in ALEXNET]


def test_networks_are_realizable(many):
    for v in many:
        walk(v.params.input_shape, v.params.layers)
        assert all(d >= 1 for d in v.answers["shape"])


def test_total_is_rounded_as_stated():
    v = TEMPLATE.variant(1, "hard")
    assert "Round to 2 decimal places" in v.question[-2].text
    slot = v.slot("total_millions")
    exact = v.answers["total_millions"]
    assert slot.type.check(round(exact, 2), exact).score == 1
    assert slot.type.check(round(exact, 2) + Fraction(1, 100), exact).score == 0


@pytest.mark.parametrize("name", ["forgot-biases", "conv-params-without-input-channels", "ignored-groups",
                                  "ignored-padding", "pooling-not-overlapping", "rounded-up",
                                  "flatten-without-channels", "channels-last"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)


def test_prompt_states_that_sizes_round_down(many):
    # 227 - 3 over stride 2 is not always whole; without the rule a student may round up (ceil_mode=True)
    assert all("rounded down (floor)" in " ".join(b.text for b in v.question if hasattr(b, "text")) for v in many)
