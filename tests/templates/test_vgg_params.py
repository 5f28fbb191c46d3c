"""vgg-params: the VGG totals (138,357,544 for VGG16), the first FC layer, the slides' 3x3-stack count,
keys against the loop oracle, realizability and the misconceptions."""

from fractions import Fraction

import pytest
from net_oracle import walk

from cnnexam.templates.vgg_params import CONFIGS, TEMPLATE, VggParams

ALL = ("shape", "block_params", "fc1_params", "total_millions")


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


def paper(name, size=224, classes=1000, shape_block=5, params_block=1):
    return VggParams((3, size, size), CONFIGS[name], (4096, 4096, classes), name, shape_block, params_block, ALL)


@pytest.mark.parametrize("name, total", [
    # the paper's Table 2 rounds these to 133, 133, 138 and 144 million; seeds/003 quotes 138M and 144M
    ("VGG11", 132863336), ("VGG13", 133047848), ("VGG16", 138357544), ("VGG19", 143667240)])
def test_paper_totals(name, total):
    key = TEMPLATE.solve(paper(name))
    assert key["total_millions"] == Fraction(total, 10**6)
    assert sum(count for _, count in walk((3, 224, 224), paper(name).layers()).values()) == total
    assert key["shape"] == (512, 7, 7)
    assert key["fc1_params"] == 7 * 7 * 512 * 4096 + 4096 == 102764544


def test_vgg16_rounds_to_the_slides_138_million():
    v = TEMPLATE.variant(0, "hard")
    assert v.slot("total_millions").type.format(Fraction(138357544, 10**6)) == "138.36"


def test_slides_two_3x3_convolutions():
    # seeds/001: 3*3*128*128 + 3*3*128*128 = 294,912 weights for two stacked 3x3 convolutions (no biases
    # counted there); with a bias per filter the block has 295,168, and the forgot-biases
    # misconception gives the slide's number.
    params = VggParams((128, 16, 16), ((128, 128),), (10,), "", 1, 1, ("shape", "block_params"))
    key = TEMPLATE.solve(params)
    assert key == {"shape": (128, 8, 8), "block_params": 295168}
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(params, key)}
    assert wrong["forgot-biases"]["block_params"] == 294912
    assert wrong["forgot-pooling"]["shape"] == (128, 16, 16)
    assert wrong["ignored-padding"]["shape"] == (128, 6, 6)  # 16 -> 14 -> 12, halved


def test_keys_against_loop_oracle(many):
    for v in many:
        p, key = v.params, v.answers
        ref = walk(p.input_shape, p.layers())
        assert key["shape"] == ref[f"POOL{p.shape_block}"][0]
        assert key["block_params"] == sum(count for name, (_, count) in ref.items()
                                          if name.startswith(f"CONV{p.params_block}_"))
        if "fc1_params" in key:
            assert key["fc1_params"] == ref["FC1"][1]
        if "total_millions" in key:
            assert key["total_millions"] * 10**6 == sum(count for _, count in ref.values())


def test_stacks_are_realizable_and_vgg_shaped(many):
    for v in many:
        ref = walk(v.params.input_shape, v.params.layers())
        assert all(shape[1] >= 1 for name, (shape, _) in ref.items() if name.startswith("POOL"))
        # every 3x3 convolution keeps the size and every pool halves it exactly
        blocks = len(v.params.blocks)
        assert ref[f"POOL{blocks}"][0][1] * 2**blocks == v.params.input_shape[1]
        if v.difficulty == "hard":
            assert v.params.blocks in CONFIGS.values() and v.params.fc[:2] == (4096, 4096)


@pytest.mark.parametrize("name", ["forgot-biases", "conv-params-without-input-channels", "pooling-with-parameters",
                                  "ignored-padding", "forgot-pooling", "flatten-without-channels", "channels-last"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)
