"""One way to print a number everywhere: prompts, keys, feedback and JSON agree to the character.

Integers print as integers, exact fractions as ``p/q`` (reduced), floats with a fixed number of decimals
chosen by the caller (never ``-0``, never ``0.9`` beside ``0.90``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Rational, Real


def exact(value) -> int | Fraction:
    """An int or a Fraction equal to ``value``; floats are taken at their shortest decimal repr."""
    if type(value) is int:  # the common case, without the abstract-base-class checks below
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Rational):
        f = Fraction(value)
        return f.numerator if f.denominator == 1 else f
    if isinstance(value, Real):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        f = Fraction(repr(float(value)))
        return f.numerator if f.denominator == 1 else f
    raise TypeError(f"not a real number: {value!r}")


def fmt(value, decimals: int | None = None) -> str:
    """Print ``value``: ints as ints, Fractions as ``p/q``, anything with ``decimals`` rounded to that.

    Rounding is done on the exact value, half away from zero (as students round by hand), so a key
    printed with 2 decimals never depends on binary floating point.
    """
    if decimals is not None:
        return _fmt_decimals(exact(value), decimals)
    if isinstance(value, float):
        text = repr(value)
        return text[1:] if text.startswith("-") and value == 0 else text
    value = exact(value)
    if isinstance(value, int):
        return str(value)
    return f"{value.numerator}/{value.denominator}"


def _fmt_decimals(value: int | Fraction, decimals: int) -> str:
    scaled = abs(Fraction(value)) * 10**decimals
    units = math.floor(scaled + Fraction(1, 2))
    sign = "-" if value < 0 and units != 0 else ""
    if decimals == 0:
        return f"{sign}{units}"
    whole, frac = divmod(units, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def fmt_plain(value, max_decimals: int = 20) -> str:
    """``value`` as a student would type it: a whole number as such, a value with a short exact decimal as that
    decimal (``83.04``, not ``2076/25``), anything else as ``p/q``. For messages about an answer."""
    value = exact(value)
    if isinstance(value, int):
        return str(value)
    places = next((d for d in range(1, max_decimals + 1) if (value * 10**d).denominator == 1), None)
    return fmt(value) if places is None else fmt(value, places)


def fmt_fraction_and_decimal(value, decimals: int = 4) -> str:
    """``15/4 = 3.75`` or ``1/3 ≈ 0.3333``, for worked solutions; an integer prints once."""
    value = exact(value)
    if isinstance(value, int):
        return str(value)
    if (value * 10**decimals).denominator == 1:
        return f"{fmt(value)} = {fmt(value, decimals).rstrip('0')}"
    return f"{fmt(value)} ≈ {fmt(value, decimals)}"


def to_jsonable(value):
    """Nested tuples/lists/arrays of numbers as JSON-ready lists; Fractions become ``"p/q"`` strings."""
    if hasattr(value, "tolist") and not isinstance(value, (int, float)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (frozenset, set)):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else fmt(value)
    if isinstance(value, Real):
        return float(value)
    return value


def freeze(array) -> tuple:
    """A numpy array (or nested lists) as nested tuples of Python ints / Fractions / floats, hashable."""
    if hasattr(array, "tolist"):
        array = array.tolist()
    if isinstance(array, (list, tuple)):
        if all(type(v) is int or type(v) is float for v in array):  # a row of plain numbers
            return tuple(array)
        return tuple(freeze(v) for v in array)
    return exact(array) if not isinstance(array, float) else array
