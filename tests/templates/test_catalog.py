"""Every template in the catalog, over hundreds of seeds: the contract an exam relies on."""

import dataclasses
import json
import re
import string

import pytest

from cnnexam.model import TOPICS, Template
from cnnexam.model.blocks import Text, slots_in
from cnnexam.model.grading import FORMAT_ERROR, MISSING, grade_variant
from cnnexam.model.stress import MALFORMED, _readable, stress
from cnnexam.templates import all_templates, get_template

SEEDS = 200
TEMPLATES = list(all_templates().values())
IDS = [t.id for t in TEMPLATES]


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_stress_over_seeds(template: Template):
    report = stress(template, SEEDS)
    assert report.ok, f"{template.id}: " + "; ".join(report.problems)
    assert report.failures == 0 and report.key_not_full == 0


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_same_seed_same_variant(template: Template):
    for seed in (0, 7, 123456789):
        for difficulty in template.difficulties:
            first = json.dumps(template.variant(seed, difficulty).to_json(), sort_keys=True)
            again = json.dumps(template.variant(seed, difficulty).to_json(), sort_keys=True)
            assert first == again


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_malformed_answers_are_format_errors(template: Template):
    variant = template.variant(11)
    for slot in variant.slots:
        for raw in MALFORMED:
            (result,) = [r for r in grade_variant(variant, {slot.id: raw}) if r.slot == slot.id]
            if _readable(slot, raw):  # e.g. "abc" ticks A, B and C of a multiple choice
                continue
            assert result.status in (FORMAT_ERROR, MISSING), (slot.id, raw, result)
            assert result.earned == 0


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_declared_metadata(template: Template):
    assert template.topic in TOPICS
    assert template.id == template.id.lower() and " " not in template.id and "_" not in template.id
    variant = template.variant(5)
    assert {s.type.kind for s in variant.slots} <= set(template.answer_kinds)
    assert all(s.points > 0 for s in variant.slots)
    assert variant.answers and set(variant.answers) == {s.id for s in variant.slots}


def test_unknown_template_names_close_matches():
    with pytest.raises(KeyError, match="conv2d-output"):
        get_template("conv2d-outptu")


def test_catalog_covers_every_topic():
    assert {t.topic for t in TEMPLATES} == set(TOPICS)


PART_LABEL = re.compile(r"\(([a-z])\) ")


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_part_letters_in_prompts_match_the_answer_letters(template: Template):
    """Papers letter answers (a), (b), ... in slot order; a prompt that says "(c)" must mean the answer
    printed as (c), or a student answers the wrong part."""
    for difficulty in template.difficulties:
        for seed in range(40):
            variant = template.variant(seed, difficulty)
            letters = {s.id: string.ascii_lowercase[i] for i, s in enumerate(variant.slots)}
            assert slots_in(variant.question) == [s.id for s in variant.slots], "slots are placed out of order"
            pending = None  # the part label of the latest prompt text not yet followed by an answer
            for block in variant.question:
                if isinstance(block, Text) and (label := PART_LABEL.match(block.text)):
                    pending = label.group(1)
                placed = slots_in([block])
                if placed and pending:
                    assert letters[placed[0]] == pending, (difficulty, seed, block)
                    pending = None


def test_a_point_split_that_follows_a_hidden_size_fails_the_stress_test():
    """conv2d-output hides the output's size under a neutral answer area; points that grew with the
    size (as they once did) would print it beside the parts."""
    base = get_template("conv2d-output")

    class Revealing(type(base)):
        def slots(self, params):
            shape, output = super().slots(params)
            rows, cols = output.type.shape
            return (shape, dataclasses.replace(output, points=rows * cols / 2))

    assert stress(base, 60).ok
    problems = stress(Revealing(), 60).problems
    assert any(p.endswith("although an answer's size is hidden: they give the size away") for p in problems), problems
