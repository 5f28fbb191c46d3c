"""Reading a submitted notebook: its JSON, its locked cells and its answers, without running anything.

An answer is the right-hand side of the assignment to the slot's variable (``q3_output = [[1, 2], [3, 4]]``),
taken as TEXT from the cell's syntax tree (:mod:`cnnexam.assignments`, which the notebook's format check
reads answers with too) and handed to the slot's answer type, which reads it with
:mod:`cnnexam.model.literal` (literals and bounded arithmetic, never ``eval``). A string literal is handed
over as the string it spells, so ``"A, C"`` and ``A, C`` read the same.

Where the answer is looked for, in order: the slot's answer cell (by its nbgrader ``grade_id``, or its cell
id); any other cell assigning the slot's variable (a moved or re-created cell); a single assignment to some
other name in the answer cell (a renamed variable). A cell that is not valid Python (``q1_shape = 3 x 3``)
is read line by line instead. Each detour is named in the feedback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cnnexam.assignments import Assignment, read_cell
from cnnexam.generator.exam import cell_checksum
from cnnexam.model.literal import too_many_digits

from .submissions import printable

MAX_NOTE_ANSWER = 2_000  # the answer text kept in the gradebook for review and feedback


class Unreadable(ValueError):
    """The file is no notebook that can be graded; the message says why, for the student and the grader."""


def load_notebook(data: bytes) -> dict:
    """The notebook's JSON, checked to be an nbformat 4 notebook with a list of cells."""
    if not data.strip():
        raise Unreadable("the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not UTF-8 text (byte {error.start}); a notebook is saved as UTF-8 JSON") from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        where = "it ends too early" if truncated else f"line {error.lineno}, column {error.colno}"
        raise Unreadable(f"not a notebook: the JSON is broken ({error.msg}; {where})") from None
    except RecursionError:
        raise Unreadable("not a notebook: the JSON is nested too deeply") from None
    except ValueError as error:
        if too_many_digits(error):
            raise Unreadable("not a notebook: the JSON has a number with too many digits") from None
        raise
    if not isinstance(notebook, dict):
        raise Unreadable("not a notebook: the JSON is not an object with cells and metadata")
    version = notebook.get("nbformat")
    if version != 4:
        if isinstance(version, int) and not isinstance(version, bool) and version < 4:
            raise Unreadable(f"an nbformat {version} notebook: this exam's notebooks are nbformat 4; "
                             "hand in the notebook you were given, saved by Jupyter")
        raise Unreadable("not a notebook: no nbformat 4 version number")
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise Unreadable("not a notebook: it has no list of cells")
    if not isinstance(notebook.get("metadata"), dict):
        raise Unreadable("not a notebook: it has no metadata")
    return notebook


@dataclass(frozen=True)
class Cell:
    key: str  # nbgrader grade_id, or the cell id
    kind: str
    source: str
    position: int


def cells(notebook: dict) -> list[Cell]:
    out = []
    for position, cell in enumerate(notebook["cells"]):
        meta = cell.get("metadata")
        grade_id = meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and isinstance(
            meta.get("nbgrader"), dict) else None
        key = grade_id if isinstance(grade_id, str) else cell.get("id")
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            source = ""
        out.append(Cell(key if isinstance(key, str) else "", str(cell.get("cell_type", "")), source, position))
    return out


def locked_problems(found: list[Cell], checksums: dict[str, list[str]]) -> list[str]:
    """How the locked cells differ from the paper's: missing, or edited (their checksum is not accepted)."""
    by_key: dict[str, list[Cell]] = {}
    for cell in found:
        by_key.setdefault(cell.key, []).append(cell)
    missing = [key for key in checksums if key not in by_key]
    edited = [key for key, accepted in checksums.items()
              if key in by_key and any(_checksum(c.source) not in accepted for c in by_key[key])]
    return [_cells(keys, what) for keys, what in ((missing, "missing"), (edited, "edited")) if keys]


def _checksum(source: str) -> str:
    # JSON can spell lone surrogates ("\ud800"), which cannot be encoded: spelled as escapes, the cell
    # counts as edited instead of failing the notebook.
    return cell_checksum(printable(source))


def _cells(keys: list[str], what: str) -> str:
    """"locked cell q1-prompt-1 was edited", "locked cells a, b are missing" (at most 6 named)."""
    plural = len(keys) > 1
    names = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
    verb = ("are" if plural else "is") if what == "missing" else ("were" if plural else "was")
    return f"locked cell{'s' if plural else ''} {names} {verb} {what}"


@dataclass(frozen=True)
class Answer:
    """What a slot's answer is: ``text`` for the answer type, ``None`` when there is none; ``error`` when what
    was written cannot be taken as an answer; ``note`` says where it was found if not in its own cell."""

    text: str | None
    note: str = ""
    error: str = ""
    review: str = ""  # set when the answer is ambiguous: the submission is flagged for review with this reason

    @property
    def answered(self) -> bool:
        """Something was written: an answer, or what cannot be taken as one (an answer to review is either)."""
        return self.text is not None or bool(self.error)

    def shown(self) -> str:
        """The answer as kept for review (bounded)."""
        text = self.text or ""
        return text if len(text) <= MAX_NOTE_ANSWER else text[:MAX_NOTE_ANSWER] + " ..."


class _Parsed:
    """The top-level assignments of one code cell."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.read = read_cell(cell.source)
        self.problem = self.read.problem
        self.assignments = self.read.assignments


def answers(found: list[Cell], slots: list[tuple[str, str]]) -> dict[str, Answer]:
    """grade_id -> Answer for every ``(grade_id, variable)`` slot of the paper."""
    parsed = [_Parsed(c) for c in found if c.kind == "code"]
    by_key: dict[str, list[_Parsed]] = {}
    by_name: dict[str, list[tuple[_Parsed, Assignment]]] = {}  # in notebook order
    for p in parsed:
        by_key.setdefault(p.cell.key, []).append(p)
        for a in p.assignments:
            by_name.setdefault(a.name, []).append((p, a))
    variables = {variable for _, variable in slots}
    return {grade_id: _answer(grade_id, variable, by_key.get(grade_id, []), by_name.get(variable, []), variables)
            for grade_id, variable in slots}


def _answer(grade_id: str, variable: str, own: list[_Parsed], assigned: list[tuple[_Parsed, Assignment]],
            variables: set[str]) -> Answer:
    in_own = _finals([(p, a) for p, a in assigned if p.cell.key == grade_id])
    elsewhere = _finals([(p, a) for p, a in assigned if p.cell.key != grade_id])
    if in_own:
        found = _pick(in_own, f"the answer cell {grade_id} appears {len(own)} times")
        if found.answered:
            if found.text is not None and any(a.answered and a.same != _same(found, in_own) for _, a in elsewhere):
                found = _also(found, f"`{variable}` is also assigned in another cell; the answer cell counts")
            return found
        # The answer cell left as handed out, the answer typed into a new cell: that one counts.
        other = _pick(elsewhere, f"`{variable}` is assigned in {len(elsewhere)} other cells")
        if other.answered:
            where = _positions([(p, a) for p, a in elsewhere if a.answered])
            return _also(other, f"read from `{variable} = ...` in another cell ({where}): the answer cell still "
                                "has its placeholder")
        return Answer(None, _syntax_note(*in_own[-1]))
    if elsewhere:
        found = _pick(elsewhere, f"`{variable}` is assigned in {len(elsewhere)} cells")
        return _also(found, f"read from `{variable} = ...` in another cell ({_positions(elsewhere)})")
    for cell in own:
        renamed = [a for a in cell.assignments if a.name not in variables]
        if len(renamed) == 1:
            return Answer(renamed[0].text, f"read from `{renamed[0].name} = ...`: keep the variable name `{variable}`")
    if own:
        if own[0].problem:
            return Answer(None, error=f"{own[0].problem}; write the answer as `{variable} = <answer>`")
        return Answer(None, note=f"the answer cell has no assignment `{variable} = ...`")
    return Answer(None, note="its answer cell is missing from the notebook")  # the feedback names the part


def _finals(assigned: list[tuple[_Parsed, Assignment]]) -> list[tuple[_Parsed, Assignment]]:
    """The last assignment in each cell (what running the cell leaves), in notebook order."""
    last: dict[int, tuple[_Parsed, Assignment]] = {}
    for parsed, assignment in assigned:
        last[id(parsed)] = (parsed, assignment)
    return list(last.values())


def _pick(finals: list[tuple[_Parsed, Assignment]], where: str) -> Answer:
    """The answer among several cells: the one answer they agree on (untouched placeholders aside), or,
    when they differ, the last one (as running the notebook would leave it) with a reason to review it."""
    answered = [(p, a) for p, a in finals if a.answered]
    if not answered:
        return Answer(None)
    cell, last = answered[-1]
    if len({a.same for _, a in answered}) == 1:
        return Answer(last.text, _syntax_note(cell, last), last.error)
    return Answer(last.text, _syntax_note(cell, last), last.error,
                  review=f"{where} with different answers ({_positions(answered)}); the last one was graded")


def _same(answer: Answer, finals: list[tuple[_Parsed, Assignment]]) -> str:
    return next(a.same for _, a in reversed(finals) if a.text == answer.text)


def _positions(finals: list[tuple[_Parsed, Assignment]]) -> str:
    """"cell 5", "cells 5, 9" (notebook positions counted from 1)."""
    numbers = ", ".join(str(p.cell.position + 1) for p, _ in finals[:6]) + (" ..." if len(finals) > 6 else "")
    return f"cell{'s' if len(finals) > 1 else ''} {numbers}"


def _also(answer: Answer, note: str) -> Answer:
    return Answer(answer.text, _join(answer.note, note), answer.error, answer.review)


def _syntax_note(parsed: _Parsed, assignment: Assignment) -> str:
    """Why the answer was read line by line, when the cell's syntax error is not on the answer's own lines:
    there, Python only refuses the answer's notation (``83,040`` is "leading zeros ... octal" to Python),
    which the answer type accepts or refuses with its own reason."""
    if parsed.read.problem_outside(assignment):
        return f"{parsed.problem}; the answer was read from the line `{assignment.name} = ...`"
    return ""


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
