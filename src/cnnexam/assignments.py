"""What a code cell assigns, read from its text without running it: shared by the grader
(:mod:`cnnexam.autograder.extract`) and the notebook's format check (:mod:`cnnexam.selfcheck`), so the two
read every answer the same way.

An assignment's value is the right-hand side as TEXT, taken from the cell's syntax tree; a string literal
is given as the string it spells, ``...`` and ``None`` as no answer. A cell that is not valid Python
(``q1_shape = 3 x 3``) is read line by line instead. Imports nothing heavy: the format check runs it in a
student's kernel.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from cnnexam.model.literal import MINUS, too_many_digits

MAX_CELL_CHARS = 100_000  # longer cells are not parsed (the literal reader allows as many characters)
UNANSWERED = ("...", "None", "")


@dataclass(frozen=True)
class Assignment:
    name: str
    text: str | None  # None: unanswered (the ``...`` placeholder, None), or not readable (``error``)
    same: str = ""  # equal for the same answer written differently ([1,2] and [1, 2])
    error: str = ""  # why what was written cannot be taken as the answer
    lines: tuple[int, int] = (0, 0)  # the first and last line of the cell it was read from (from 1; 0: unknown)

    @property
    def answered(self) -> bool:
        return self.text is not None or bool(self.error)


@dataclass(frozen=True)
class CellAssignments:
    """The top-level assignments of one code cell, in order; ``problem`` says why the cell could not be
    parsed (then the assignments were read line by line) or read at all (then there are none)."""

    assignments: list[Assignment]
    problem: str = ""
    problem_line: int | None = None  # where Python found the cell not valid (None: not known)

    def problem_outside(self, assignment: Assignment) -> bool:
        """Whether the cell has a problem elsewhere than on the lines ``assignment`` was read from. A syntax
        error on those lines is Python refusing the answer's own notation (``5x5``, ``83,040``), which the
        answer type judges for itself; one elsewhere made the cell be read line by line, which may matter."""
        if not self.problem:
            return False
        first, last = assignment.lines
        return self.problem_line is None or not first <= self.problem_line <= last


def read_cell(source: str) -> CellAssignments:
    """The top-level assignments of the code cell ``source``."""
    if len(source) > MAX_CELL_CHARS:
        return CellAssignments([], f"the cell is too long to read ({len(source):,} characters; at most {MAX_CELL_CHARS:,})")
    source = source.replace(MINUS, "-")  # the minus sign our PDFs print, copied from them
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as error:
        line = getattr(error, "lineno", None)
        problem = f"the cell is not valid Python ({_why(error)}{f', line {line}' if line else ''})"
        return CellAssignments(_scan_lines(source), problem, line if isinstance(line, int) else None)
    cell = _Source(_LINE_END.split(source))
    found: list[Assignment] = []
    for stmt in tree.body:
        found += _assignments(stmt, cell)
    return CellAssignments(found)


def _why(error: Exception) -> str:
    if isinstance(error, UnicodeError):
        return "an invalid character"
    if too_many_digits(error):
        return "a number with too many digits"
    return getattr(error, "msg", None) or type(error).__name__


def _assignments(stmt: ast.stmt, lines: _Source) -> list[Assignment]:
    """What one top-level statement assigns: ``x = v``, ``x: int = v``, ``x = y = v`` (both are v), and
    ``a, b = v, w`` (pairwise). An assignment that does not give the value (``x += 1``, ``a, b = f()``)
    is kept as a format error, so the student learns why the answer was not read."""
    if isinstance(stmt, ast.Assign):
        found = []
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                found.append(_assigned(target.id, lines, stmt.value))
            elif isinstance(target, (ast.Tuple, ast.List)):
                found += _unpacked(target, stmt.value, lines)
        return found
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return [_assigned(stmt.target.id, lines, stmt.value)]
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name, op = stmt.target.id, _OPERATORS.get(type(stmt.op), "")
        return [Assignment(name, None, f"{op}=", f"`{name} {op}= ...` changes the value instead of giving it; "
                                                 f"write the answer as `{name} = <answer>`")]
    return []


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
              ast.Pow: "**"}


def _assigned(name: str, lines: _Source, value: ast.expr) -> Assignment:
    text = _value_text(lines, value)
    return Assignment(name, text, _same(value, text))


def _same(value: ast.expr, text: str | None) -> str:
    """The syntax tree of an answer, so that [1,2] and [1, 2] agree; the text without spaces for a tree
    too deep to write out (a sum of a thousand terms)."""
    try:
        return ast.dump(value)
    except RecursionError:
        return "".join((text or "").split())


def _unpacked(target: ast.Tuple | ast.List, value: ast.expr, lines: _Source) -> list[Assignment]:
    names = target.elts
    if (all(isinstance(n, ast.Name) for n in names) and isinstance(value, (ast.Tuple, ast.List))
            and len(value.elts) == len(names) and not any(isinstance(v, ast.Starred) for v in value.elts)):
        return [_assigned(n.id, lines, v) for n, v in zip(names, value.elts)]  # type: ignore[attr-defined]
    error = "the answer is unpacked from one value (`a, b = ...`); write each answer as `name = <answer>`"
    return [Assignment(n.id, None, "unpacked", error) for n in ast.walk(target) if isinstance(n, ast.Name)]


def _value_text(lines: _Source, node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and (node.value is Ellipsis or node.value is None):
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return _segment(lines, node)


# Python ends lines at \n, \r\n and \r only, unlike str.splitlines (which also splits at \x0c, \x1c, \x85,
# \u2028, ...): splitting differently would shift the line numbers of the syntax tree.
_LINE_END = re.compile(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)")


def _segment(cell: _Source, node: ast.expr) -> str:
    """The source text of ``node`` with the parentheses around it, as Python reads it: ``(96*96*9\n + 96)``
    whole, where the node alone starts at 96 and would lose the brackets that join its lines. Column
    offsets of the syntax tree count UTF-8 bytes. Lone surrogates are kept as escapes and a cut inside a
    character becomes U+FFFD, a format error for the answer rather than an exception for the notebook."""
    lines = cell.lines
    first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[operator]
    start, end = _parenthesized(cell, node) or ((first, _chars(lines[first], node.col_offset)),
                                                (last, _chars(lines[last], node.end_col_offset)))
    if start[0] == end[0]:
        return lines[start[0]][start[1]:end[1]]
    return lines[start[0]][start[1]:] + "".join(lines[start[0] + 1:end[0]]) + lines[end[0]][:end[1]]


def _chars(line: str, offset: int | None) -> int:
    """The character index of the UTF-8 byte ``offset`` in ``line``."""
    return len(line.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "replace"))


_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
             tokenize.ENDMARKER}


class _Source:
    """A cell's lines, and its tokens when some answer needs them: tokenized once, however many answers
    the cell holds (once per answer made a cell of a thousand answers take seconds)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._tokens: tuple[list, dict, dict] | None = None

    def tokens(self) -> tuple[list, dict, dict]:
        """The code tokens, and their indices by start and by end position ([] when the cell does not tokenize)."""
        if self._tokens is None:
            text = "".join(line.rstrip("\r\n") + "\n" for line in self.lines)  # as the tokenizer ends lines
            try:
                tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _NOT_CODE]
            except (tokenize.TokenError, SyntaxError):
                tokens = []
            self._tokens = (tokens, {t.start: n for n, t in enumerate(tokens)}, {t.end: n for n, t in enumerate(tokens)})
        return self._tokens


def _parenthesized(cell: _Source, node: ast.expr) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(line, character) of the start and end of ``node`` with every pair of parentheses just around it,
    when there is one; the cell is tokenized only when a bracket may open before the node."""
    lines = cell.lines
    first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[operator]
    start, end = _chars(lines[first], node.col_offset), _chars(lines[last], node.end_col_offset)
    before = lines[first][:start].rstrip()
    if before and not before.endswith("("):
        return None
    tokens, starts, ends = cell.tokens()
    i, j = starts.get((first + 1, start)), ends.get((last + 1, end))
    if i is None or j is None or i == 0 or tokens[i - 1].string != "(":
        return None
    while i > 0 and j + 1 < len(tokens) and tokens[i - 1].string == "(" and tokens[j + 1].string == ")":
        i, j = i - 1, j + 1  # the node is balanced, so these two parentheses are a pair
    (row, col), (end_row, end_col) = tokens[i].start, tokens[j].end
    return (row - 1, col), (end_row - 1, end_col)


_LINE = re.compile(r"^[ \t]*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)\s*(.*)$")


def _scan_lines(source: str) -> list[Assignment]:
    """Assignments read line by line from a cell Python cannot parse: the rest of the line after ``name =``
    (without a trailing comment), continued while brackets are open."""
    lines = re.split(r"\r\n|\r|\n", source)
    found = []
    i = 0
    while i < len(lines):
        match = _LINE.match(lines[i])
        i += 1
        if not match:
            continue
        first = i
        parts = [_strip_comment(match[2])]
        depth = _open_brackets(parts[0])
        while depth > 0 and i < len(lines):
            parts.append(_strip_comment(lines[i]))
            depth += _open_brackets(parts[-1])
            i += 1
        text = "\n".join(parts).strip()
        found.append(Assignment(match[1], None if text in UNANSWERED else _unquote(text), _fingerprint(text),
                                lines=(first, i)))
    return found


def _strip_comment(text: str) -> str:
    cut = text.find("#")
    return text[:cut] if cut >= 0 and text[:cut].count('"') % 2 == 0 and text[:cut].count("'") % 2 == 0 else text


def _open_brackets(text: str) -> int:
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def _fingerprint(text: str) -> str:
    """What makes two written answers one answer, as ``_assigned`` has it from the syntax tree ([1,2] and
    [1, 2] agree), also for a line read from a cell Python cannot parse; else the text without spaces."""
    try:
        return ast.dump(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "".join(text.split())


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


__all__ = ["MAX_CELL_CHARS", "UNANSWERED", "Assignment", "CellAssignments", "read_cell"]
