"""classic-kernel-identify: the right option by an independent route, distinct candidates, named confusions."""

from fractions import Fraction

import pytest

from cnnexam.model.grading import grade_variant
from cnnexam.templates._classic_kernels import CONFUSIONS, EFFECTS, KERNELS, confusable
from cnnexam.templates.classic_kernel_identify import TEMPLATE, WHY

SEEDS = range(80)


def filtered(image, kernel, divisor=1):
    """Plain-loop cross-correlation without padding, divided exactly."""
    n = len(image)
    return [[Fraction(sum(image[i + a][j + b] * kernel[a][b] for a in range(3) for b in range(3)), divisor)
             for j in range(n - 2)] for i in range(n - 2)]


def matrices(variant):
    return {b.label: [list(r) for r in b.rows] for b in variant.question if type(b).__name__ == "Matrix"}


def test_describe_mode_picks_the_effect_of_the_shown_kernel():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "easy")
        k = KERNELS[v.params.kernel]
        kernel = matrices(v)["Kernel K"]
        assert kernel == [[v.params.sign * Fraction(w, k.divisor) for w in row] for row in k.numerator]
        assert v.slots[0].type.options[v.answers["choice"]].lower() == EFFECTS[k.effect].lower()
        effects = [o.lower() for o in v.slots[0].type.options]
        assert len(set(effects)) == 4 and all(e in {x.lower() for x in EFFECTS.values()} for e in effects)


def test_effect_mode_output_comes_from_the_key_kernel_only():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "medium")
        p = v.params
        y = [[Fraction(c) for c in row] for row in matrices(v)[next(m for m in matrices(v) if m.startswith("Filtered"))]]
        key = KERNELS[p.options[v.answers["choice"]]]
        assert key.key == p.kernel and filtered(p.input, key.numerator, key.divisor) == y
        for option in p.options:
            if option != p.kernel:
                other = KERNELS[option]
                assert other.effect != key.effect and filtered(p.input, other.numerator, other.divisor) != y


def test_matrix_mode_only_the_kernel_as_shown_reproduces_the_output():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "hard")
        shown_matrices = matrices(v)
        y = shown_matrices[next(m for m in shown_matrices if m.startswith("Filtered"))]
        candidates = [shown_matrices[f"Kernel {letter}"] for letter in "ABCD"]
        matches = [i for i, c in enumerate(candidates) if filtered(v.params.input, c) == y]
        assert matches == [v.answers["choice"]]
        assert candidates[v.answers["choice"]] == [list(r) for r in KERNELS[v.params.kernel].numerator]


def test_bank_confusions_give_two_named_distractors_per_effect():
    for effect in EFFECTS:
        near = confusable(effect)
        assert len(near) >= 2 and all(frozenset({effect, other}) in CONFUSIONS for other in near)
    assert set(WHY) == set(EFFECTS) and {k.effect for k in KERNELS.values()} == set(EFFECTS)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_every_wrong_pick_with_a_name_is_recognised(difficulty):
    for seed in range(30):
        v = TEMPLATE.variant(seed, difficulty)
        assert len(v.misconceptions) >= 2
        for m in v.misconceptions:
            (result,) = grade_variant(v, {"choice": "ABCD"[m.answers["choice"]]})
            assert result.misconception == m.name and result.earned == 0


def test_key_position_varies():
    for difficulty in TEMPLATE.difficulties:
        assert {TEMPLATE.variant(s, difficulty).answers["choice"] for s in SEEDS} == {0, 1, 2, 3}


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert {"swapped-edge-orientation", "kernel-flipped", "confused-box-and-gaussian", "confused-edge-and-sharpen",
            "confused-blur-and-high-pass"} <= names
