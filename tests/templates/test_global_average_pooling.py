"""global-average-pooling: averages by plain loops, head parameters by the formula, the choice question."""

from collections import Counter
from fractions import Fraction

import pytest

from cnnexam.templates.global_average_pooling import REASONS, TEMPLATE, WRONG

SEEDS = range(80)


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_values_and_shape_match_plain_loops(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        x = v.params.input
        c, h, w = len(x), len(x[0]), len(x[0][0])
        assert v.answers["shape"] == (c, 1, 1)
        for i, channel in enumerate(x):
            assert v.answers[f"gap{i}"] == Fraction(sum(map(sum, channel)), h * w)


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_head_parameters(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        flat = p.head_channels * p.head_size**2
        if p.hidden:
            expected = flat * p.hidden + p.hidden + p.hidden * p.classes + p.classes
        else:
            expected = flat * p.classes + p.classes
        assert v.answers["fc_params"] == expected
        assert v.answers["gap_params"] == p.head_channels * p.classes + p.classes
        assert (p.hidden != 0) == (difficulty == "hard")


def test_easy_asks_only_the_pooling():
    for seed in range(10):
        v = TEMPLATE.variant(seed, "easy")
        assert set(v.answers) == {"shape"} | {f"gap{i}" for i in range(len(v.params.input))}


def test_choice_has_one_right_reason_and_a_shuffled_key():
    letters = Counter()
    for seed in range(200):
        v = TEMPLATE.variant(seed, "medium")
        why = v.params.why
        assert len(why) == 4 == len(set(why)) and sum(o in REASONS for o in why) == 1
        assert all(o in REASONS or o in WRONG for o in why)
        assert why[v.answers["why"]] in REASONS
        letters[v.answers["why"]] += 1
        # a distractor named after a misconception is recognised as that misconception
        for m in v.misconceptions:
            if "why" in m.answers:
                assert why[m.answers["why"]] == m.name
    assert set(letters) == {0, 1, 2, 3} and max(letters.values()) < 100


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_distinct_fractional_averages(difficulty):
    for seed in range(150):
        v = TEMPLATE.variant(seed, difficulty)
        values = [v.answers[f"gap{i}"] for i in range(len(v.params.input))]
        assert len(set(values)) == len(values) and any(Fraction(x).denominator > 1 for x in values)


def test_mistakes_are_the_named_computations():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "medium")
        p = v.params
        found = {m.name: m.answers for m in v.misconceptions}
        c, h, w = len(p.input), len(p.input[0]), len(p.input[0][0])
        assert found["gap-keeps-hw"]["shape"] == (c, h, w)
        assert found["averaged-over-channels"]["shape"] == (1, h, w)
        assert all(found["summed-not-averaged"].get(f"gap{i}", v.answers[f"gap{i}"] * h * w) == sum(map(sum, ch))
                   for i, ch in enumerate(p.input))
        assert found["counted-gap-weights"]["gap_params"] == v.answers["gap_params"] + p.head_channels
        assert found["forgot-bias"]["gap_params"] == p.head_channels * p.classes
        assert found["flattened-one-channel"]["fc_params"] == p.head_size**2 * p.classes + p.classes


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"summed-not-averaged", "gap-keeps-hw", "averaged-over-channels", "counted-gap-weights",
                     "forgot-bias", "flattened-one-channel"}
