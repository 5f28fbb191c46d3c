"""Reading notebooks and answers without running them."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from classroom import read

from cnnexam.autograder.extract import Answer, Cell, Unreadable, answers, cells, load_notebook, locked_problems
from cnnexam.generator.exam import cell_checksum
from cnnexam.model import FractionAnswer


def code(key: str, source: str, position: int = 0) -> Cell:
    return Cell(key, "code", source, position)


def one(source: str, variable: str = "q1_x") -> Answer:
    return answers([code("q1-x", source)], [("q1-x", variable)])["q1-x"]


@pytest.mark.parametrize("source, text", [
    ("# (a) comment\nq1_x = [[1, 2],\n        [3, 4]]  # my answer", "[[1, 2],\n        [3, 4]]"),
    ("q1_x = 15/4", "15/4"),
    ("q1_x: int = 42", "42"),
    ('q1_x = "A, C"', "A, C"),  # a string is handed over as the text it spells
    ("q1_x = 'é' + 'x'", "'é' + 'x'"),  # UTF-8 columns: the text is cut at characters, not bytes
    ("q1_x = 1\nq1_x = 2", "2"),  # the last assignment, as Python would leave it
    ("q1_x = ...", None),
    ("q1_x = None", None),
    ("x = 3\nq1_x = x * 2", "x * 2"),  # the literal reader will refuse the name
])
def test_the_right_hand_side_is_taken_as_text(source, text):
    assert one(source) == Answer(text)


@pytest.mark.parametrize("source, text, value", [
    ("q1_x = (96*96*9\n + 96)", "(96*96*9\n + 96)", 83040),
    ("q1_x = (35\n / 9)  # my answer", "(35\n / 9)", Fraction(35, 9)),
    ("q1_x = (  # the weights\n    96*96*9\n    + 96  # the biases\n)", "(  # the weights\n    96*96*9\n    + 96  "
     "# the biases\n)", 83040),
    ("q1_x = ((35)\r\n / (9))\r\nq1_y = 2", "((35)\r\n / (9))", Fraction(35, 9)),
    ("q1_x, q1_y = (1\n + 2), 3", "(1\n + 2)", 3),
    ("q1_x = (1 + 2)", "(1 + 2)", 3),
    ("q1_x = 96*96*9 \\\n + 96", "96*96*9 \\\n + 96", 83040),
])
def test_the_whole_right_hand_side_with_its_parentheses(source, text, value):
    """Parentheses joining the lines of an answer are part of it: without them the lines do not read."""
    found = one(source)
    assert found == Answer(text)
    assert FractionAnswer().parse(found.text) == value


def test_a_cell_python_cannot_parse_is_read_line_by_line():
    assert one("# (a) shape\nq1_x = 6 x 28 x 28   # I think") == Answer("6 x 28 x 28")
    assert one("q1_x = [[1, 2 x],\n [3, 4]]\nprint(").text == "[[1, 2 x],\n [3, 4]]"
    assert one("q1_x = 'AlexNet\nmore").text == "'AlexNet"
    assert one("!pip install x\nq1_x = ...").text is None


@pytest.mark.parametrize("source, text", [
    ("q1_x = 83,040", "83,040"),  # leading zeros in decimal integer literals are not permitted ... octal
    ("# (a) shape\nq1_x = 6 x 28 x 28", "6 x 28 x 28"),
    ("q1_x = [[3, 1], [\u22123, \u22121]] # Python refuses U+2212; the grader reads it as a minus", "[[3, 1], [-3, -1]]"),
    ("q1_x = [1, 2,\n  3 4]", "[1, 2,\n  3 4]"),
    ("q1_x = 'AlexNet\nmore", "'AlexNet"),
])
def test_python_refusing_the_answer_itself_is_no_note(source, text):
    """A syntax error on the answer's own lines is Python refusing a notation the answer type reads (or
    refuses) by itself: a note quoting Python ("use an 0o prefix for octal integers") would only mislead."""
    assert one(source) == Answer(text)


def test_a_syntax_error_elsewhere_in_the_cell_is_noted():
    """It made the cell be read line by line, which may explain what was read."""
    assert one("q1_x = [3, 4]\nprint(") == Answer("[3, 4]", "the cell is not valid Python ('(' was never closed, line 2); "
                                                           "the answer was read from the line `q1_x = ...`")
    assert one("!pip install x\n\nq1_x = 6 x 28").note == ("the cell is not valid Python (invalid syntax, line 1); "
                                                          "the answer was read from the line `q1_x = ...`")
    assert one("q1_x = 5\n  print(1)").note.startswith("the cell is not valid Python (unexpected indent, line 2)")


def test_nothing_to_read():
    assert one("# (a)\nprint(42)") == Answer(None, note="the answer cell has no assignment `q1_x = ...`")
    assert one("print(") == Answer(None, error="the cell is not valid Python ('(' was never closed, line 1); "
                                                "write the answer as `q1_x = <answer>`")
    assert one("q1_x = " + "1" * 200_000).error.startswith("the cell is too long to read (200,007 characters")
    missing = answers([], [("q1-x", "q1_x")])["q1-x"]
    assert missing == Answer(None, note="its answer cell is missing from the notebook")


def test_cells_by_nbgrader_id_then_cell_id_with_list_sources():
    notebook = {"cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {"nbgrader": {"grade_id": "header"}}, "source": ["# T", "itle"]},
        {"cell_type": "code", "id": "q1-x", "metadata": {}, "source": "q1_x = 1"},
        {"cell_type": "code", "metadata": "oops", "source": 42},
    ]}
    assert [(c.key, c.kind, c.source) for c in cells(notebook)] == [
        ("header", "markdown", "# Title"), ("q1-x", "code", "q1_x = 1"), ("", "code", "")]


def test_locked_cells_missing_edited_or_saved_by_another_editor():
    accepted = {"header": [cell_checksum("# Exam\n\nText\n")], "q1-prompt-1": [cell_checksum("Q1")]}
    saved_elsewhere = [Cell("header", "markdown", "# Exam  \r\n\r\nText", 0), Cell("q1-prompt-1", "markdown", "Q1\n", 1)]
    assert locked_problems(saved_elsewhere, accepted) == []
    assert locked_problems([Cell("header", "markdown", "# Exam\n\nText!", 0)], accepted) == [
        "locked cell q1-prompt-1 is missing", "locked cell header was edited"]


@pytest.mark.parametrize("data, message", [
    (b"  \n", "the file is empty"),
    (b"\xff\xfe{", "not UTF-8 text (byte 0); a notebook is saved as UTF-8 JSON"),
    (b'{"cells": [', "not a notebook: the JSON is broken (Expecting value; it ends too early)"),
    (b'{"a": 1} x', "not a notebook: the JSON is broken (Extra data; line 1, column 10)"),
    (b'"text"', "not a notebook: the JSON is not an object with cells and metadata"),
    (b'{"nbformat": 5, "cells": [], "metadata": {}}', "not a notebook: no nbformat 4 version number"),
    (b'{"nbformat": 4, "cells": {}, "metadata": {}}', "not a notebook: it has no list of cells"),
    (b'{"nbformat": 4, "cells": [], "metadata": []}', "not a notebook: it has no metadata"),
])
def test_unreadable_files(data, message):
    with pytest.raises(Unreadable) as error:
        load_notebook(data)
    assert str(error.value) == message


def test_a_bom_is_accepted():
    notebook = {"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {}}
    assert load_notebook(b"\xef\xbb\xbf" + json.dumps(notebook).encode()) == notebook


def test_the_manifest_holds_checksums_of_every_locked_cell(classroom):
    entry = classroom.manifest["students"][0]
    student, solution = read(classroom.blank(entry["id"])), read(classroom.key(entry["id"]))
    locked = [c for c in student["cells"] if c["metadata"].get("nbgrader", {}).get("locked")]
    assert sorted(entry["checksums"]) == sorted(c["id"] for c in locked)
    header = {c["id"]: c for c in solution["cells"]}["header"]
    assert entry["checksums"]["header"] == [cell_checksum(locked[0]["source"]), cell_checksum(header["source"])]
    assert locked[0]["id"] == "header"
    assert all(len(v) == 1 for k, v in entry["checksums"].items() if k != "header")  # only the header differs
    assert not any(k.endswith("-solution") for k in entry["checksums"])  # worked solutions are not required


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_only_newlines_end_lines(separator):
    """Python ends lines at \\n, \\r\\n and \\r only; other line separators in a comment or between the
    values must not shift the answer that is read."""
    assert one(f"# (a) the shape{separator} é\nq1_x = [[1, 2],\n [3, 4]]") == Answer("[[1, 2],\n [3, 4]]")
    assert one(f"# é{separator}\r\nq1_x = 'é' + 'x'\rq1_y = 2") == Answer("'é' + 'x'")
    if separator in "\x0c":  # whitespace to Python
        assert one(f"q1_x = [1,{separator}2]") == Answer(f"[1,{separator}2]")


def test_odd_characters_in_a_notebook_never_raise(classroom):
    """Lone surrogates (which JSON can spell) in an answer and in a locked cell: read, not a crash."""
    notebook = json.loads(json.dumps(read(classroom.blank("s001"))).replace("Question 1", "Question 1 \\ud800"))
    found = cells(notebook)
    assert locked_problems(found, classroom.manifest["students"][0]["checksums"]) == [
        "locked cells q1-prompt-1, q10-prompt-1, q11-prompt-1, q12-prompt-1 were edited"]
    assert one('q1_x = "\\ud800" # \ud800').text == "\\ud800"  # read line by line: Python refuses the cell


def test_copies_of_an_answer_cell_that_agree_are_one_answer():
    """The same answer written differently in two copies of the answer cell, or one copy left as handed
    out: the answer is clear. Different answers: the last is read, and the submission is to be reviewed."""
    copies = [code("q1-x", "q1_x = [1,2]", 3), code("q1-x", "q1_x = [1, 2]  # again", 4)]
    assert answers(copies, [("q1-x", "q1_x")])["q1-x"] == Answer("[1, 2]")
    copies = [code("q1-x", "q1_x = [1, 2]", 3), code("q1-x", "q1_x = ...", 4)]
    assert answers(copies, [("q1-x", "q1_x")])["q1-x"] == Answer("[1, 2]")
    copies = [code("q1-x", "q1_x = [1, 2]", 3), code("q1-x", "q1_x = [1,2]\nnot python(", 4)]  # one unparsable
    assert answers(copies, [("q1-x", "q1_x")])["q1-x"].review == ""
    copies = [code("q1-x", "q1_x = [1, 2]", 3), code("q1-x", "q1_x = [2, 1]", 4)]
    assert answers(copies, [("q1-x", "q1_x")])["q1-x"] == Answer("[2, 1]", review=(
        "the answer cell q1-x appears 2 times with different answers (cells 4, 5); the last one was graded"))


@pytest.mark.parametrize("source, text", [
    ("q1_x = \u22123", "-3"),  # the minus sign of our PDFs, copied into the notebook
    ("q1_x = [[\u22121, 2],\n        [3, \u22124]]", "[[-1, 2],\n        [3, -4]]"),
    ("q1_x = y = 5", "5"),
    ("y = q1_x = [1, 2]", "[1, 2]"),
    ("q1_x, q1_y = 5, (6, 7)", "5"),
    ("[q1_y, q1_x] = [5, (6, 7)]", "(6, 7)"),
])
def test_more_ways_of_assigning_the_answer(source, text):
    assert one(source) == Answer(text)


def test_leading_whitespace_before_the_assignment():
    assert one("# (a) shape\n   q1_x = [3, 4]") == Answer("[3, 4]")  # no note: the indent is the answer's own line
    assert one("\tq1_x = 5").text == "5"


@pytest.mark.parametrize("source, error", [
    ("q1_x = 3\nq1_x += 2", "`q1_x += ...` changes the value instead of giving it; write the answer as `q1_x = <answer>`"),
    ("q1_x, q1_y = values", "the answer is unpacked from one value (`a, b = ...`); write each answer as "
                            "`name = <answer>`"),
    ("q1_x, *rest = 1, 2, 3", "the answer is unpacked from one value (`a, b = ...`); write each answer as "
                              "`name = <answer>`"),
])
def test_assignments_that_do_not_give_the_value_are_format_errors(source, error):
    assert one(source) == Answer(None, error=error)


def test_a_number_with_too_many_digits():
    assert one("q1_x = " + "7" * 5000) == Answer("7" * 5000)  # the answer type says it has too many digits
    assert one("q1_x = 1\ny = " + "7" * 5000).note.startswith(
        "the cell is not valid Python (a number with too many digits, line 2)")
    with pytest.raises(Unreadable, match="^not a notebook: the JSON has a number with too many digits$"):
        load_notebook(b'{"nbformat": 4, "cells": [], "metadata": {"x": ' + b"7" * 5000 + b"}}")
