"""Reading a code cell's assignments from its text, as the grader and the notebook's format check both do:
cells a student can write must be read whole, in time, without an exception."""

import tokenize

from cnnexam import assignments
from cnnexam.assignments import read_cell


def test_a_sum_of_a_thousand_terms_is_read():
    # the syntax tree of such a sum is too deep to write out whole; the answer is still read
    total = "+".join(["1"] * 1000)
    (answer,) = read_cell(f"q1 = {total}").assignments
    assert (answer.name, answer.text, answer.error) == ("q1", total, "")
    assert read_cell(f"q1 = {total.replace('+', ' + ')}").assignments[0].same == answer.same


def test_a_cell_is_tokenized_once_however_many_answers_it_holds(monkeypatch):
    calls = []
    real = tokenize.generate_tokens
    monkeypatch.setattr(assignments.tokenize, "generate_tokens", lambda readline: calls.append(1) or real(readline))
    found = read_cell("a = (1)\n" * 300 + "b = (2 +\n 3)\n").assignments
    assert len(found) == 301 and found[-1].text == "(2 +\n 3)" and len(calls) == 1
