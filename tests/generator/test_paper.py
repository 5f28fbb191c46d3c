"""How a question's points are shared over its parts."""

import pytest

from cnnexam.generator.paper import Question
from cnnexam.model.answers import IntegerAnswer
from cnnexam.model.template import Params, Slot, Variant


def question(points: float, weights: list[float]) -> Question:
    slots = tuple(Slot(f"s{i}", IntegerAnswer(), w) for i, w in enumerate(weights))
    variant = Variant("t", 1, "T", "concepts", 1, "medium", Params(), (), slots, {s.id: 1 for s in slots}, (), ())
    return Question(1, "Section", "t", 1, "medium", points, variant)


@pytest.mark.parametrize("points, weights, shares", [
    (10, [1, 1, 2], [2.5, 2.5, 5]),
    (7.5, [1, 1, 1], [2.5, 2.5, 2.5]),
    (1, [1, 10], [0.25, 0.75]),  # the small part rounded to nothing before
    (2, [1, 1, 1], [0.75, 0.75, 0.5]),
    (0.5, [1, 100, 100], [0.01, 0.24, 0.25]),
    # six like table cells and a loss (softmax-ce-gradient): halves gave 1.5, 1.5, 1.5, 1, 1, 1
    (10, [0.5] * 6 + [1], [1.25] * 6 + [2.5]),
    (7.5, [0.5] * 6 + [1], [1.0] * 6 + [1.5]),  # halves already share fairly: kept
    (5, [0.5] * 6 + [1], [0.75, 0.75, 0.75, 0.5, 0.5, 0.5, 1.25]),  # no quarter split is fair either
])
def test_parts_add_up_and_none_is_worth_nothing(points, weights, shares):
    assert list(question(points, weights).slot_points.values()) == shares


def test_no_student_draws_a_template_twice_while_the_pools_have_others():
    from cnnexam.generator.paper import assemble
    from cnnexam.generator.spec import ExamSpec, QuestionSpec, Section, Student
    from cnnexam.templates import all_templates

    pair = ("conv-param-count", "pool-output")
    questions = (QuestionSpec(pair, "medium", 5), QuestionSpec(pair, "medium", 5),
                 QuestionSpec(("receptive-field",), "medium", 5),
                 QuestionSpec(("receptive-field", "conv-output-shape"), "medium", 5))
    spec = ExamSpec("Deep Learning", "Quiz", "", "", 7, "exam", (Section("All", questions),))
    templates = all_templates()
    drawn = [[q.template for q in assemble(spec, Student(f"s{i:03d}", "X"), templates).questions] for i in range(12)]
    assert all(sorted(d[:2]) == sorted(pair) and d[2:] == ["receptive-field", "conv-output-shape"] for d in drawn), drawn
