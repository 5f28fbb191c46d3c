"""mobilenet-separable: the paper's cost ratio 1/N + 1/D_K^2, the engine's closed form for the separable
parameter count, keys against counting by hand, and the misconceptions."""

from fractions import Fraction

import pytest
from net_oracle import windows

from cnnexam.solutions import depthwise_separable_params
from cnnexam.templates.mobilenet_separable import TEMPLATE, MobileNetParams


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


def full(m, n, size, k=3, stride=1):
    return MobileNetParams((m, size, size), n, k, stride, k // 2,
                           ("shape", "params_standard", "params_separable", "macs_standard", "macs_separable", "ratio"))


def test_ratio_is_one_over_n_plus_one_over_dk_squared(many):
    # Howard et al. (2017), eq. (5): the cost ratio does not depend on M or on the map size
    for v in many:
        if "ratio" in v.answers:
            assert v.answers["ratio"] == Fraction(1, v.params.out_channels) + Fraction(1, v.params.kernel_size**2)


def test_3x3_separable_is_8_to_9_times_cheaper():
    # "MobileNet uses 3x3 depthwise separable convolutions which uses between 8 to 9 times less computation"
    # (true from N = 128 channels on; N = 64 gives 576/73 = 7.9)
    assert TEMPLATE.solve(full(64, 64, 14))["ratio"] == Fraction(73, 576)
    for n in (128, 256, 512, 1024):
        ratio = TEMPLATE.solve(full(64, n, 14))["ratio"]
        assert 8 <= 1 / ratio < 9


def test_a_mobilenet_layer():
    # MobileNet's 14x14x512 -> 512 layer: depthwise 3*3*512 = 4608, pointwise 512*512 = 262144
    key = TEMPLATE.solve(full(512, 512, 14))
    assert key["params_separable"] == 4608 + 262144
    assert key["params_standard"] == 3 * 3 * 512 * 512 == 2359296
    assert key["macs_separable"] == (4608 + 262144) * 14 * 14
    assert key["shape"] == (512, 14, 14)
    assert TEMPLATE.solve(full(512, 1024, 14, stride=2))["shape"] == (1024, 7, 7)


def oracle(p):
    m, size, _ = p.input_shape
    n, k = p.out_channels, p.kernel_size
    o = windows(size, k, p.stride, p.padding)
    standard, separable = k * k * m * n, k * k * m + m * n
    return {"shape": (n, o, o), "params_standard": standard, "params_separable": separable,
            "macs_standard": standard * o * o, "macs_separable": separable * o * o,
            "ratio": Fraction(separable, standard)}


def test_keys_against_counting(many):
    for v in many:
        ref = oracle(v.params)
        assert v.answers == {k: ref[k] for k in v.params.asked}
        m, n, k = v.params.input_shape[0], v.params.out_channels, v.params.kernel_size
        assert v.answers["params_separable"] == depthwise_separable_params(m, n, k, bias=False)


def test_difficulties(many):
    easy = [v for v in many if v.difficulty == "easy"]
    hard = [v for v in many if v.difficulty == "hard"]
    assert all(set(v.answers) == {"params_standard", "params_separable"} for v in easy)
    assert {v.params.stride for v in hard} == {1, 2} and {v.params.kernel_size for v in hard} == {3, 5}


def test_misconception_answers():
    params = full(32, 64, 28)
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(params, TEMPLATE.solve(params))}
    assert wrong["depthwise-with-all-filters"]["params_separable"] == 3 * 3 * 32 * 64 + 32 * 64
    assert wrong["forgot-pointwise"]["ratio"] == Fraction(1, 64)
    assert wrong["forgot-depthwise"]["ratio"] == Fraction(1, 9)
    assert wrong["ratio-inverted"]["ratio"] == 1 / (Fraction(1, 64) + Fraction(1, 9))


@pytest.mark.parametrize("name", ["depthwise-with-all-filters", "forgot-pointwise", "forgot-depthwise",
                                  "ratio-inverted"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)
