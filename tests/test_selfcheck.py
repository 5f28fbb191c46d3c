"""The notebook self-check: it reads answers as the grader does, agrees with the grader on right and wrong,
never prints an answer, and in exam mode only checks formats."""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from cnnexam.autograder.extract import Cell, answers
from cnnexam.generator.notebook import answer_source
from cnnexam.generator.render import SlotView
from cnnexam.model import (
    ArrayAnswer,
    FractionAnswer,
    IntegerAnswer,
    MultipleChoiceAnswer,
    NumberAnswer,
    ShapeAnswer,
    ShortTextAnswer,
    SingleChoiceAnswer,
    Slot,
    SymbolicAnswer,
    TrueFalseAnswer,
)
from cnnexam.model.grading import CORRECT, grade_slot
from cnnexam.model.spec_types import public_spec
from cnnexam.selfcheck import (
    FORMAT_ERROR,
    FORMAT_OK,
    MISSING,
    RAISED,
    RIGHT,
    WRONG,
    accepted_forms,
    check,
    digest,
    results,
)
from cnnexam.templates import all_templates


def data(mode: str, *slots: tuple[str, object, object]) -> str:
    """Self-check data for (variable, answer type, key) triples, built as the notebook builds it."""
    entries = []
    for number, (variable, answer_type, key) in enumerate(slots, 1):
        entry = {"question": number, "letter": "a", "variable": variable, "type": public_spec(answer_type)}
        forms = accepted_forms(answer_type, key) if mode == "practice" else None
        if forms is not None:
            entry.update(salt=f"salt{number}", hashes=[digest(f"salt{number}", f) for f in forms])
        entries.append(entry)
    return json.dumps({"mode": mode, "slots": entries})


def run_cells(*sources: str) -> dict:
    """A namespace as the kernel leaves it after running ``sources``, with IPython's input history (which
    keeps cells that failed too)."""
    namespace: dict = {}
    for source in sources:
        try:
            exec(source, namespace)
        except Exception:  # noqa: BLE001 - a kernel reports the error and goes on with the next cell
            pass
    namespace["In"] = ["", *sources]
    return namespace


def status(answer_type, key, source: str, variable: str = "x") -> tuple[str, str]:
    (result,) = results(run_cells(source), data("practice", (variable, answer_type, key)))
    return result.status, result.message


@pytest.mark.parametrize("source, expected", [
    ("x = 12800", RIGHT),
    ("x = 12_800", RIGHT),
    ("x: int = 12800", RIGHT),
    ("x = 3 * 3 * 64 * 22 + 128", RIGHT),
    ("x = 3 * 3 * 64 * 22", WRONG),
    ("x = '12800'", RIGHT),
    ("x = 12801", WRONG),
    ("x = 12800.5", FORMAT_ERROR),
    ("x = ...", MISSING),
])
def test_integer(source, expected):
    assert status(IntegerAnswer(), 12800, source)[0] == expected


def test_answer_read_from_the_cell_text_as_the_grader_does():
    # Python makes 37/9 a float, the grader reads the exact fraction: the check follows the grader
    assert status(FractionAnswer(), Fraction(37, 9), "x = 37/9") == (RIGHT, "")
    assert status(FractionAnswer(), Fraction(37, 9), "x = 4.111") == (WRONG, "")
    # Python computes k * k, the grader cannot read a name: the check says so
    got, message = status(IntegerAnswer(), 9, "k = 3\nx = k * k")
    assert got == FORMAT_ERROR
    assert message == "unexpected name 'k': write the value itself, not a variable or a word; expected a whole number"


def test_the_last_run_assignment_counts_and_unparsable_history_is_skipped():
    namespace = run_cells("x = 1", "x = 12800")
    namespace["In"].insert(1, "%matplotlib inline\nx = (")  # a failed cell stays in the history
    namespace["In"].append("def f():\n    x = 5")  # not a top-level assignment
    (result,) = results(namespace, data("practice", ("x", IntegerAnswer(), 12800)))
    assert result.status == RIGHT


def test_outside_ipython_the_value_is_read():
    namespace = {"x": np.array([[1, 2], [3, 4]]), "y": (3, 3), "z": ...}
    found = results(namespace, data("practice", ("x", ArrayAnswer(shape=(2, 2)), ((1, 2), (3, 4))),
                                     ("y", ShapeAnswer(ndim=2), (3, 3)), ("z", IntegerAnswer(), 1)))
    assert [r.status for r in found] == [RIGHT, RIGHT, MISSING]


def test_not_run_and_not_answered():
    found = results(run_cells("y = ..."), data("practice", ("x", IntegerAnswer(), 1), ("y", IntegerAnswer(), 1)))
    assert [(r.status, r.message) for r in found] == [
        (MISSING, "its cell has not been run"), (MISSING, "replace the ... and run the cell")]


def test_rounded_numbers_and_ties():
    number = NumberAnswer(decimals=2)
    assert status(number, Fraction("1.234"), "x = 1.23")[0] == RIGHT
    assert status(number, Fraction("1.234"), "x = 1.24")[0] == WRONG
    # more decimals than asked: rounding here could call right what the tolerance rejects
    assert status(number, Fraction("1.234"), "x = 1.2351") == (FORMAT_OK, "round it to 2 decimal places to check it")
    # exactly half way: the grader accepts both roundings, so does the check
    assert accepted_forms(number, Fraction("1.235")) == ("1.23", "1.24")
    assert status(number, Fraction("1.235"), "x = 1.23")[0] == RIGHT
    assert status(number, Fraction("1.235"), "x = 1.24")[0] == RIGHT
    assert status(number, Fraction("-1.235"), "x = -1.24")[0] == RIGHT
    assert status(number, Fraction("1.235"), "x = 1.22")[0] == WRONG


def test_arrays_are_checked_whole():
    fractions = ArrayAnswer(shape=(2, 2), element="fraction", shape_given=False)
    key = ((Fraction(1, 3), 2), (3, Fraction(9, 2)))
    assert status(fractions, key, "x = [[1/3, 2], [3, 4.5]]")[0] == RIGHT
    assert status(fractions, key, "x = [[1/3, 2], [3, 4]]")[0] == WRONG
    assert status(fractions, key, "x = [[1/3, 2, 0], [3, 4.5, 0]]")[0] == WRONG  # finding the shape is the question
    assert status(fractions, key, "x = [[1, 2], [3]]")[0] == FORMAT_ERROR
    numbers = ArrayAnswer(shape=(1, 2), element="number", decimals=1)
    assert accepted_forms(numbers, ((Fraction("0.25"), Fraction("0.5")),)) == ("[[0.2,0.5]]", "[[0.3,0.5]]")
    assert status(numbers, ((Fraction("0.25"), Fraction("0.5")),), "x = [[0.3, 0.5]]")[0] == RIGHT


def test_shapes_choices_true_false_text_formulas():
    assert status(ShapeAnswer(ndim=3), (6, 28, 28), "x = '6x28x28'")[0] == RIGHT
    assert status(ShapeAnswer(ndim=3), (6, 28, 28), "x = (6, 28, 14)")[0] == WRONG
    assert status(ShapeAnswer(ndim=3), (6, 28, 28), "x = (6, 28)")[0] == FORMAT_ERROR
    single = SingleChoiceAnswer(options=("max", "mean", "sum"))
    assert status(single, 1, "x = 'b)'")[0] == RIGHT
    assert status(single, 1, "x = 'sum'")[0] == WRONG
    several = MultipleChoiceAnswer(options=("a", "b", "c", "d"))
    assert status(several, frozenset({0, 2}), "x = 'C, A'")[0] == RIGHT
    assert status(several, frozenset({0, 2}), "x = 'A'")[0] == WRONG
    assert status(TrueFalseAnswer(), False, "x = False")[0] == RIGHT
    assert status(TrueFalseAnswer(), False, "x = True")[0] == WRONG
    text = ShortTextAnswer(accepted=("AlexNet", "Alex Net"))
    assert status(text, "AlexNet", "x = 'alex-net.'")[0] == RIGHT
    assert status(text, "AlexNet", "x = 'VGG'")[0] == WRONG
    formula = SymbolicAnswer(("n", "p", "f", "s"), ((7, 1, 3, 2), (8, 0, 3, 2), (10, 2, 5, 3)))
    key = "floor((n + 2*p - f)/s) + 1"
    assert status(formula, key, "x = '(n + 2*p - f + s)//s'")[0] == RIGHT
    assert status(formula, key, "x = '(n + 2*p - f)/s + 1'")[0] == WRONG


def test_a_relative_tolerance_is_only_format_checked():
    relative = NumberAnswer(decimals=None, rel_tol=0.01)
    assert accepted_forms(relative, Fraction(1, 3)) is None
    assert status(relative, Fraction(1, 3), "x = 0.333")[0] == FORMAT_OK
    assert status(relative, Fraction(1, 3), "x = 'a third'")[0] == FORMAT_ERROR


def test_exam_mode_checks_formats_only_and_carries_no_hashes(capsys):
    slots = [("a", IntegerAnswer(), 12800), ("b", ShortTextAnswer(accepted=("LeNet-5",)), "LeNet"),
             ("c", ArrayAnswer(shape=(3, 3), shape_given=False), ((1, 2, 3),) * 3)]
    exam = data("exam", *slots)
    assert "hashes" not in exam and "salt" not in exam and "LeNet" not in exam and "3, 3" not in exam
    namespace = run_cells("a = 12800", "b = 'LeNet'")
    assert [r.status for r in results(namespace, exam)] == [FORMAT_OK, FORMAT_OK, MISSING]
    check(namespace, exam)
    assert capsys.readouterr().out == (
        "Format check (exam mode: only whether each answer can be read, not whether it is right)\n"
        "Q1(a) a: format ok\nQ2(a) b: format ok\nQ3(a) c: not answered: its cell has not been run\n"
        "3 answers: 2 format ok, 1 not answered\n")


def test_practice_report_never_prints_an_answer(capsys):
    slots = [("a", IntegerAnswer(), 12800), ("b", ShortTextAnswer(accepted=("LeNet-5",)), "LeNet"),
             ("c", ShapeAnswer(ndim=3), (6, 28, 28))]
    check(run_cells("a = 12800", "b = 'AlexNet'", "c = (6, 28, 28, 1)"), data("practice", *slots))
    out = capsys.readouterr().out
    assert out == (
        "Self-check (practice mode: right or wrong, without showing answers; not your grade)\n"
        "Q1(a) a: right\nQ2(a) b: wrong\n"
        "Q3(a) c: format error: it has 4 dimensions, not 3; expected a shape with 3 dimensions, written like (a, b, c)\n"
        "3 answers: 1 right, 1 wrong, 1 format error\n")
    assert "LeNet" not in out


@pytest.mark.parametrize("answer_type, key, source", [
    (ShapeAnswer(ndim=2), (5, 5), "x = 5x5"),
    (IntegerAnswer(), 83040, "x = 83,040"),
    (ArrayAnswer(shape=(2, 2)), ((3, 1), (-3, -1)), "x = [[3, 1], [\u22123, \u22121]]"),
    (TrueFalseAnswer(), False, "x = false"),
    (SingleChoiceAnswer(options=("a", "b", "c", "d")), 3, "x = d"),
    (ShortTextAnswer(accepted=("MobileNet",)), "MobileNet", "x = MobileNet"),
    (IntegerAnswer(), 83040, "# (a) parameters\nx = 96*96*9 + 96\nx += 0"),  # += is no answer to the grader
])
def test_the_check_reads_what_python_cannot_run_as_the_grader_does(answer_type, key, source):
    """The cell was run and raised an error, but the grader reads its text: so does the check."""
    namespace = run_cells(source)
    graded = answers([Cell("g", "code", source, 0)], [("g", "x")])["g"]
    if graded.error:
        assert status(answer_type, key, source) == (FORMAT_ERROR, graded.error)
        return
    assert answer_type.check(answer_type.parse(graded.text), key).score == 1  # the grader gives full marks
    assert "x" not in namespace  # Python stopped before assigning it
    for mode, expected in (("practice", RIGHT), ("exam", FORMAT_OK)):
        (result,) = results(namespace, data(mode, ("x", answer_type, key)))
        assert (result.status, result.message) == (expected, RAISED)


def test_an_answer_that_does_not_read_is_a_format_error_even_if_python_stopped_on_it():
    found = results(run_cells("x = [[1, 2], [3, 4"), data("exam", ("x", ArrayAnswer(shape=(2, 2)), ((1, 2), (3, 4)))))
    assert [(r.status, r.message.startswith("'[' was never closed; expected ")) for r in found] == [(FORMAT_ERROR, True)]


def test_the_last_run_text_counts_even_if_an_earlier_run_left_a_value():
    namespace = run_cells("x = (3, 3)", "x = 5 x 5")
    assert namespace["x"] == (3, 3)
    (result,) = results(namespace, data("practice", ("x", ShapeAnswer(ndim=2), (5, 5))))
    assert (result.status, result.message) == (RIGHT, RAISED)


def test_an_answer_set_inside_a_block_is_no_answer_for_the_grader_nor_the_check():
    namespace = run_cells("if True:\n    x = 5")
    (result,) = results(namespace, data("practice", ("x", IntegerAnswer(), 5)))
    assert (result.status, result.message) == (MISSING, "no line `x = ...` at the top of its cell (not inside if, "
                                                        "for or try): the grader reads only that")
    assert answers([Cell("a", "code", "if True:\n    x = 5", 0)], [("a", "x")])["a"].text is None  # nor the grader


def test_parentheses_that_join_lines_are_read_with_the_answer():
    assert status(IntegerAnswer(), 83040, "x = (96*96*9\n     + 96)") == (RIGHT, "")
    assert status(FractionAnswer(), Fraction(35, 9), "x = (35  # sum\n     / 9)") == (RIGHT, "")


def _agreement_cases():
    for template in all_templates().values():
        for difficulty in template.difficulties:
            for seed in (1, 2):
                yield template.variant(seed, difficulty)


def test_the_check_agrees_with_the_grader_on_every_template():
    """Over the catalog: the key is right, and for the key and every misconception's answer the check says
    right exactly when the grader gives full marks."""
    checked = 0
    for variant in _agreement_cases():
        for slot in variant.slots:
            answers = [variant.answers[slot.id]] + [m.answers[slot.id] for m in variant.misconceptions if slot.id in m.answers]
            for n, value in enumerate(answers):
                view = SlotView(slot, "a", slot.points, "x", "g")
                source = answer_source(view, value)
                (result,) = results(run_cells(source), data("practice", ("x", slot.type, variant.answers[slot.id])))
                graded = grade_slot(variant, slot, _rhs(source))
                assert result.status in (RIGHT, WRONG), (variant.template, slot.id, source, result)
                assert (result.status == RIGHT) == (graded.status == CORRECT), (variant.template, slot.id, source)
                assert n > 0 or result.status == RIGHT
                checked += 1
    assert checked > 1000


def _rhs(source: str):
    import ast

    node = ast.parse(source).body[-1].value
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool)) else ast.get_source_segment(source, node)


def test_importing_the_check_loads_no_numba():
    code = "import sys, cnnexam.selfcheck; print(sorted(m for m in ('numba', 'sympy', 'cnnexam.solutions') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_slot_type_round_trip_hides_nothing_needed():
    slot = Slot("x", ArrayAnswer(shape=(4, 5), element="fraction", shape_given=False))
    assert public_spec(slot.type) == {"kind": "array", "ndim": 2, "element": "fraction", "decimals": None, "shape_given": False}
