"""The self-check cell at the end of every notebook: for each answer, can it be read, and (practice mode) is it right?

The cell runs ``check(globals(), DATA)``. DATA is JSON listing every answer slot: its question, letter,
variable and answer type (without the settings that would give the answer away, see
:func:`cnnexam.model.spec_types.public_spec`). In practice mode each slot also carries a salt and the salted
SHA-256 hashes of the answer's accepted canonical forms (:func:`accepted_forms`); in exam mode there are no
hashes at all and the cell only says whether each answer's format can be read.

An answer is read the way the grader reads it, by the grader's own reader (:mod:`cnnexam.assignments`): the
text on the right of the variable's last assignment in the kernel's input history (``In``), not the value
Python computed, because the two differ (``37/9`` is an exact fraction to the grader and a float to Python;
``k * k`` is a number to Python and unreadable to the grader; ``5x5``, ``83,040`` or ``false`` stop the cell
with an error in Python and are answers to the grader). The history holds the cells that were run, whatever
they raised; a cell edited since it was last run is checked as it was run. Outside IPython, the variable's
value is read instead.

Canonical forms (equal forms get the same full credit from the grader): a whole number or exact fraction as
printed (``15/4``), a number rounded to the stated decimals (both roundings when the key lies exactly half
way, as the grader's tolerance accepts both), an array as a whole (every cell, in its nesting), a shape as
its tuple, choices as the set of letters, a short text lowercased without punctuation (each accepted
synonym), a formula as its values at the template's check points. Numbers given with more decimals than
asked, numbers with a relative tolerance and code are only format-checked.

This is not a secret. Any check that runs offline can be reverse-engineered for short answers: a salted
hash of a small integer, a shape, a letter or True/False is brute-forced in milliseconds by hashing every
candidate with the salt printed next to it, and longer answers (a matrix of small integers) only take
longer. Practice mode accepts that; exam mode therefore ships no hashes, and this module imports nothing
heavy (no Numba, no NumPy of its own) so the cell runs instantly in a student's kernel.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from fractions import Fraction

from cnnexam.assignments import Assignment, read_cell
from cnnexam.model.answers import AnswerFormatError, AnswerType
from cnnexam.model.numbers import exact, fmt
from cnnexam.model.spec_types import from_spec

RIGHT = "right"
WRONG = "wrong"
FORMAT_OK = "format ok"
FORMAT_ERROR = "format error"
MISSING = "not answered"

RAISED = "Python raised an error running its cell, which does not matter: the grader reads the answer as written"

MAX_FORMS = 64  # an array of rounded numbers with more halfway cells than this allows is only format-checked


@dataclass(frozen=True)
class Result:
    question: int
    letter: str
    variable: str
    status: str
    message: str = ""

    def line(self) -> str:
        detail = f": {self.message}" if self.message else ""
        return f"Q{self.question}({self.letter}) {self.variable}: {self.status}{detail}"


def check(namespace: dict, data: str) -> None:
    """Print one line per answer slot and a count; never prints an answer."""
    found = results(namespace, data)
    title = ("Self-check (practice mode: right or wrong, without showing answers; not your grade)"
             if json.loads(data)["mode"] == "practice"
             else "Format check (exam mode: only whether each answer can be read, not whether it is right)")
    counts = {status: sum(r.status == status for r in found) for status in (RIGHT, WRONG, FORMAT_OK, FORMAT_ERROR, MISSING)}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    print("\n".join([title, *(r.line() for r in found), f"{len(found)} answers: {summary}"]))


def results(namespace: dict, data: str) -> list[Result]:
    """What :func:`check` prints, one Result per slot, in the order of the notebook."""
    payload = json.loads(data)
    history = namespace.get("In")
    assignments = _assignments(history) if isinstance(history, list) else None
    return [_result(entry, namespace, assignments) for entry in payload["slots"]]


def _result(entry: dict, namespace: dict, assignments: dict | None) -> Result:
    variable = entry["variable"]

    def result(status: str, message: str = "") -> Result:
        return Result(entry["question"], entry["letter"], variable, status, message)

    raised = ""
    if assignments is not None and variable in assignments:
        assignment, cell_raised = assignments[variable]
        if assignment.error:
            return result(FORMAT_ERROR, assignment.error)
        raw = assignment.text
        # The cell was run (it is in the history) but left no value: it stopped with an error.
        raised = RAISED if cell_raised or variable not in namespace else ""
    elif variable not in namespace:
        return result(MISSING, "its cell has not been run")
    elif assignments is not None and namespace[variable] is not Ellipsis:
        # it has a value, but no `name = ...` at the top of a cell gave it (it was set inside an if, for or
        # try, or by a function): the grader, which reads that line, finds no answer
        return result(MISSING, f"no line `{variable} = ...` at the top of its cell (not inside if, for or try): "
                               "the grader reads only that")
    else:
        raw = _from_value(namespace[variable])
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return result(MISSING, "replace the ... and run the cell")
    answer_type = from_spec(entry["type"])
    try:
        parsed = answer_type.parse(raw)
    except AnswerFormatError as error:
        return result(FORMAT_ERROR, f"{error}; expected {answer_type.instructions()}")
    if "hashes" not in entry:  # exam mode, or a kind only the grader can check
        return result(FORMAT_OK, raised)
    try:
        form = canonical(answer_type, parsed)
    except _NotRounded as unrounded:
        places = "place" if unrounded.decimals == 1 else "places"
        return result(FORMAT_OK, _join(f"round it to {unrounded.decimals} decimal {places} to check it", raised))
    if form is None:
        return result(FORMAT_OK, raised)
    return result(RIGHT if digest(entry["salt"], form) in entry["hashes"] else WRONG, raised)


def _join(*messages: str) -> str:
    return "; ".join(m for m in messages if m)


def digest(salt: str, form: str) -> str:
    """The salted hash of one canonical form (128 bits of SHA-256, hex)."""
    return hashlib.sha256(f"{salt}\0{form}".encode()).hexdigest()[:32]


class _NotRounded(Exception):
    def __init__(self, decimals: int) -> None:
        super().__init__(decimals)
        self.decimals = decimals


def canonical(answer_type: AnswerType, value) -> str | None:
    """The canonical text of a parsed answer, or None when this kind is not checked offline.

    Raises _NotRounded for a number with more decimals than the type states (rounding it here could call
    an answer right that the grader's tolerance rejects)."""
    kind = answer_type.kind
    if kind in ("integer", "fraction"):
        return fmt(value)
    if kind == "number":
        return None if answer_type.rounded_to is None else _rounded(value, answer_type.rounded_to)
    if kind == "array":
        cell = (lambda v: _rounded(v, answer_type.rounded_to)) if answer_type.rounded_to is not None else fmt
        return _nested(value, cell)
    if kind == "shape":
        return _nested(value, str)
    if kind == "single-choice":
        return answer_type.to_json(value)
    if kind == "multiple-choice":
        return ",".join(answer_type.to_json(value))
    if kind == "true-false":
        return answer_type.format(value)
    if kind == "short-text":
        return value
    if kind == "symbolic" and answer_type.points:
        return _values_at_points(answer_type, value)
    return None


def accepted_forms(answer_type: AnswerType, key) -> tuple[str, ...] | None:
    """Every canonical form the grader gives full credit to, for the key ``key`` (None: not checkable)."""
    kind = answer_type.kind
    if kind == "number" and answer_type.rounded_to is not None:
        return tuple(sorted(set(_roundings(answer_type, key))))
    if kind == "array" and answer_type.rounded_to is not None:
        element = answer_type._element()
        cells = [_roundings(element, k) for k in _flat(key)]
        if math.prod(len(c) for c in cells) > MAX_FORMS:
            return None
        shape = _shape(key)
        return tuple(sorted({_nested(_unflatten(list(choice), shape), str) for choice in itertools.product(*cells)}))
    if kind == "short-text":
        return tuple(sorted({answer_type.parse(text) for text in (*answer_type.accepted, key)}))
    if kind == "symbolic" and isinstance(key, str):
        key = answer_type.parse(key)
    form = canonical(answer_type, key)
    return None if form is None else (form,)


def _roundings(number_type, key) -> list[str]:
    """The values with the stated decimals that the type's tolerance accepts for ``key`` (one, or two at a tie)."""
    scale = 10**number_type.decimals
    units = Fraction(exact(key)) * scale
    candidates = {Fraction(math.floor(units), scale), Fraction(math.ceil(units), scale)}
    return [fmt(c, number_type.decimals) for c in sorted(candidates) if number_type.check(c, key).score >= 1]


def _rounded(value, decimals: int) -> str:
    if (Fraction(value) * 10**decimals).denominator != 1:
        raise _NotRounded(decimals)
    return fmt(value, decimals)


def _values_at_points(answer_type, expression) -> str:
    import sympy

    symbols = [sympy.Symbol(v, integer=True) for v in answer_type.variables]
    values = []
    for point in answer_type.points:
        try:
            values.append(str(sympy.simplify(expression.xreplace({s: sympy.Integer(v) for s, v in zip(symbols, point)}))))
        except (TypeError, ZeroDivisionError):
            values.append("undefined")
    return ";".join(values)


def _nested(value, cell) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_nested(v, cell) for v in value) + "]"
    return cell(value)


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, (list, tuple)) else [value]


def _shape(value) -> tuple[int, ...]:
    return (len(value), *_shape(value[0])) if isinstance(value, (list, tuple)) else ()


def _unflatten(cells: list, shape: tuple[int, ...]):
    if not shape:
        return cells.pop(0)
    return [_unflatten(cells, shape[1:]) for _ in range(shape[0])]


def _assignments(history: list) -> dict[str, tuple[Assignment, bool]]:
    """variable -> its last top-level assignment in the input history, read as the grader reads a cell
    (also from a cell Python could not parse), and whether that cell is one Python could not parse."""
    found = {}
    for source in history:
        if not isinstance(source, str):
            continue
        cell = read_cell(source)
        for assignment in cell.assignments:
            found[assignment.name] = (assignment, bool(cell.problem))
    return found


def _from_value(value):
    """A live value as a raw answer (outside IPython): arrays as lists, ``...`` as nothing."""
    if value is Ellipsis or value is None:
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


__all__ = [
    "FORMAT_ERROR",
    "FORMAT_OK",
    "MISSING",
    "RIGHT",
    "WRONG",
    "Result",
    "accepted_forms",
    "canonical",
    "check",
    "digest",
    "results",
]
