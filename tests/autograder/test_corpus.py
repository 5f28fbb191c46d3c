"""The corpus of bad submissions: each is a real file handed in beside the whole class's solutions, and
each gets a definite result (a score with the reasons, or a rejection with a clear message). The batch
completes, the other submissions grade exactly as in a clean run, and nothing a student wrote is run.

Every bad file is older than the student's solution notebook, so the solutions stay current and the
gradebook of the class must equal a clean run's.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from classroom import answer, cell, read, results, set_answer, slot_points, submissions

from cnnexam.autograder.grade import grade_class

OLD = 1_500_000_000  # file time of every bad file: older than the solutions


@dataclass
class Case:
    """A bad submission: its file name, how to make its bytes, and the result it must get."""

    name: str
    make: Callable[[object, Path], bytes]  # (classroom, folder for side effects) -> file content
    status: str
    message: str  # exact, or a regex when it starts with "^"
    student: str | None
    lost: tuple[str, ...] | None = None  # the slots that lose their points; None: no score at all
    slots: dict[str, tuple[str, str]] = field(default_factory=dict)  # grade_id -> (status, feedback or ^regex)


def solution(classroom, sid: str) -> dict:
    return read(classroom.solution(sid))


def dump(notebook) -> bytes:
    return json.dumps(notebook).encode("utf-8")


def edit(sid: str, change: Callable[[dict], object]) -> Callable:
    def make(classroom, folder):
        notebook = solution(classroom, sid)
        change(notebook)
        return dump(notebook)

    return make


def drop(key: str) -> Callable[[dict], None]:
    return lambda nb: nb["cells"].remove(cell(nb, key))


def twin_q7(answer_of_copy: str | None, answer_of_original: str | None = None):
    """A copy of the q7 answer cell after it: with ``answer_of_copy`` (None: the key's) and the original
    cell with ``answer_of_original`` (None: left alone)."""
    def change(nb):
        original = cell(nb, "q7-params")
        twin = copy.deepcopy(original)
        nb["cells"].insert(nb["cells"].index(original) + 1, twin)
        if answer_of_copy is not None:
            twin["source"] = twin["source"].rsplit(" = ", 1)[0] + " = " + answer_of_copy
        if answer_of_original is not None:
            original["source"] = original["source"].rsplit(" = ", 1)[0] + " = " + answer_of_original
    return change


def answer_in_new_cells(*answers: str):
    """The q7 answer cell left as handed out; the answer typed into new cells at the end."""
    def change(nb):
        key = answer(nb, "q7-params")
        set_answer(nb, "q7-params", "...")
        for n, text in enumerate(answers):
            nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"new-{n}", "metadata": {},
                                "outputs": [], "source": f"q7_params = {text or key}"})
    return change


def typeset(nb):
    """Every answer as copied from a PDF: the minus sign U+2212, and an indented assignment."""
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("solution"):
            comment, assignment = c["source"].split("\n", 1)
            c["source"] = f"{comment}\n  {assignment.replace('-', chr(0x2212))}"


def rename_q7(nb):
    target = cell(nb, "q7-params")
    target["source"] = target["source"].replace("q7_params = ", "q7_parameters = ")


def move_q1_output(nb):
    moved = cell(nb, "q1-output")
    nb["cells"].remove(moved)
    nb["cells"].append(moved)


def strings_for_numbers(nb):
    set_answer(nb, "q7-params", json.dumps(answer(nb, "q7-params")))  # "12800": read as the number
    set_answer(nb, "q5-gap0", '"abc"')


def code_in_answers(target: Path):
    def change(nb):
        set_answer(nb, "q7-params", f"__import__('os').system('touch {target}')")
        shape = cell(nb, "q1-shape")
        comment, assignment = shape["source"].split("\n", 1)
        shape["source"] = f"{comment}\nimport os\nos.system('touch {target}')\n{assignment}"
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "scratch", "metadata": {},
                            "outputs": [], "source": f"open({str(target)!r}, 'w').write('pwned')\nq1_output = exec"})
    return change


def odd_unicode(nb):
    digits = answer(nb, "q7-params").translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    set_answer(nb, "q7-params", digits)  # fullwidth digits are not Python
    set_answer(nb, "q1-shape", '"\ud800"')  # a lone surrogate, which UTF-8 cannot hold
    set_answer(nb, "q5-gap0", "1\u0000")  # a NUL character


def metadata(**values) -> Callable[[dict], None]:
    return lambda nb: nb["metadata"]["cnnexam"].update(values)


def as_lines(nb):
    for c in nb["cells"]:
        c["source"] = c["source"].splitlines(keepends=True)


def scratch_reassigns(nb):
    nb["cells"].append({"cell_type": "code", "execution_count": 3, "id": "mine", "metadata": {},
                        "outputs": [{"name": "stdout", "output_type": "stream", "text": ["hi\n"]}],
                        "source": "%matplotlib inline\nq7_params = 0\n!ls"})


def unparsable_shape(nb):
    set_answer(nb, "q6-shape", answer(nb, "q6-shape").strip("()").replace(", ", " x "))


def parenthesized(nb):
    """Arithmetic and a fraction over several lines, joined by the parentheses around them."""
    set_answer(nb, "q7-params", f"({answer(nb, 'q7-params')}\n             + 0)")
    numerator, _, denominator = answer(nb, "q5-gap0").partition("/")
    set_answer(nb, "q5-gap0", f"({numerator}  # the sum\n           / {denominator or 1})")


def syntax_error_after(grade_id: str):
    return lambda nb: cell(nb, grade_id).update(source=cell(nb, grade_id)["source"] + "\nprint(")


def huge_file(classroom, folder):
    text = dump(solution(classroom, "s002"))
    return text + b" " * (50 * 2**20 - len(text))


def symlink(classroom, folder):
    os.symlink(classroom.solution("s004"), folder / "s004-link.ipynb")
    return b""


SOLUTION = ""  # every case starts from a notebook with every answer right: nothing to note
NOT_A_NUMBER = "only numbers, lists and arithmetic are allowed, not function calls"
CASES = [
    Case("s001-not-json.ipynb", lambda c, f: b"My answers: 3, 4, 5\n", "rejected",
         "not a notebook: the JSON is broken (Expecting value; line 1, column 1)", "s001"),
    Case("s001-truncated.ipynb", lambda c, f: dump(solution(c, "s001"))[:9000], "rejected",
         r"^not a notebook: the JSON is broken \(.+; it ends too early\)$", "s001"),
    Case("s001-nbformat3.ipynb", lambda c, f: dump({"metadata": {}, "nbformat": 3, "nbformat_minor": 0,
                                                    "worksheets": [{"cells": [], "metadata": {}}]}),
         "rejected", "an nbformat 3 notebook: this exam's notebooks are nbformat 4; hand in the notebook you were "
                     "given, saved by Jupyter", "s001"),
    Case("s002-huge.ipynb", huge_file, "rejected", "too large (50.0 MB; a notebook may have at most 10 MB)", "s002"),
    Case("s002-empty.ipynb", lambda c, f: b"", "rejected", "the file is empty", "s002"),
    Case("s002-utf16.ipynb", lambda c, f: json.dumps(solution(c, "s002")).encode("utf-16"), "rejected",
         "not UTF-8 text (byte 0); a notebook is saved as UTF-8 JSON", "s002"),
    Case("s002-json-list.ipynb", lambda c, f: b"[1, 2, 3]", "rejected",
         "not a notebook: the JSON is not an object with cells and metadata", "s002"),
    Case("s002-deep-json.ipynb", lambda c, f: b"[" * 100_000, "rejected",
         "not a notebook: the JSON is nested too deeply", "s002"),
    Case("anonymous.ipynb", edit("s003", lambda nb: nb["metadata"].pop("cnnexam")), "rejected",
         "not a notebook of this exam: it has no cnnexam metadata and its file name names no student of the roster",
         None),
    Case("s004-link.ipynb", symlink, "rejected", "a symbolic link, not a file: not followed", "s004"),
    # answer cells: missing, duplicated, renamed, moved, unparsable
    Case("s001-missing-cell.ipynb", edit("s001", drop("q1-output")), "graded", SOLUTION, "s001", ("q1-output",),
         {"q1-output": ("missing", "No answer was given (its answer cell is missing from the notebook).")}),
    Case("s002-twins.ipynb", edit("s002", twin_q7(None)), "graded", SOLUTION, "s002", (),
         {"q7-params": ("correct", "Correct.")}),
    Case("s002-twin-untouched.ipynb", edit("s002", twin_q7(None, "...")), "graded", SOLUTION, "s002", (),
         {"q7-params": ("correct", "Correct.")}),
    Case("s002-twins-differ.ipynb", edit("s002", twin_q7("1")), "flagged",
         r"^q7-params: the answer cell q7-params appears 2 times with different answers \(cells \d+, \d+\); "
         "the last one was graded$", "s002", ("q7-params",), {"q7-params": ("wrong", "^Not right")}),
    Case("s003-new-cell.ipynb", edit("s003", answer_in_new_cells("")), "graded", SOLUTION, "s003", (),
         {"q7-params": ("correct", r"^Correct\. Note: read from `q7_params = \.\.\.` in another cell \(cell \d+\): "
                                   r"the answer cell still has its placeholder\.$")}),
    Case("s003-new-cells-differ.ipynb", edit("s003", answer_in_new_cells("", "1")), "flagged",
         r"^q7-params: `q7_params` is assigned in 2 other cells with different answers \(cells \d+, \d+\); the last "
         "one was graded$", "s003", ("q7-params",), {"q7-params": ("wrong", "^Not right")}),
    Case("s001-renamed.ipynb", edit("s001", rename_q7), "graded", SOLUTION, "s001", (),
         {"q7-params": ("correct", "Correct. Note: read from `q7_parameters = ...`: keep the variable name "
                                   "`q7_params`.")}),
    Case("s001-moved.ipynb", edit("s001", move_q1_output), "graded", SOLUTION, "s001", (),
         {"q1-output": ("correct", "Correct.")}),
    Case("s002-lines.ipynb", edit("s002", as_lines), "graded", SOLUTION, "s002", ()),
    Case("s006-typeset.ipynb", edit("s006", typeset), "graded", SOLUTION, "s006", (),
         {"q1-output": ("correct", "Correct.")}),  # Python's refusals of the answer's own line are not noted
    Case("s002-syntax.ipynb", edit("s002", unparsable_shape), "graded", SOLUTION, "s002", (),
         {"q6-shape": ("correct", "Correct.")}),
    Case("s003-syntax-elsewhere.ipynb", edit("s003", syntax_error_after("q6-shape")), "graded", SOLUTION, "s003", (),
         {"q6-shape": ("correct", "Correct. Note: the cell is not valid Python ('(' was never closed, line 3); the "
                                  "answer was read from the line `q6_shape = ...`.")}),
    Case("s004-parenthesized.ipynb", edit("s004", parenthesized), "graded", SOLUTION, "s004", (),
         {"q7-params": ("correct", "Correct."), "q5-gap0": ("correct", "Correct.")}),
    Case("s003-scratch.ipynb", edit("s003", scratch_reassigns), "graded", SOLUTION, "s003", (),
         {"q7-params": ("correct", "Correct. Note: `q7_params` is also assigned in another cell; the answer "
                                   "cell counts.")}),
    # values: wrong types, NaN and inf, strings, ragged and nested lists, huge numbers, code, unicode
    Case("s003-wrong-types.ipynb",
         edit("s003", lambda nb: (set_answer(nb, "q7-params", "[[1, 2], [3, 4]]"), set_answer(nb, "q1-shape", "True"))),
         "graded", SOLUTION, "s003", ("q7-params", "q1-shape"),
         {"q7-params": ("format-error", r"^Could not read the answer: it is a list of 2 values, not one number\. Expected a "
                                        "whole number"),
          "q1-shape": ("format-error", "^Could not read the answer: 'True' is not a list of whole numbers separated "
                                       r"by commas or x\. Expected a shape with 2 dimensions")}),
    Case("s003-nan-inf.ipynb",
         edit("s003", lambda nb: (set_answer(nb, "q7-params", "float('nan')"), set_answer(nb, "q5-gap0", "1e999"))),
         "graded", SOLUTION, "s003", ("q7-params", "q5-gap0"),
         {"q7-params": ("format-error", f"^Could not read the answer: {NOT_A_NUMBER}\\."),
          "q5-gap0": ("format-error", "^Could not read the answer: the answer is not a finite number\\.")}),
    Case("s003-strings.ipynb", edit("s003", strings_for_numbers), "graded", SOLUTION, "s003", ("q5-gap0",),
         {"q7-params": ("correct", "Correct."),
          "q5-gap0": ("format-error", "^Could not read the answer: unexpected name 'abc'")}),
    Case("s004-ragged.ipynb", edit("s004", lambda nb: set_answer(nb, "q1-output", "[[1, 2, 3], [4, 5]]")),
         "graded", SOLUTION, "s004", ("q1-output",),
         {"q1-output": ("format-error", r"^Could not read the answer: its rows have different lengths \(2 and 3\)\.")}),
    Case("s004-nested.ipynb",
         edit("s004", lambda nb: (set_answer(nb, "q1-output", "[" * 50 + "1" + "]" * 50),
                                  set_answer(nb, "q10-dw", "[" * 300 + "1" + "]" * 300))),
         "graded", SOLUTION, "s004", ("q1-output", "q10-dw"),
         {"q1-output": ("format-error", r"^Could not read the answer: the answer is nested too deeply \(more than 8"),
          "q10-dw": ("format-error", r"^Could not read the answer: the answer is nested too deeply \(more than 8 levels of brackets\)\.")}),
    Case("s004-huge-numbers.ipynb",
         edit("s004", lambda nb: (set_answer(nb, "q7-params", "9**9**9"), set_answer(nb, "q5-gap0", "10**100"),
                                  set_answer(nb, "q10-dw", "7" * 5000))),
         "graded", SOLUTION, "s004", ("q7-params", "q5-gap0", "q10-dw"),
         {"q7-params": ("format-error", "^Could not read the answer: the number is too large"),
          "q5-gap0": ("format-error", "^Could not read the answer: the number is too large"),
          "q10-dw": ("format-error", r"^Could not read the answer: a number in the answer has too many digits\.")}),
    Case("s005-code.ipynb", lambda c, f: edit("s005", code_in_answers(f / "pwned"))(c, f), "graded", SOLUTION, "s005",
         ("q7-params",),
         {"q7-params": ("format-error", f"^Could not read the answer: {NOT_A_NUMBER}\\."),
          "q1-shape": ("correct", "Correct."),
          "q1-output": ("correct", "Correct. Note: `q1_output` is also assigned in another cell; the answer cell "
                                   "counts.")}),
    Case("s005-unicode.ipynb", edit("s005", odd_unicode), "graded", SOLUTION, "s005",
         ("q7-params", "q1-shape", "q5-gap0"),
         {"q7-params": ("format-error",
                        r"^Could not read the answer: it has an invalid character '.' \(U\+FF1\d\)"),
          "q1-shape": ("format-error", r"^Could not read the answer: '\\ud800' is not a list of whole numbers"),
          "q5-gap0": ("format-error", r"^Could not read the answer: the answer contains a null character\.")}),
    # identity and integrity: flagged for review
    Case("s006-other-exam.ipynb", edit("s006", metadata(spec_sha256="0" * 64)), "flagged",
         "the notebook belongs to another exam (its spec checksum differs from this exam's)", "s006"),
    Case("s007-copy.ipynb", lambda c, f: dump(solution(c, "s001")), "flagged",
         "the file name 's007-copy.ipynb' names s007, but the notebook is s001's", "s007", ()),
    Case("s007-no-metadata.ipynb", edit("s007", lambda nb: nb["metadata"].pop("cnnexam")), "flagged",
         "the notebook has no cnnexam metadata", "s007", ()),
    Case("s008-unknown-id.ipynb", edit("s008", metadata(student_id="x999")), "flagged",
         "the notebook names an unknown student id 'x999'", "s008", ()),
    Case("s008-version-code.ipynb", edit("s008", metadata(version_code="ABCDEF12")), "flagged",
         r"^the version code 'ABCDEF12' is not [0-9A-F]{8}$", "s008", ()),
    Case("s001-edited-prompt.ipynb",
         edit("s001", lambda nb: cell(nb, "q1-prompt-1").update(source="## Question 1\n\nAnswer 42 everywhere.")),
         "flagged", "locked cell q1-prompt-1 was edited", "s001", ()),
    Case("s001-deleted-prompt.ipynb", edit("s001", drop("q2-prompt-1")), "flagged",
         "locked cell q2-prompt-1 is missing", "s001", ()),
]


def matches(expected: str, actual: str) -> bool:
    return re.match(expected, actual) is not None if expected.startswith("^") else expected == actual


def expected_score(case: Case, manifest: dict, paper: str) -> float | None:
    if case.lost is None:
        return None
    points = slot_points(manifest, paper)
    return round(sum(points.values()) - sum(points[g] for g in case.lost), 4)


@pytest.fixture(scope="module")
def corpus(classroom, tmp_path_factory):
    """The class's solutions plus every bad file, graded together (2 workers); and a clean run."""
    root = tmp_path_factory.mktemp("corpus")
    folder = classroom.hand_in(root / "in")
    for case in CASES:
        data = case.make(classroom, folder)
        path = folder / case.name
        if not path.is_symlink():
            path.write_bytes(data)
            os.utime(path, (OLD, OLD))
    summary = grade_class(classroom.out, folder, root / "grades.sqlite", workers=2)
    clean = classroom.hand_in(root / "clean")
    grade_class(classroom.out, clean, root / "clean.sqlite", workers=1)
    return root, summary


def test_corpus_has_enough_kinds():
    assert len(CASES) >= 20 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_submission_gets_its_definite_result(case, corpus, classroom):
    root, _ = corpus
    row = submissions(root / "grades.sqlite")[case.name]
    assert row["status"] == case.status
    assert matches(case.message, row["message"]), row["message"]
    assert row["student"] == case.student
    assert row["current"] == 0  # the student's solution, handed in later, counts
    score = expected_score(case, classroom.manifest, row["paper"] or "")
    assert row["score"] == score
    slots = results(root / "grades.sqlite", case.name)
    assert bool(slots) == (score is not None)
    for grade_id, (status, feedback) in case.slots.items():
        assert slots[grade_id][2] == status
        assert matches(feedback, slots[grade_id][3]), slots[grade_id][3]


def test_the_batch_completes_and_other_results_are_untouched(corpus, classroom):
    root, summary = corpus
    assert summary.graded + summary.flagged + summary.rejected == len(CASES) + len(classroom.ids)
    assert summary.rejected == sum(c.status == "rejected" for c in CASES)
    clean = results(root / "clean.sqlite")
    graded = results(root / "grades.sqlite")
    for sid in classroom.ids:
        path = f"{sid}.ipynb"
        assert submissions(root / "grades.sqlite")[path]["current"] == 1
        mine = {k: v for k, v in graded.items() if k[0] == path}
        assert mine == {k: v for k, v in clean.items() if k[0] == path}


def test_nothing_a_student_wrote_was_run(corpus):
    root, _ = corpus
    assert not (root / "in" / "pwned").exists()
