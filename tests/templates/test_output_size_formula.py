"""output-size-formula: the key agrees with the window-counting oracle at its points and elsewhere,
equivalent forms earn full marks, every mistake is told apart at the points, and the slides' formulas."""

import random
from dataclasses import replace

import pytest
import sympy
from layer_oracle import conv_size, pool_size

from cnnexam.model.grading import grade_variant
from cnnexam.templates.output_size_formula import KINDS, LEVELS, TEMPLATE, OutputFormulaParams, valid

SEEDS = range(12)


def oracle(kind, args):
    """The output size by sliding windows (transposed: scatter each input position's kernel)."""
    n, f = args["n"], args["f"]
    if kind.startswith("transpose"):
        s, p = args["s"], args["p"]
        last = (n - 1) * s + f - 1  # index of the last cell the scattered kernels reach
        return last + 1 - 2 * p + args.get("a", 0)
    if kind == "pool":
        return pool_size(n, f, None, args["p"])
    if kind == "pool-valid":
        return pool_size(n, f, args["s"])
    return conv_size(n, f, args.get("s", 1), args.get("p", 0), args.get("d", 1))


def value(variant, formula, point):
    expr = variant.slots[0].type.parse(formula)
    return expr.xreplace({sympy.Symbol(name, integer=True): sympy.Integer(v)
                          for name, v in zip(variant.params.names, point)})


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_the_oracle_at_its_points_and_elsewhere(difficulty):
    rng = random.Random(difficulty)
    for seed in SEEDS:
        variant = TEMPLATE.variant(seed, difficulty)
        kind = variant.params.kind
        variables = KINDS[kind][0]
        assert kind in LEVELS[difficulty] and len(set(variant.params.points)) == len(variant.params.points)
        extra = [tuple(rng.randint(1, 20) if v in "nfs" else rng.randint(0, 4) for v in variables) for _ in range(60)]
        for point in variant.params.points + tuple(pt for pt in extra if valid(kind, pt)):
            assert valid(kind, point)
            assert value(variant, variant.answers["formula"], point) == oracle(kind, dict(zip(variables, point)))


def test_equivalent_forms_and_the_slides():
    # 004: floor((n + 2p - f)/s) + 1; a student may fold the +1 into the fraction or write //
    params = OutputFormulaParams("conv", ("n", "p", "f", "s"), ((7, 0, 3, 2), (7, 0, 3, 3), (8, 1, 3, 2), (9, 2, 5, 3)))
    variant = replace(TEMPLATE.variant(0, "medium"), params=params, slots=TEMPLATE.slots(params),
                      answers=TEMPLATE.solve(params), misconceptions=())
    for form in ("floor((n + 2*p - f)/s) + 1", "floor((n + 2*p - f + s)/s)", "(n + 2*p - f)//s + 1",
                 "o = ⌊(n+2*p-f)/s⌋ + 1"):
        (result,) = grade_variant(variant, {"formula": form})
        assert result.earned == result.points, form
    # 003: N = 7, F = 3: S = 2 gives 3 and S = 3 gives 2.33, so 2 positions
    assert value(variant, variant.answers["formula"], (7, 0, 3, 2)) == 3
    assert value(variant, variant.answers["formula"], (7, 0, 3, 3)) == 2
    (wrong,) = grade_variant(variant, {"formula": "(n + 2*p - f)/s + 1"})
    assert wrong.earned == 0


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_every_mistake_differs_and_is_named(difficulty):
    for seed in SEEDS[:6]:
        variant = TEMPLATE.variant(seed, difficulty)
        names = {m.name for m in variant.misconceptions}
        assert names == {name for name, *_ in KINDS[variant.params.kind][3]}
        for m in variant.misconceptions:
            (result,) = grade_variant(variant, {"formula": m.answers["formula"]})
            assert result.misconception == m.name and result.earned == 0
            if m.name == "forgot-plus-one":
                variables = KINDS[variant.params.kind][0]
                for point in variant.params.points:
                    assert value(variant, m.answers["formula"], point) == oracle(
                        variant.params.kind, dict(zip(variables, point))) - 1


def test_notations_and_kinds_vary():
    variants = [TEMPLATE.variant(s, d) for s in range(40) for d in ("easy", "hard")]
    assert {v.params.kind for v in variants} == set(LEVELS["easy"] + LEVELS["hard"])
    assert len({v.params.names[0] for v in variants}) >= 4
