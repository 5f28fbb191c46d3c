"""inception-reduction: the classic 28x28x192 example, inception (3a)'s output, keys against counting by
hand, and the misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.templates.inception_reduction import LEVELS, TEMPLATE, InceptionParams

ALL = LEVELS["hard"]["slots"]


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


# Inception (3a) of Szegedy et al. (2014), Table 1: 28x28x192 in; #1x1 64, #3x3 reduce 96, #3x3 128,
# #5x5 reduce 16, #5x5 32, pool proj 32.
INCEPTION_3A = InceptionParams((192, 28, 28), 16, 32, False, (64, 96, 128, 32), ALL)


def test_inception_3a():
    key = TEMPLATE.solve(INCEPTION_3A)
    # the 5x5 branch's savings, the usual lecture example: 28*28*32 * 5*5*192 = 120,422,400 ("120M")
    # against 28*28*16*192 + 28*28*32*5*5*16 = 2,408,448 + 10,035,200 = 12,443,648 ("12.4M")
    assert key["macs_direct"] == 120422400
    assert key["macs_reduced"] == 2408448 + 10035200 == 12443648
    assert TEMPLATE.slots(INCEPTION_3A)[2].type.format(key["speedup"]) == "9.68"
    assert key["params_direct"] == 5 * 5 * 192 * 32 == 153600
    assert key["params_reduced"] == 192 * 16 + 5 * 5 * 16 * 32 == 15872
    assert key["module_shape"] == (256, 28, 28)  # 64 + 128 + 32 + 32, Table 1's output size


def oracle(p):
    c_in, h, w = p.input_shape
    r, c_out, k, b = p.reduction, p.out_channels, p.kernel_size, p.bias
    weights_direct, weights_reduced = k * k * c_in * c_out, c_in * r + k * k * r * c_out
    out = {"macs_direct": weights_direct * h * w, "macs_reduced": weights_reduced * h * w,
           "speedup": Fraction(weights_direct, weights_reduced),
           "params_direct": weights_direct + (c_out if b else 0),
           "params_reduced": weights_reduced + ((r + c_out) if b else 0)}
    if p.branches:
        n1, _, n3, pool = p.branches
        out["module_shape"] = (n1 + n3 + c_out + pool, h, w)
    return out


def test_keys_against_counting(many):
    for v in many:
        ref = oracle(v.params)
        assert v.answers == {k: ref[k] for k in v.params.asked}


def test_variants_are_bottlenecks_that_save(many):
    for v in many:
        p = v.params
        assert p.reduction < p.input_shape[0] and p.reduction <= p.out_channels
        assert v.answers["speedup"] > 1
        assert p.padding == (p.kernel_size - 1) // 2  # 'same': the output keeps H x W
    assert {len(v.slots) for v in many} == {3, 5, 6}
    assert all((v.params.branches is not None) == ("module_shape" in v.answers) for v in many)


def test_rounding_is_stated():
    v = TEMPLATE.variant(4, "easy")
    (text,) = [b.text for b in v.question if hasattr(b, "text") and "factor" in b.text]
    assert "Round to 2 decimal places" in text


def test_misconception_answers():
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(INCEPTION_3A, TEMPLATE.solve(INCEPTION_3A))}
    # without the 1x1 layer's cost the savings would be exactly C_in / r
    assert wrong["forgot-reduction-cost"]["speedup"] == Fraction(192, 16)
    assert wrong["forgot-reduction-cost"]["macs_reduced"] == 10035200
    assert wrong["ratio-inverted"]["speedup"] == Fraction(12443648, 120422400)
    assert wrong["one-output-position"]["macs_direct"] == 153600
    assert wrong["added-not-concatenated"]["module_shape"] == (128, 28, 28)
    assert wrong["counted-reduction-channels"]["module_shape"] == (256 + 96 + 16, 28, 28)
    assert wrong["forgot-pool-branch"]["module_shape"] == (224, 28, 28)


@pytest.mark.parametrize("name", ["forgot-reduction-cost", "ratio-inverted", "one-output-position", "forgot-biases",
                                  "added-not-concatenated", "counted-reduction-channels", "forgot-pool-branch"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)
