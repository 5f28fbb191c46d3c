"""lrn-value: the key by the slide's formula in a plain loop, exact values for the easy constants, the
paper's constants at hard, torch's convention in the JSON, misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.templates.lrn_value import DECIMALS, TEMPLATE

SEEDS = range(80)


def lrn(a, i, n, k, alpha, beta, square=True):
    """Slide 001: b^i = a^i / (k + alpha * sum_{j=max(0, i-n/2)}^{min(N-1, i+n/2)} (a^j)^2)^beta."""
    window = range(max(0, i - n // 2), min(len(a) - 1, i + n // 2) + 1)
    total = sum(a[j] ** 2 if square else a[j] for j in window)
    return a[i] / (k + alpha * total) ** beta


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_the_slide_formula(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        assert v.answers["b"] == pytest.approx(lrn(p.input, p.channel, p.n, p.k, p.alpha, p.beta), rel=1e-12)


def test_easy_constants_give_an_exact_fraction():
    # k = 1, alpha = 1, beta = 1: b = a_i / (1 + sum of squares), a fraction a student can check.
    for seed in SEEDS:
        p = TEMPLATE.variant(seed, "easy").params
        assert (p.k, p.alpha, p.beta, p.n) == (1, 1, 1, 3)
        window = range(max(0, p.channel - 1), min(len(p.input), p.channel + 2))
        exact = Fraction(p.input[p.channel], 1 + sum(p.input[j] ** 2 for j in window))
        assert TEMPLATE.variant(seed, "easy").answers["b"] == pytest.approx(float(exact), abs=1e-15)


def test_hard_uses_the_alexnet_constants_and_channels_reach_the_border():
    # Krizhevsky et al. 2012, Sect. 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75.
    borders = 0
    for seed in range(150):
        p = TEMPLATE.variant(seed, "hard").params
        assert (p.k, p.n, p.alpha, p.beta) == (2, 5, 1e-4, 0.75)
        borders += p.channel < 2 or p.channel > len(p.input) - 3
    assert borders > 10  # the window is clipped at the first and last channels


def test_torch_arguments_divide_alpha_by_size():
    p = TEMPLATE.variant(4, "medium").to_json()["params"]
    assert p["torch"] == {"size": p["n"], "alpha": pytest.approx(p["alpha"] * p["n"]), "beta": p["beta"], "k": p["k"]}
    assert len(p["input"]) == 1 and all(len(ch) == 1 and len(ch[0]) == 1 for ch in p["input"][0])


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_nothing_degenerate(difficulty):
    for seed in range(150):
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        assert p.input[p.channel] != 0 and len(v.misconceptions) >= 2
        scaled = v.answers["b"] * 10**DECIMALS
        assert abs(scaled - int(scaled) - 0.5) > 1e-6


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "hard")
        p = v.params
        found = {m.name: m.answers["b"] for m in v.misconceptions}
        a, i = p.input, p.channel
        assert found["forgot-square"] == pytest.approx(lrn(a, i, p.n, p.k, p.alpha, p.beta, square=False))
        assert found["alpha-divided-by-n"] == pytest.approx(lrn(a, i, p.n, p.k, p.alpha / p.n, p.beta))
        assert found["forgot-beta"] == pytest.approx(lrn(a, i, p.n, p.k, p.alpha, 1))
        if "summed-all-channels" in found:
            assert found["summed-all-channels"] == pytest.approx(lrn(a, i, 2 * len(a), p.k, p.alpha, p.beta))


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"summed-all-channels", "forgot-square", "alpha-divided-by-n", "forgot-beta"}
