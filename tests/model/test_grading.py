"""Grading a variant: statuses, partial credit, misconception feedback; determinism of variants."""

from dataclasses import dataclass

import pytest

from cnnexam.model import (
    AnswerBox,
    AnswerFormatError,
    ArrayAnswer,
    FractionAnswer,
    IntegerAnswer,
    Misconception,
    MultipleChoiceAnswer,
    Params,
    ShapeAnswer,
    ShortTextAnswer,
    SingleChoiceAnswer,
    SymbolicAnswer,
    TrueFalseAnswer,
    Slot,
    Template,
    Text,
)
from cnnexam.model.grading import CORRECT, FORMAT_ERROR, MISSING, PARTIAL, WRONG, grade_variant, key_as_raw
from cnnexam.model.template import MAX_TRIES


@dataclass(frozen=True)
class SumParams(Params):
    values: tuple[int, ...]


class SumTemplate(Template):
    """A tiny template: add numbers; the misconception forgets the last one."""

    id = "test-sum"
    title = "Sum"
    topic = "convolution"
    answer_kinds = ("integer", "array", "single-choice")

    def generate(self, rng, difficulty):
        return SumParams(tuple(int(v) for v in rng.integers(1, 10, size=3)))

    def solve(self, params):
        total = sum(params.values)
        return {"total": total, "pair": ((total, total),), "pick": 0}

    def slots(self, params):
        total = sum(params.values)
        return (Slot("total", IntegerAnswer(), 2), Slot("pair", ArrayAnswer(shape=(1, 2)), 2),
                Slot("pick", SingleChoiceAnswer(options=(str(total), str(total - params.values[-1]))), 1))

    def question(self, params):
        return (Text(f"Add {params.values}."), AnswerBox("total"), AnswerBox("pair"), AnswerBox("pick"))

    def solution(self, params, answers):
        return (Text(f"= {answers['total']}"),)

    def misconceptions(self, params, answers):
        wrong = sum(params.values[:-1])
        return (Misconception("forgot-last", "forgot the last number", "Add every number.",
                              {"total": wrong, "pair": ((wrong, wrong),), "pick": 1}),)


def test_statuses_and_misconception_feedback():
    variant = SumTemplate().variant(1)
    total, last = sum(variant.params.values), variant.params.values[-1]
    results = {r.slot: r for r in grade_variant(variant, {
        "total": str(total - last), "pair": f"[[{total}, 0]]", "pick": "zz"})}
    assert results["total"].status == WRONG and results["total"].misconception == "forgot-last"
    assert "forgot the last number" in results["total"].feedback and "Add every number." in results["total"].feedback
    assert results["pair"].status == PARTIAL and results["pair"].earned == 1.0
    assert results["pick"].status == FORMAT_ERROR and "one letter from A to B" in results["pick"].feedback
    assert {r.status for r in grade_variant(variant, {})} == {MISSING}
    assert all(r.status == CORRECT for r in grade_variant(variant, key_as_raw(variant)))


def test_feedback_never_reveals_the_key():
    variant = SumTemplate().variant(2)
    total = sum(variant.params.values)
    for result in grade_variant(variant, {"total": "0", "pair": "[[0, 0]]", "pick": "B"}):
        assert str(total) not in result.feedback


def test_variants_are_deterministic_and_vary():
    template = SumTemplate()
    assert template.variant(5).to_json() == template.variant(5).to_json()
    ids = {template.variant(seed).variant_id for seed in range(50)}
    assert len(ids) > 30
    with pytest.raises(ValueError, match="difficulty must be one of"):
        template.variant(1, "impossible")


class AlwaysCoincides(SumTemplate):
    id = "test-coincides"

    def misconceptions(self, params, answers):
        return (Misconception("same", "did it right", "-", {"total": answers["total"]}),)


def test_a_misconception_equal_to_the_key_is_never_shipped():
    with pytest.raises(RuntimeError, match=f"no usable variant in {MAX_TRIES} tries.*misconception same gives the key"):
        AlwaysCoincides().variant(0)


def test_distinct_keeps_each_wrong_answer_for_one_named_mistake():
    from cnnexam.model.misconceptions import distinct
    from cnnexam.model import NumberAnswer

    slots = (Slot("total", IntegerAnswer()), Slot("mean", NumberAnswer(decimals=1)),
             Slot("grid", ArrayAnswer(shape=(1, 2))))
    key = {"total": 10, "mean": 2.5, "grid": ((1, 2),)}
    candidates = (
        Misconception("a", "did a", "-", {"total": 9, "mean": 2.5}),  # right on mean: kept on total only
        Misconception("b", "did b", "-", {"total": 9, "mean": 2.54}),  # total taken by a; 2.54 types as 2.5
        Misconception("c", "did c", "-", {"grid": ((1, 2, 3),)}),  # a 1x3 cannot be entered in a stated 1x2
        Misconception("d", "did d", "-", {"mean": 2.4, "unasked": 1}),
    )
    kept = {m.name: dict(m.answers) for m in distinct(slots, key, candidates)}
    assert kept == {"a": {"total": 9}, "d": {"mean": 2.4}}


def test_a_format_error_says_what_is_wrong_and_the_expected_format_once():
    variant = SumTemplate().variant(1)
    results = {r.slot: r for r in grade_variant(variant, {"total": "83.040", "pair": "[[1, None]]", "pick": "zz"})}
    assert results["total"].feedback == "Could not read the answer: 83.040 is not a whole number. Expected a whole number."
    assert results["pair"].feedback == ("Could not read the answer: the entry at row 1, column 2 is None, not a number. "
                                        "Expected a 1x2 matrix as a list of rows of whole numbers, written like [[a, b], [c, d]].")
    assert results["pick"].feedback == ("Could not read the answer: 'zz' is not one of the letters A to B or the text of "
                                        "an option. Expected one letter from A to B.")


@pytest.mark.parametrize("answer_type, raw", [
    (TrueFalseAnswer(), "maybe"), (ShapeAnswer(ndim=3), "(6, 28, 28, 1)"), (ShapeAnswer(ndim=3), "True"),
    (IntegerAnswer(), "[1, 2]"), (IntegerAnswer(), "I don't know"), (SingleChoiceAnswer(options=("x", "y")), "C"),
    (MultipleChoiceAnswer(options=("x", "y", "z")), "A and B"), (ArrayAnswer(shape=(2, 2)), "[[1, 2]]"),
    (ArrayAnswer(shape=(2, 2)), "[1, 2, 3, 4]"), (SymbolicAnswer(variables=("n",)), "n +"),
    (ShortTextAnswer(), ["a"]), (FractionAnswer(), "'abc'"),
])
def test_no_error_repeats_the_expected_format(answer_type, raw):
    with pytest.raises(AnswerFormatError) as error:
        answer_type.parse(raw)
    message = str(error.value)
    assert answer_type.instructions() not in message and not message.startswith("expected"), message
