"""The closed set of answer types. Each owns reading a raw answer, checking it, and printing values.

``parse(raw)`` turns what a student wrote (text, or a loaded JSON value) into a value or raises
:class:`AnswerFormatError` with a message a student can act on; ``check(value, key)`` gives a
:class:`Credit` between 0 and 1. Keys are exact Python values (int, Fraction, nested tuples, bool, str,
frozenset of choice indices). Templates declare a slot's type; they never code a comparison.
"""

from __future__ import annotations


import math
import re
import string
from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from .literal import MINUS, AnswerFormatError, NotANumber, read_value
from .numbers import exact, fmt, fmt_plain, to_jsonable


@dataclass(frozen=True)
class Credit:
    """The share of a slot's points an answer earns (0 to 1) and, for partial credit, why."""

    score: float
    detail: str = ""


FULL = Credit(1.0)
NONE = Credit(0.0)


class AnswerType(ABC):
    """One kind of answer. Subclasses are frozen dataclasses; ``kind`` names them in JSON and listings."""

    kind: ClassVar[str]

    @abstractmethod
    def parse(self, raw) -> Any:
        """The value in ``raw``, or AnswerFormatError saying what was expected."""

    @abstractmethod
    def check(self, value, key) -> Credit:
        """Credit for a parsed ``value`` against the ``key``."""

    @abstractmethod
    def instructions(self) -> str:
        """How to write the answer, for the prompt (never reveals the key, its shape only if stated)."""

    def format(self, value) -> str:
        """The value as the answer key prints it."""
        return fmt(value)

    def to_json(self, value):
        return to_jsonable(value)

    @property
    def rounded_to(self) -> int | None:
        """The decimal places the answer's numbers are to be rounded to, if the slot asks for a rounding."""
        return None

    def spec(self) -> dict:
        """The type and its declared settings, for JSON output and LMS exporters."""
        out = {"kind": self.kind}
        out.update({k: to_jsonable(v) for k, v in self.__dict__.items()})
        return out


def _real(value) -> int | Fraction:
    if isinstance(value, list):
        if len(value) == 1:
            raise AnswerFormatError("it is a list or tuple holding one value: write the value alone, without "
                                    "brackets or a comma after it")
        raise AnswerFormatError(f"it is a list of {len(value)} values, not one number")
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        raise AnswerFormatError(f"got {_show(value)}, not a number")
    return exact(value)


def _show(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:30]!r}"
    return repr(value)


_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")


def _one_number(raw) -> int | Fraction:
    """The one number of a slot that holds one. ``4,25`` is a decimal comma (1,000 and 3,000,000, which
    read as thousands, are whole numbers' business): Python would make it two numbers."""
    text = raw.strip() if isinstance(raw, str) else ""
    if _DECIMAL_COMMA.fullmatch(text) and not (_GROUPED.match(text) and not text.lstrip("-").startswith("0")):
        raise AnswerFormatError(f"{text} is two numbers to Python: write a decimal with a point "
                                f"({text.replace(',', '.')})")
    return _real(read_value(_trailing_comma_dropped(raw)))


def _trailing_comma_dropped(raw):
    """The answer without a comma at its end, which makes Python read ``v,`` as a one-value tuple: the
    student meant v (``47/9,``, ``[[1, 2], [3, 4]],``, ``"D",``). It is dropped only when it cannot be a
    separator: the text before it ends with a closing bracket or quote, or holds no other comma."""
    if isinstance(raw, str):
        text = raw.rstrip()
        before = text[:-1].rstrip()
        if text.endswith(",") and (before.endswith(("]", ")", "'", '"')) or "," not in before):
            return before
    return raw


def _as_typed(raw, value) -> str:
    """A value for a message: as the student typed it when that is short, else as a plain number."""
    text = raw.strip().removesuffix(",").strip() if isinstance(raw, str) else ""
    if text and len(text) <= 30:
        return text
    return fmt_plain(value)


_GROUPED = re.compile(r"^-?\d{1,3}(?:([,\u2009\u202f ])\d{3})(?:\1\d{3})*$")


@dataclass(frozen=True)
class IntegerAnswer(AnswerType):
    """A whole number (an output size, a parameter count)."""

    kind: ClassVar[str] = "integer"

    def parse(self, raw):
        if isinstance(raw, str):
            raw = raw.replace(MINUS, "-")
        if isinstance(raw, str) and _GROUPED.match(raw.strip()):  # "3,000,000" or "3 000 000"
            raw = re.sub(r"[,\s\u2009\u202f]", "", raw)
        value = _one_number(raw)
        if not isinstance(value, int):
            raise AnswerFormatError(f"{_as_typed(raw, value)} is not a whole number")
        return value

    def check(self, value, key):
        return FULL if value == key else NONE

    def instructions(self):
        return "a whole number"


@dataclass(frozen=True)
class NumberAnswer(AnswerType):
    """A real number with a tolerance: the prompt states the rounding (``decimals``) or the tolerance."""

    kind: ClassVar[str] = "number"
    decimals: int | None = 2
    rel_tol: float | None = None

    @property
    def rounded_to(self) -> int | None:
        return self.decimals if self.rel_tol is None else None

    def tolerance(self, key) -> Fraction:
        if self.rel_tol is not None:
            return abs(Fraction(exact(key))) * Fraction(repr(self.rel_tol))
        # Half a unit in the last stated place: both roundings of a tie are accepted.
        return Fraction(1, 2 * 10**self.decimals)

    def parse(self, raw):
        return _one_number(raw)

    def check(self, value, key):
        return FULL if abs(Fraction(value) - Fraction(exact(key))) <= self.tolerance(key) else NONE

    def format(self, value):
        return fmt(value, self.decimals if self.rel_tol is None else None)

    def instructions(self):
        if self.rel_tol is not None:
            return f"a number (within {self.rel_tol:.0%} of the exact value)"
        places = "place" if self.decimals == 1 else "places"
        return f"a number rounded to {self.decimals} decimal {places}"


@dataclass(frozen=True)
class FractionAnswer(AnswerType):
    """An exact rational: ``15/4`` and ``3.75`` are both read as 15/4."""

    kind: ClassVar[str] = "fraction"

    def parse(self, raw):
        return _one_number(raw)

    def check(self, value, key):
        if Fraction(value) == Fraction(exact(key)):
            return FULL
        if _rounded_near(value, key):
            return Credit(0.0, "close, but the answer must be exact: write it as a fraction p/q, not a rounded decimal")
        return NONE

    def instructions(self):
        return "an exact value: a whole number, a fraction p/q, or an exact decimal"


def _rounded_near(value, key) -> bool:
    """Whether ``value`` is ``key`` rounded or cut to a few decimals: a decimal (1/3 is not one) with d places
    that is the key rounded to d places or cut there, for a key that needs more places (3.89 or 3.88 for 35/9,
    4.111111111111111 for 37/9; not 3.9 for 4, 0.1 for 1/1000 or 0.4 for 1/3)."""
    value, key = Fraction(value), Fraction(exact(key))
    if value == key or value.denominator == 1:
        return False
    places = _decimal_places(value.denominator)  # (integer arithmetic: this runs for every cell graded)
    if places is None or (10**places) % key.denominator == 0:  # the key has no more places: not a rounding of it
        return False
    scaled = key * 10**places
    return value * 10**places in (round(scaled), math.trunc(scaled))


def _decimal_places(denominator: int) -> int | None:
    """The places of a decimal with this denominator (in lowest terms), None if it is no decimal or has
    more than 30."""
    twos = (denominator & -denominator).bit_length() - 1
    rest, fives = denominator >> twos, 0
    while rest % 5 == 0 and fives <= 30:
        rest, fives = rest // 5, fives + 1
    places = max(twos, fives)
    return places if rest == 1 and places <= 30 else None


_ELEMENT = {"integer": IntegerAnswer(), "fraction": FractionAnswer()}


@dataclass(frozen=True)
class ArrayAnswer(AnswerType):
    """A matrix (2-D) or tensor (3-D+) with per-cell credit.

    ``shape_given`` says whether the prompt states the shape: then a wrong shape is a format error;
    otherwise finding the shape is part of the question and a wrong shape earns nothing.
    ``element`` is "integer", "fraction" or "number" (the latter rounded to ``decimals``).

    Credit is the share of right entries. When most of the key's entries are 0 (a max-pool gradient), it is
    the share of right entries among those that are not 0 in the key or in the answer: otherwise an answer of
    all zeros would earn most of the points. An answer of all zeros then earns nothing, a perfect one full marks.
    """

    kind: ClassVar[str] = "array"
    shape: tuple[int, ...] = ()
    element: str = "integer"
    decimals: int | None = None
    shape_given: bool = True

    @property
    def rounded_to(self) -> int | None:
        return self._element().rounded_to

    def _element(self) -> AnswerType:
        return _ELEMENT.get(self.element) or NumberAnswer(decimals=self.decimals if self.decimals is not None else 2)

    def parse(self, raw):
        """The array, its entries exact numbers. An entry of the wrong kind of number (3.5 where whole numbers
        are asked) is a wrong entry, not a format error; numbers written as text ("13/4", as key.json writes
        fractions) are read as numbers; an entry that is no number at all is refused, naming where it is."""
        if isinstance(raw, str) and not re.search(r"[\[(]", raw) and re.search(r"\d\s+[-+]?\d", raw.strip()):
            # "-10 -1\n-8 -12" is arithmetic to Python (-10 - 1 ...): say what is missing instead
            raise AnswerFormatError("its numbers are not in brackets")
        value = read_value(_trailing_comma_dropped(raw), entries=True)
        ndim = len(self.shape)
        shape = _shape_of(value, ndim)
        if self.shape_given and shape != self.shape:
            raise AnswerFormatError(f"it is {_describe_shape(shape)}, not {self._noun(self.shape)}")
        return _map_entries(_entry, value, ndim, ())

    def check(self, value, key):
        key_cells = _flatten(key)
        shape = _shape_of(value, len(self.shape))
        if shape != _shape_of(key, len(self.shape)):
            return Credit(0.0, f"the answer is {_describe_shape(shape)}, which is not the expected shape")
        element = self._element()
        cells = _flatten(value)
        if self.element == "integer":  # IntegerAnswer.check is plain equality; this runs for every variant
            ok = [v == k for v, k in zip(cells, key_cells)]
        else:
            ok = [element.check(v, k).score == 1 for v, k in zip(cells, key_cells)]
        if all(ok):
            return FULL
        if 2 * sum(k == 0 for k in key_cells) > len(key_cells):  # sparse: zeros would earn credit for nothing
            # a cell counts where the key is not 0 or the answer is not (within the tolerance) 0
            counted = [i for i, k in enumerate(key_cells) if k != 0 or not ok[i]]
            right, total = sum(ok[i] for i in counted), len(counted)
            detail = f"{right} of {total} entries are right, counting those that are not 0 in the key or the answer"
        else:
            right, total = sum(ok), len(key_cells)
            detail = f"{right} of {total} entries are right"
        if self.element == "integer":
            fractional = sum(not isinstance(v, int) for v in cells)
            if fractional:
                detail += (f"; {fractional} {'entry is not a whole number' if fractional == 1 else 'entries are not whole numbers'}")
        if self.element == "fraction" and any(_rounded_near(v, k) for v, k in zip(cells, key_cells)):
            detail += "; some are rounded decimals: write exact fractions"
        return Credit(right / total, detail)

    def format(self, value):
        element = self._element()
        return _format_nested(value, element.format)

    def to_json(self, value):
        return to_jsonable(value)

    def _noun(self, shape: tuple[int, ...] | None = None) -> str:
        ndim = len(self.shape)
        if shape is None:
            return {1: "a list", 2: "a matrix as a list of rows"}.get(ndim, f"a {ndim}-D array as nested lists")
        if ndim == 1:
            return f"a list of {shape[0]}"
        dims = "x".join(str(s) for s in shape)
        return f"a {dims} matrix" if ndim == 2 else f"a {dims} array"

    def instructions(self):
        if self.element == "number":
            places = self._element().decimals
            what = f"numbers rounded to {places} decimal place{'' if places == 1 else 's'}"
        else:
            what = {"integer": "whole numbers", "fraction": "exact values (whole numbers or fractions p/q)"}[self.element]
        ndim = len(self.shape)
        if ndim == 1:
            return f"a list of {f'{self.shape[0]} ' if self.shape_given else ''}{what}, written like [a, b, c]"
        if not self.shape_given:
            size = self._noun(self.shape if self.shape_given else None)
        else:
            size = f"{self._noun(self.shape)} as {'a list of rows' if ndim == 2 else 'nested lists'}"
        example = {2: "[[a, b], [c, d]]"}.get(ndim, "[[[a, b], [c, d]], [[e, f], [g, h]]]")
        return f"{size} of {what}, written like {example}"


def _shape_of(value, ndim: int) -> tuple[int, ...]:
    shape: list[int] = []
    level = [value]
    for depth in range(ndim):
        lists = [isinstance(v, (list, tuple)) for v in level]
        if not all(lists):
            if depth == 0:
                raise AnswerFormatError("it is one value, not a list")
            if not any(lists):
                raise AnswerFormatError(f"it has {depth} level{'s' if depth > 1 else ''} of brackets, not {ndim}")
            raise AnswerFormatError(f"it mixes lists and single values at level {depth + 1} of brackets")
        lengths = {len(v) for v in level}
        if len(lengths) != 1:
            what = "rows" if depth == ndim - 1 else "sub-lists"
            *others, last = (str(n) for n in sorted(lengths))
            raise AnswerFormatError(f"its {what} have different lengths ({', '.join(others)} and {last})")
        (n,) = lengths
        if n == 0:
            raise AnswerFormatError("it contains an empty list")
        shape.append(n)
        level = [x for v in level for x in v]
    if any(isinstance(v, (list, tuple)) for v in level):
        raise AnswerFormatError(f"it has more than {ndim} level{'s' if ndim > 1 else ''} of brackets")
    return tuple(shape)


def _describe_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    if len(shape) == 2:
        return f"{shape[0]} row{'s' if shape[0] != 1 else ''} of {shape[1]}"
    return "shape " + "x".join(map(str, shape))


def _map_entries(fn, value, ndim: int, index: tuple[int, ...]):
    if ndim == 0:
        return fn(value, index)
    return tuple(_map_entries(fn, v, ndim - 1, (*index, i)) for i, v in enumerate(value))


def _entry(value, index: tuple[int, ...]) -> int | Fraction:
    """One entry of an array: a number, or a number written as text ("13/4", "3.5")."""
    if isinstance(value, str):
        number = _number_in_text(value)
        if number is None:
            raise AnswerFormatError(f"the entry at {_position(index)} is the text {value[:20]!r}, not a number")
        return number
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        shown = value.shown if isinstance(value, NotANumber) else repr(value)
        raise AnswerFormatError(f"the entry at {_position(index)} is {shown}, not a number")
    return value


def _number_in_text(text: str) -> int | Fraction | None:
    if len(text) > 100:
        return None
    try:
        value = read_value(text)
    except AnswerFormatError:
        return None
    return None if isinstance(value, (bool, list)) else value


def _position(index: tuple[int, ...]) -> str:
    """Where an entry is, counting from 1 as people do: "row 2, column 1"."""
    one = [i + 1 for i in index]
    if len(one) == 1:
        return f"position {one[0]}"
    if len(one) == 2:
        return f"row {one[0]}, column {one[1]}"
    if len(one) == 3:
        return f"matrix {one[0]}, row {one[1]}, column {one[2]}"
    return f"position ({', '.join(map(str, one))}), counting from 1"


def _flatten(value) -> list:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _format_nested(value, fmt_cell) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_nested(v, fmt_cell) for v in value) + "]"
    return fmt_cell(value)


_SHAPE_SPLIT = re.compile(r"\s*(?:x|×)\s*|\s+", re.IGNORECASE)
_EMPTY_DIMENSION = re.compile(r"^[(\[]?\s*,|,\s*,")


@dataclass(frozen=True)
class ShapeAnswer(AnswerType):
    """A shape tuple; accepts ``(6, 28, 28)``, ``[6, 28, 28,]``, ``(2*3, 28, 28.0)``, ``6x28x28`` and ``6 × 28 × 28``.

    Written with commas, the shape is read as a Python tuple, so each dimension may be arithmetic that comes
    out whole (``(16, 12-4, 12-4)``). Written with x, × or spaces between the dimensions, each must be a
    plain whole number: there a space or an operator cannot be told from a separator, and ``6*28*28`` is one
    number, not three. Credit per dimension when the number of dimensions is right.
    """

    kind: ClassVar[str] = "shape"
    ndim: int = 3

    def parse(self, raw):
        value = self._read_text(_trailing_comma_dropped(raw)) if isinstance(raw, str) else read_value(raw)
        if not isinstance(value, list):
            value = [value]
        dims = [self._dimension(v) for v in value]
        if len(dims) != self.ndim:
            found = f"{len(dims)} dimension{'' if len(dims) == 1 else 's'}"
            raise AnswerFormatError(f"it has {found}, not {self.ndim}")
        return tuple(dims)

    @staticmethod
    def _read_text(raw: str) -> list:
        text = raw.strip().replace(MINUS, "-")
        if len(text) > 200:
            raise AnswerFormatError("the answer is too long for a shape")
        if "," in text:
            if _EMPTY_DIMENSION.search(text):
                raise AnswerFormatError("a dimension is missing before a comma")
            value = read_value(text)
            return value if isinstance(value, list) else [value]
        inner = text.strip("()[]").strip()
        parts = _SHAPE_SPLIT.split(inner)
        if inner and all(p.isdigit() for p in parts):
            return [int(p) for p in parts]
        if not inner:
            raise AnswerFormatError("the shape is empty")
        if not all(parts):
            raise AnswerFormatError("a dimension is missing")
        if re.search(r"(?<!\*)\*(?!\*)", inner):
            raise AnswerFormatError(f"{inner[:30]} multiplies the dimensions into one number: separate them "
                                    "with commas or x")
        raise AnswerFormatError(f"{inner[:30]!r} is not a list of whole numbers separated by commas or x")

    @staticmethod
    def _dimension(value) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
            raise AnswerFormatError(f"a dimension is {_show(value)}, not a whole number")
        if not isinstance(value, int):
            raise AnswerFormatError(f"the dimension {fmt_plain(value)} is not a whole number")
        if value < 0:
            raise AnswerFormatError(f"the dimension {value} is negative")
        return value

    def check(self, value, key):
        right = sum(int(a == b) for a, b in zip(value, key))
        if right == len(key):
            return FULL
        return Credit(right / len(key), f"{right} of {len(key)} dimensions are right")

    def format(self, value):
        return "(" + ", ".join(str(v) for v in value) + ")"

    def _example(self) -> str:
        # Letters, not numbers: an example must never be some student's answer.
        return "(" + ", ".join("abcdefgh"[: self.ndim]) + ")"

    def instructions(self):
        return f"a shape with {self.ndim} dimensions, written like {self._example()}"


def _letter(index: int) -> str:
    return string.ascii_uppercase[index]


def _normal_text(text: str) -> str:
    text = text.casefold().replace("-", " ").replace("_", " ")
    text = text.strip().strip(string.punctuation + " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class SingleChoiceAnswer(AnswerType):
    """One option out of ``options``; answered by letter (``B``, ``b)``, ``(b)``, ``["B"]``), by the option's
    text, or by both (``B) VGG-16``, ``b: vgg 16``) when the text is that letter's option."""

    kind: ClassVar[str] = "single-choice"
    options: tuple[str, ...] = ()

    def parse(self, raw):
        if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str):
            raw = raw[0]
        if not isinstance(raw, str):
            raise AnswerFormatError(f"got {_show(raw)}, not a letter")
        return _choice_index(_one_quoted(raw), self.options)

    def check(self, value, key):
        return FULL if value == key else NONE

    def format(self, value):
        return f"{_letter(value)}) {self.options[value]}"

    def to_json(self, value):
        return _letter(value)

    def instructions(self):
        return f"one letter from A to {_letter(len(self.options) - 1)}"


def _one_quoted(raw: str) -> str:
    """The text inside ``["D"]``, ``('D',)``, ``'D'`` or ``"D",`` (a list or a quoted text written as the answer)."""
    text = _trailing_comma_dropped(raw).strip()
    if text[:1] in "[('\"" and text[-1:] in "])'\"" and len(text) <= 500:
        try:
            value = read_value(text, allow_text=True)
        except AnswerFormatError:
            return text
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            return value
    return text


_LETTER_AND_TEXT = re.compile(r"^\(?\s*([A-Za-z])\s*[).:]\s*(\S.*)$", re.DOTALL)


def _option_text(text: str) -> str:
    """An option's text for comparing, ignoring case, spaces, hyphens and end punctuation."""
    return _normal_text(text).replace(" ", "")


def _choice_index(raw: str, options: tuple[str, ...]) -> int:
    letters = string.ascii_uppercase[: len(options)]
    text = raw.strip()
    bare = text.strip("()").rstrip(").:").strip().strip("'\"")
    if len(bare) == 1 and bare.upper() in letters:
        return letters.index(bare.upper())
    by_text = [i for i, option in enumerate(options) if _option_text(text) and _option_text(text) == _option_text(option)]
    if by_text:
        return by_text[0]
    both = _LETTER_AND_TEXT.match(text)
    if both and both[1].upper() not in letters:
        raise AnswerFormatError(f"there is no option {both[1].upper()}: the letters go from A to {_letter(len(options) - 1)}")
    if both:
        letter, rest = both[1].upper(), _option_text(both[2])
        index = letters.index(letter)
        if rest == _option_text(options[index]):
            return index
        named = [i for i, option in enumerate(options) if rest == _option_text(option)]
        if named:
            raise AnswerFormatError(f"the letter {letter} and the text {both[2].strip()[:30]!r} name different options "
                                    f"({letter} and {_letter(named[0])})")
        raise AnswerFormatError(f"the text after {letter} is not the text of option {letter}: write the letter alone")
    raise AnswerFormatError(f"{text[:30]!r} is not one of the letters A to {_letter(len(options) - 1)} "
                            "or the text of an option")


def _text_list(raw: str) -> list[str] | None:
    """The quoted texts of a list, tuple or set literal (``["A", "C"]``, ``{"B", "C"}``), None otherwise."""
    text = raw.strip().rstrip(",").strip()
    if text[:1] not in "[({" or text[-1:] not in "])}" or len(text) > 2000:
        return None
    try:
        value = read_value("[" + text[1:-1] + "]", allow_text=True)
    except AnswerFormatError:
        return None
    return value if value and all(isinstance(v, str) for v in value) else None


@dataclass(frozen=True)
class MultipleChoiceAnswer(AnswerType):
    """Every right option out of ``options``, e.g. ``A, C``; a wrong pick cancels a right one."""

    kind: ClassVar[str] = "multiple-choice"
    options: tuple[str, ...] = ()

    def parse(self, raw):
        if isinstance(raw, list):
            items = raw
        elif isinstance(raw, str) and _text_list(raw) is not None:
            items = _text_list(raw)  # ["ResNet", "VGG"] or {"B", "C"}: each item a letter or an option's text
        elif isinstance(raw, str):
            text = raw.strip().strip("[]()")
            if _normal_text(text) in {"none", ""}:
                return frozenset()
            joined = re.search(r"(?i)(?<![a-z])(and|or|und|oder)(?![a-z])|[&+]", text)
            if joined:
                raise AnswerFormatError(f"separate the letters with commas, not with {joined[0]!r}")
            letters = {_letter(i) for i in range(len(self.options))}
            items = []
            for token in re.split(r"[\s,;/]+", text.replace("'", "").replace('"', "")):
                if len(token) > 1 and set(token.upper()) <= letters:
                    items += list(token)  # "AC": letters written together
                elif token:
                    items.append(token)
            if len(items) > len(self.options):
                raise AnswerFormatError(f"it has {len(items)} picks, but there are only {len(self.options)} options "
                                        "(each letter counts once)")
        else:
            raise AnswerFormatError(f"got {_show(raw)}, not letters")
        picked = [_choice_index(str(item), self.options) for item in items]
        return frozenset(picked)

    def check(self, value, key):
        hits = len(value & key)
        wrong = len(value - key)
        score = max(0.0, (hits - wrong) / len(key)) if key else float(not value)
        if score == 1:
            return FULL
        return Credit(score, f"{hits} of {len(key)} right options chosen, {wrong} wrong")

    def format(self, value):
        return ", ".join(_letter(i) for i in sorted(value)) or "none"

    def to_json(self, value):
        return [_letter(i) for i in sorted(value)]

    def instructions(self):
        return f"every letter that applies (A to {_letter(len(self.options) - 1)}), separated by commas"


_TRUE = {"true", "t", "yes", "y", "1", "wahr", "correct"}
_FALSE = {"false", "f", "no", "n", "0", "falsch", "incorrect"}


@dataclass(frozen=True)
class TrueFalseAnswer(AnswerType):
    kind: ClassVar[str] = "true-false"

    def parse(self, raw):
        if isinstance(raw, bool):
            return raw
        text = _normal_text(str(raw)) if isinstance(raw, (str, int)) else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        shown = f"{raw.strip()[:30]!r}" if isinstance(raw, str) else _show(raw)
        raise AnswerFormatError(f"{shown} is neither True nor False")

    def check(self, value, key):
        return FULL if value == key else NONE

    def format(self, value):
        return "True" if value else "False"

    def instructions(self):
        return "True or False"


@dataclass(frozen=True)
class ShortTextAnswer(AnswerType):
    """A word or short phrase; any of ``accepted`` counts, ignoring case, spacing, hyphens and end punctuation."""

    kind: ClassVar[str] = "short-text"
    accepted: tuple[str, ...] = ()

    def parse(self, raw):
        if not isinstance(raw, str):
            raise AnswerFormatError(f"got {_show(raw)}, not a word")
        if len(raw) > 200:
            raise AnswerFormatError(f"it is {len(raw)} characters long; a short phrase has at most 200")
        text = _normal_text(raw)
        if not text:
            raise AnswerFormatError("the answer is empty")
        return text

    def check(self, value, key):
        accepted = {_normal_text(a) for a in self.accepted} | {_normal_text(key)}
        return FULL if _normal_text(value) in accepted else NONE

    def format(self, value):
        return str(value)

    def instructions(self):
        return "a word or a short phrase"


@dataclass(frozen=True)
class CodeAnswer(AnswerType):
    """Code checked against the engine: the value is what the student's function returned on each named
    test case (computed in an isolated process and serialized back), compared case by case.
    """

    kind: ClassVar[str] = "code"
    cases: tuple[str, ...] = ()
    function: str = ""
    decimals: int | None = None

    def parse(self, raw):
        if not isinstance(raw, dict):
            raise AnswerFormatError(f"expected the results of `{self.function}` on the test cases")
        missing = [c for c in self.cases if c not in raw]
        if missing:
            raise AnswerFormatError(f"no result for test case(s) {', '.join(missing)}")
        return {c: read_value(raw[c]) for c in self.cases}

    def check(self, value, key):
        right = [c for c in self.cases if _same_numbers(value[c], key[c], self.decimals)]
        if len(right) == len(self.cases):
            return FULL
        wrong = [c for c in self.cases if c not in right]
        return Credit(len(right) / len(self.cases), f"wrong on test case(s) {', '.join(wrong)}")

    def format(self, value):
        return "; ".join(f"{c}: {_format_nested(value[c], fmt)}" for c in self.cases)

    def to_json(self, value):
        return {c: to_jsonable(value[c]) for c in self.cases}

    def instructions(self):
        return f"complete the function `{self.function}`"


def _same_numbers(a, b, decimals: int | None) -> bool:
    a, b = _flatten(a), _flatten(b)
    if len(a) != len(b):
        return False
    if decimals is None:
        return all(exact(x) == exact(y) for x, y in zip(a, b))
    tol = Fraction(1, 2 * 10**decimals)
    return all(abs(Fraction(exact(x)) - Fraction(exact(y))) <= tol for x, y in zip(a, b))


__all__ = ["AnswerFormatError", "AnswerType", "Credit", "IntegerAnswer", "NumberAnswer", "FractionAnswer",
           "ArrayAnswer", "ShapeAnswer", "SingleChoiceAnswer", "MultipleChoiceAnswer", "TrueFalseAnswer",
           "ShortTextAnswer", "CodeAnswer", "SymbolicAnswer"]


_SYMBOLIC_FUNCTIONS = ("floor", "ceil", "ceiling", "sqrt", "max", "min", "abs")
MAX_FORMULA_POWER = 32  # a formula's degree, bounded: output sizes and parameter counts are of degree 1 to 4


def _power_weight(node, depth: int = 0) -> int:
    """An upper bound of the formula's degree (counting a number as degree 1, so that powers of numbers are
    bounded too): powers multiply it, products add it. Each power alone is small, but nested powers grow
    exponentially, ((n**8)**8)**8 being n**512: computed before anything is evaluated, which could take
    forever. Nodes the builder refuses count 1 (it refuses them later)."""
    import ast

    if depth > 100:  # the builder refuses deeper formulas
        return 1
    if isinstance(node, ast.BinOp):
        left, right = _power_weight(node.left, depth + 1), _power_weight(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            exponent = node.right.value if isinstance(node.right, ast.Constant) else None
            if isinstance(node.right, ast.UnaryOp) and isinstance(node.right.operand, ast.Constant):
                exponent = node.right.operand.value
            if isinstance(exponent, int) and not isinstance(exponent, bool):
                return left * max(1, min(abs(exponent), 10**6))
            return left * MAX_FORMULA_POWER  # not a plain whole number: the builder decides
        return left + right if isinstance(node.op, (ast.Mult, ast.Div, ast.FloorDiv)) else max(left, right)
    if isinstance(node, ast.UnaryOp):
        return _power_weight(node.operand, depth + 1)
    if isinstance(node, ast.Call):
        return max((_power_weight(a, depth + 1) for a in node.args), default=1)
    if isinstance(node, ast.Subscript):  # floor[...]
        return _power_weight(node.slice, depth + 1)
    return 1


@dataclass(frozen=True)
class SymbolicAnswer(AnswerType):
    """A formula in the named ``variables`` (e.g. the output size in n, p, f, s), checked with sympy.

    Written as students write formulas: ``2p`` is ``2*p``, ``floor[...]`` is ``floor(...)``, and a variable may
    be written in the other case (``n`` for ``N``) when no two variables differ only in case.

    The answer is built from a checked syntax tree (no ``eval``, no ``sympify`` of raw text). Two formulas
    agree when they give the same exact value at every point of ``points`` (valid configurations chosen by
    the template, so ``floor((n+2p-f)/s)+1`` and ``floor((n+2p-f+s)/s)`` both count); with no points,
    when sympy simplifies their difference to 0.
    """

    kind: ClassVar[str] = "symbolic"
    variables: tuple[str, ...] = ()
    points: tuple[tuple[int, ...], ...] = ()

    def parse(self, raw):
        if not isinstance(raw, str):
            raise AnswerFormatError(f"got {_show(raw)}, not a formula")
        if len(raw) > 500:
            raise AnswerFormatError("the formula is too long (at most 500 characters)")
        text = raw.strip().replace("^", "**").replace(MINUS, "-").replace("⌊", "floor(").replace("⌋", ")")
        text = text.replace("⌈", "ceiling(").replace("⌉", ")").replace("×", "*").replace("·", "*")
        if "=" in text:  # "o = floor(...)": keep the right-hand side
            text = text.rsplit("=", 1)[1]
        text = _IMPLICIT_PRODUCT.sub(lambda m: _implicit_product(m, self.variables), text)
        import ast

        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            raise AnswerFormatError(f"{raw.strip()[:60]!r} cannot be read as a formula") from None
        if _power_weight(tree.body) > MAX_FORMULA_POWER:
            raise AnswerFormatError(f"the formula's powers are too large (at most {MAX_FORMULA_POWER} in all, "
                                    "counting powers of powers and products of powers)")
        return _SympyBuilder(self.variables).build(tree.body, 0)

    def check(self, value, key):
        import sympy

        key_expr = self.parse(key) if isinstance(key, str) else key
        value = self.parse(value) if isinstance(value, str) else value
        symbols = [sympy.Symbol(v, integer=True) for v in self.variables]
        if not self.points:
            return FULL if sympy.simplify(value - key_expr) == 0 else NONE
        for point in self.points:
            subs = {s: sympy.Integer(v) for s, v in zip(symbols, point)}
            try:  # xreplace substitutes all symbols at once, so floor() sees numbers only
                difference = value.xreplace(subs) - key_expr.xreplace(subs)
                if difference != 0 and sympy.simplify(difference) != 0:
                    return NONE
            except (TypeError, ZeroDivisionError):
                return NONE
        return FULL

    def format(self, value):
        return str(value)

    def to_json(self, value):
        return str(value)

    def instructions(self):
        return (f"a formula in {', '.join(self.variables)} using + - * / ( ) and floor(...) or ceil(...), "
                f"e.g. floor(({self.variables[0]} + 1)/2)")


# A number written right before a variable: 2P or 2 p is 2*P (Python reads neither, so nothing else is meant).
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?=([A-Za-z_]\w*))")


def _implicit_product(match: re.Match, variables) -> str:
    """``2*`` for the 2 of 2P; after a division sign refused, since N/2P is read both as N/(2P) and (N/2)P."""
    if not _variable(match[2], variables):
        return match[0]
    if match.string[:match.start()].rstrip().endswith("/"):
        raise AnswerFormatError(f"'/{match[1]}{match[2]}' can be read two ways: write /({match[1]}*{match[2]}) or "
                                f"/{match[1]}*{match[2]}")
    return f"{match[1]}*"


def _variable(name: str, variables: tuple[str, ...]) -> str | None:
    """The variable ``name`` stands for: itself, or the one variable equal to it ignoring case when no two
    variables differ only in case (``n`` for ``N`` among N, P, F, S)."""
    if name in variables:
        return name
    folded = {v.casefold(): v for v in variables}
    if len(folded) == len(variables):
        return folded.get(name.casefold())
    return None


class _SympyBuilder:
    def __init__(self, variables: tuple[str, ...]) -> None:
        import sympy

        self.sympy = sympy
        self.variables = variables
        self.names = {v: sympy.Symbol(v, integer=True) for v in variables}
        self.functions = {"floor": sympy.floor, "ceil": sympy.ceiling, "ceiling": sympy.ceiling,
                          "sqrt": sympy.sqrt, "max": sympy.Max, "min": sympy.Min, "abs": sympy.Abs}

    def build(self, node, depth: int):
        import ast

        sympy = self.sympy
        if depth > 40:
            raise AnswerFormatError("the formula is nested too deeply")
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if abs(node.value) > 10**12:
                raise AnswerFormatError("the formula has a number that is too large")
            return sympy.Rational(repr(node.value)) if isinstance(node.value, float) else sympy.Integer(node.value)
        if isinstance(node, ast.Name):
            if _variable(node.id, self.variables):
                return self.names[_variable(node.id, self.variables)]
            raise AnswerFormatError(f"unknown name '{node.id}': use only {', '.join(self.names)}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.FloorDiv):
                return sympy.floor(left / right)
            if isinstance(node.op, ast.Pow):
                if not (right.is_Integer and abs(int(right)) <= 8):
                    raise AnswerFormatError("only small whole-number powers are allowed in a formula")
                return left**right
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id.casefold() in ("floor", "ceil", "ceiling"):
            if isinstance(node.slice, (ast.Tuple, ast.Slice)):
                raise AnswerFormatError(f"{node.value.id}[...] takes one argument")
            return self.functions[node.value.id.casefold()](self.build(node.slice, depth + 1))  # floor[...] as floor(...)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fn = self.functions.get(node.func.id.casefold())
            if fn is None:
                raise AnswerFormatError(f"unknown function '{node.func.id}': use {', '.join(_SYMBOLIC_FUNCTIONS)}")
            args = [self.build(a, depth + 1) for a in node.args]
            if not args or (fn not in (sympy.Max, sympy.Min) and len(args) != 1):
                raise AnswerFormatError(f"{node.func.id}(...) takes one argument")
            return fn(*args)
        raise AnswerFormatError("only numbers, the given variables, + - * / ** and floor/ceil are allowed")
