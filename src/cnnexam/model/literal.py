"""Safe reading of what a student typed: Python literals plus bounded arithmetic, never ``eval``.

``read_value("[[1, 2], [15/4, 0.5]]")`` gives ``[[1, 2], [Fraction(15, 4), Fraction(1, 2)]]``. Decimal literals
become exact Fractions (``0.1`` is 1/10), so ``0.1 + 0.2 == 3/10``. Only constants, lists, tuples, unary
``+``/``-`` and ``+ - * / // % **`` are allowed, plus one ``np.array(...)`` or ``torch.tensor(...)`` around
the whole value; sizes, nesting, magnitudes and exponents are bounded so a hostile answer (``9**9**9``, a
million nested brackets, a 50 MB list) fails fast with a clear message.
Nesting counts brackets and nested operands, not the terms of a chain: ``(1+2+...+100)/100`` is one level.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction

MAX_CHARS = 100_000
MAX_DEPTH = 8
MAX_ITEMS = 100_000
MAX_MAGNITUDE = 10**18
MAX_POWER_BITS = 64


MINUS = "\u2212"  # the minus sign (our PDFs print it; students copy it): read as "-" wherever a number is


class AnswerFormatError(ValueError):
    """The answer cannot be read as the expected kind of value (as opposed to being wrong)."""


def too_many_digits(error: BaseException) -> bool:
    """Python's refusal to read a number of more than 4300 digits, whose message advises a setting of the
    interpreter (sys.set_int_max_str_digits): meaningless to a student, so it is replaced."""
    return isinstance(error, (ValueError, SyntaxError)) and "int_max_str_digits" in str(error)


@dataclass(frozen=True)
class NotANumber:
    """An entry of an array that is no number (``None``, ``...``, a name), kept by ``read_value(entries=True)``
    so that the caller can say where in the array it is."""

    shown: str


def read_value(raw, *, allow_text: bool = False, entries: bool = False):
    """Parse ``raw`` (text typed by a student, or an already-loaded JSON value) into exact Python values.

    ``entries=True`` reads an array whose entries the caller checks one by one: texts are kept as texts and
    other values that are no number become :class:`NotANumber` instead of failing the whole answer."""
    if isinstance(raw, str):
        if len(raw) > MAX_CHARS:
            raise AnswerFormatError(f"the answer is too long ({len(raw):,} characters; at most {MAX_CHARS:,})")
        text = raw.strip().replace(MINUS, "-")
        if not text:
            raise AnswerFormatError("the answer is empty")
        if text.count("[") + text.count("(") > MAX_ITEMS:
            raise AnswerFormatError("the answer has too many brackets")
        try:
            tree = ast.parse(text, mode="eval")
        except (MemoryError, RecursionError):
            raise AnswerFormatError("the answer has too many terms or levels of brackets to be read") from None
        except (SyntaxError, ValueError) as error:
            raise AnswerFormatError(_unreadable(error, text)) from None
        return _Reader(allow_text or entries, entries).read(_unwrapped(tree.body), 0)
    return _check_loaded(raw, 0, allow_text or entries, entries, [0])


def _unreadable(error: SyntaxError | ValueError, text: str) -> str:
    """Why Python could not parse the answer, in a student's terms: Python's own message where it helps
    (an unclosed bracket, a missing comma, a stray character), else that the text is not a value."""
    if too_many_digits(error):
        return "a number in the answer has too many digits"
    msg = str(getattr(error, "msg", None) or error)
    if "null bytes" in msg:
        return "the answer contains a null character"
    if "too many nested parentheses" in msg:
        return f"the answer is nested too deeply (more than {MAX_DEPTH} levels of brackets)"
    if "forgot a comma" in msg:
        return "it is not valid Python: perhaps a comma is missing"
    if "invalid character" in msg:
        return f"it has an {msg}"
    if any(part in msg for part in ("was never closed", "unmatched", "does not match")):
        return msg
    return f"{text[:40]!r} is not a value (a number, a list or arithmetic)"


# An array written as code: the one call allowed, around the whole answer, is one of these (its dtype ignored).
WRAPPERS = ("np.array", "numpy.array", "np.asarray", "numpy.asarray", "torch.tensor")


def _unwrapped(node: ast.AST) -> ast.AST:
    """The literal inside ``np.array(...)`` (or another of WRAPPERS) when the answer is one such call around
    a value, optionally with a ``dtype=`` keyword naming a type; any other call is left to the reader to refuse."""
    if not isinstance(node, ast.Call) or _dotted(node.func) not in WRAPPERS:
        return node
    name = _dotted(node.func)
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise AnswerFormatError(f"{name}(...) must hold exactly one value, e.g. {name}([[a, b], [c, d]])")
    for keyword in node.keywords:
        if keyword.arg != "dtype":
            raise AnswerFormatError(f"{name}(...) may only be given dtype=..., not {keyword.arg or '**'}=...")
        if not (_dotted(keyword.value) or (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str))):
            raise AnswerFormatError("dtype= must name a type, e.g. dtype=float")
    if isinstance(node.args[0], ast.Call):
        raise AnswerFormatError(f"write the value inside {name}(...) as a literal, without another call")
    return node.args[0]


def _dotted(node: ast.AST) -> str:
    """``np.array`` for the expression np.array, ``float`` for float; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and _dotted(node.value):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _Reader:
    def __init__(self, allow_text: bool, entries: bool) -> None:
        self.allow_text = allow_text
        self.entries = entries
        self.items = 0

    def read(self, node: ast.AST, depth: int):
        self.items += 1
        if self.items > MAX_ITEMS:
            raise AnswerFormatError(f"the answer has too many values (more than {MAX_ITEMS:,})")
        if depth > MAX_DEPTH:
            raise AnswerFormatError(f"the answer is nested too deeply (more than {MAX_DEPTH} levels of brackets)")
        if isinstance(node, ast.Constant):
            return _constant(node.value, self.allow_text, self.entries)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.read(e, depth + 1) for e in node.elts]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = _number(self.read(node.operand, depth + _nesting(node.operand)))
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self._chain(node, depth)
        if isinstance(node, ast.Name) and self.entries:
            return NotANumber(node.id)
        if isinstance(node, ast.Name):
            raise AnswerFormatError(f"unexpected name '{node.id}': write the value itself, not a variable or a word")
        raise AnswerFormatError(f"only numbers, lists and arithmetic are allowed, not {_describe(node)}")

    def _chain(self, node: ast.BinOp, depth: int):
        """A chain of operators read left to right without recursion: ``a + b + c`` is ``(a + b) + c``, whose
        left side is as deep as the answer has terms. Only operands that are themselves nested (``a + (b - c)``,
        ``a + b*c``) count as a level, so a mean of a hundred terms fits in any cell of a matrix."""
        chain = []
        while isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            chain.append(node)
            node = node.left
        self.items += len(chain) - 1  # the first was counted by read
        if self.items > MAX_ITEMS:
            raise AnswerFormatError(f"the answer has too many values (more than {MAX_ITEMS:,})")
        value = _number(self.read(node, depth))
        for step in reversed(chain):
            right = _number(self.read(step.right, depth + _nesting(step.right)))
            value = _bounded(_BINARY[type(step.op)](value, right))
        return value


def _nesting(operand: ast.AST) -> int:
    """The level an operand adds: none for a number or a signed number, one for anything else."""
    if isinstance(operand, ast.UnaryOp):
        operand = operand.operand
    return 0 if isinstance(operand, ast.Constant) else 1


def _describe(node: ast.AST) -> str:
    return {ast.Call: "function calls", ast.Attribute: "attribute access", ast.Dict: "dictionaries",
            ast.Set: "sets", ast.Subscript: "indexing", ast.Lambda: "lambdas"}.get(type(node), type(node).__name__)


def _constant(value, allow_text: bool, entries: bool = False):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _bounded(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnswerFormatError("the answer is not a finite number")
        return _bounded(Fraction(repr(value)))
    if isinstance(value, str) and allow_text:
        return value
    if isinstance(value, str):
        raise AnswerFormatError(f"got the text {value[:40]!r}, not a number")
    if entries and (value is None or value is Ellipsis):
        return NotANumber("..." if value is Ellipsis else "None")
    raise AnswerFormatError(f"unexpected value {repr(value)[:40]}")


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise AnswerFormatError("arithmetic is only allowed on numbers")
    return value


def _power(base, exponent):
    if not isinstance(exponent, int) and not (isinstance(exponent, Fraction) and exponent.denominator == 1):
        raise AnswerFormatError("only whole-number exponents are allowed")
    exponent = int(exponent)
    size = abs(Fraction(base).numerator).bit_length() + Fraction(base).denominator.bit_length()
    if abs(exponent) > MAX_POWER_BITS or size * abs(exponent) > 4 * MAX_POWER_BITS:
        raise AnswerFormatError("the number is too large")
    if base == 0 and exponent < 0:
        raise AnswerFormatError("division by zero")
    return Fraction(base) ** exponent


def _divide(a, b):
    if b == 0:
        raise AnswerFormatError("division by zero")
    return Fraction(a) / Fraction(b)


def _floor_divide(a, b):
    if b == 0:
        raise AnswerFormatError("division by zero")
    return a // b


def _modulo(a, b):
    if b == 0:
        raise AnswerFormatError("division by zero")
    return a % b


_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: _divide, ast.FloorDiv: _floor_divide, ast.Mod: _modulo, ast.Pow: _power}


def _bounded(value):
    if abs(value) > MAX_MAGNITUDE:
        raise AnswerFormatError(f"the number is too large (more than {MAX_MAGNITUDE:.0e} in size)")
    if isinstance(value, Fraction):
        if value.denominator > MAX_MAGNITUDE:
            raise AnswerFormatError("the number has too many digits")
        return value.numerator if value.denominator == 1 else value
    return value


def _check_loaded(value, depth: int, allow_text: bool, entries: bool, count: list[int]):
    """The same rules for a value that arrives already loaded (JSON from an executed cell)."""
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise AnswerFormatError(f"the answer has too many values (more than {MAX_ITEMS:,})")
    if depth > MAX_DEPTH:
        raise AnswerFormatError(f"the answer is nested too deeply (more than {MAX_DEPTH} levels of brackets)")
    if isinstance(value, (list, tuple)):
        return [_check_loaded(v, depth + 1, allow_text, entries, count) for v in value]
    if isinstance(value, Fraction):
        return _bounded(value)
    return _constant(value, allow_text, entries)
