"""The concept-template machinery and the fact banks of every template built on it."""

import numpy as np
import pytest

from cnnexam.templates import architecture_facts, cnn_principles, one_by_one_and_residual, pooling_concepts
from cnnexam.templates import training_techniques
from cnnexam.templates._concept_quiz import (
    Belief, Claim, MultipleChoice, SingleChoice, Choice, Option, distinct, draw, draw_claims, subset_order)

MODULES = [architecture_facts, cnn_principles, training_techniques, pooling_concepts, one_by_one_and_residual]
IDS = [m.TEMPLATE.id for m in MODULES]


def _claims(module):
    found = list(module.CLAIMS.values())
    for multi in getattr(module, "MULTIS", {}).values():
        found += multi.options
    if hasattr(module, "FEWER"):
        found += module.FEWER.options
    return found


def _beliefs(module):
    for claim in _claims(module):
        if claim.belief:
            yield claim.belief
    for choice in getattr(module, "CHOICES", {}).values():
        yield from (o.belief for o in choice.options if o.belief)
    for recall in getattr(module, "RECALLS", {}).values():
        yield from (o.belief for o in recall.confusions if o.belief)


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_every_fact_has_a_source_and_an_explanation(module):
    for claim in _claims(module):
        assert claim.source.strip() and claim.why.strip(), claim.id
        assert claim.text.strip()
    for choice in getattr(module, "CHOICES", {}).values():
        assert choice.source.strip() and choice.why.strip(), choice.id


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_no_statement_is_both_true_and_false(module):
    truth: dict[str, bool] = {}
    for claim in module.CLAIMS.values():
        assert truth.setdefault(claim.text, claim.true) == claim.true, claim.text


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_choices_have_distinct_options_and_a_wrong_pick_per_belief(module):
    for choice in getattr(module, "CHOICES", {}).values():
        texts = [" ".join(o.text.casefold().split()) for o in choice.options]
        assert len(set(texts)) == len(texts) >= 3, choice.id
        assert choice.options[0].belief is None, f"{choice.id}: the right answer carries a belief"


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_a_belief_name_always_means_the_same_belief(module):
    # Beliefs of one name are merged into one misconception: their texts must agree.
    seen: dict[str, Belief] = {}
    for belief in _beliefs(module):
        assert seen.setdefault(belief.name, belief) == belief, belief.name


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_variants_never_repeat_a_group(module):
    # Two items of one group in a variant would give each other away.
    template = module.TEMPLATE
    for seed in range(150):
        for difficulty in template.difficulties:
            parts = template.parts(template.variant(seed, difficulty).params)
            groups: list[str] = []
            for part in parts:
                if isinstance(part, MultipleChoice):
                    groups += [g for c in part.claims for g in (c.groups or (c.id,))]
                elif isinstance(part, SingleChoice):
                    groups += list(part.choice.groups or (part.choice.id,))
                elif hasattr(part, "claim"):
                    groups += list(part.claim.groups or (part.claim.id,))
            assert len(groups) == len(set(groups)), (seed, difficulty, groups)


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_no_two_misconceptions_give_the_same_wrong_answer(module):
    # Feedback names the first misconception that matches: a second one with the same answer would never be named.
    template = module.TEMPLATE
    for seed in range(100):
        variant = template.variant(seed, template.difficulties[seed % 3])
        for slot in variant.slots:
            answers = [repr(m.answers[slot.id]) for m in variant.misconceptions if slot.id in m.answers]
            assert len(answers) == len(set(answers)), (seed, slot.id)


def test_draw_respects_groups_and_counts():
    pool = [Claim(f"c{i}", "x", i % 2 == 0, "w", "s", groups=(f"g{i // 2}",)) for i in range(12)]
    rng = np.random.default_rng(3)
    for _ in range(50):
        taken = {"g0"}
        got = draw(rng, pool, 4, taken)
        groups = [c.groups[0] for c in got]
        assert len(set(groups)) == 4 and "g0" not in groups
    with pytest.raises(ValueError, match="too few independent items"):
        draw(rng, pool, 7, set())
    for _ in range(50):
        picked = draw_claims(rng, pool, 4, (1, 2), set())
        assert 1 <= sum(c.true for c in picked) <= 2


def test_subset_order_always_shows_the_right_option_once():
    rng = np.random.default_rng(0)
    positions = set()
    for _ in range(100):
        order = subset_order(rng, 7, 4)
        assert len(order) == len(set(order)) == 4 and order.count(0) == 1 and max(order) < 7
        positions.add(order.index(0))
    assert positions == {0, 1, 2, 3}  # the key is not always A


def test_multiple_choice_beliefs_flip_every_statement_resting_on_them():
    belief = Belief("b", "d", "f")
    claims = [Claim("t1", "T1", True, "w", "s", belief), Claim("f1", "F1", False, "w", "s", belief),
              Claim("t2", "T2", True, "w", "s"), Claim("f2", "F2", False, "w", "s", Belief("c", "d", "f"))]
    part = MultipleChoice("Which?", claims)
    assert part.keys("a") == {"a": frozenset({0, 2})}
    wrong = {b.name: answer["a"] for b, answer in part.beliefs("a")}
    assert wrong == {"b": frozenset({1, 2}), "c": frozenset({0, 2, 3})}


def test_single_choice_key_follows_the_shuffle():
    choice = Choice("q", "Which?", (Option("right"), Option("w1", Belief("b1", "d", "f")), Option("w2"), Option("w3")), "w", "s")
    part = SingleChoice(choice, (2, 0, 3, 1))
    assert part.keys("a") == {"a": 1}
    assert [(b.name, a["a"]) for b, a in part.beliefs("a")] == [("b1", 3)]


def test_distinct_drops_answers_equal_to_the_key_or_to_an_earlier_belief():
    b1, b2, b3 = Belief("b1", "d", "f"), Belief("b2", "d", "f"), Belief("b3", "d", "f")
    assert distinct(5, [(b1, 5), (b2, 7), (b3, 7)]) == [(b2, 7)]


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_no_option_reads_like_a_malformed_answer(module):
    # An option spelled "None" would be picked by a student who typed None by accident.
    from cnnexam.model.answers import _normal_text
    from cnnexam.model.stress import MALFORMED

    malformed = {_normal_text(m) for m in MALFORMED if isinstance(m, str)}
    texts = [o.text for c in getattr(module, "CHOICES", {}).values() for o in c.options] + [c.text for c in _claims(module)]
    assert not [t for t in texts if _normal_text(t) in malformed]
