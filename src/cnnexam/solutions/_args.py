"""Argument checking and coercion shared by the engine's public functions.

Every public function of ``cnnexam.solutions`` goes through these helpers before it calls a Numba
kernel, so kernels only ever see contiguous 4-D int64 or float64 arrays and plain integers. Errors are
``ValueError`` messages that name the argument and the reason.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from typing import Callable

import numpy as np

Pair = tuple[int, int]
INT64_MAX = 2**63 - 1
# Strides, paddings, dilations and sizes past this are surely typos; the bound keeps every index the
# kernels compute (position * stride + offset * dilation) far inside int64.
MAX_HYPERPARAMETER = 2**31 - 1


def as_array(value, name: str) -> np.ndarray:
    """``value`` as an int64 or float64 array (bools count as integers); no NaN or infinity."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{name}: not a rectangular array of numbers ({error})") from None
    kind = array.dtype.kind
    if kind == "u" and array.size and int(array.max()) > INT64_MAX:
        kind = "O"  # would wrap around to negative numbers as int64
    if kind in "biu":
        return np.ascontiguousarray(array, dtype=np.int64)
    if kind == "O" and all(isinstance(v, numbers.Integral) for v in array.flat):  # Python ints past int64
        raise ValueError(f"{name}: integers beyond the int64 range (at most {INT64_MAX:,} in size) cannot be "
                         "computed exactly; pass them as floats")
    if kind == "f":
        array = np.ascontiguousarray(array, dtype=np.float64)
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: contains NaN or infinity")
        return array
    raise ValueError(f"{name}: expected real numbers, got an array of dtype {array.dtype}")


def check_int64_sum(names: str, terms: int, factors: tuple[np.ndarray, ...], addend: np.ndarray | None = None,
                    addend_name: str = "bias") -> None:
    """Refuse integer operands whose exact result could leave int64, where numpy and the kernels would wrap
    around silently: each result is a sum of at most ``terms`` products of one value from each factor (plus
    one ``addend`` value). Nothing to check when any operand is float (the result is float64)."""
    operands = [*factors, *([] if addend is None else [addend])]
    if any(a.dtype != np.int64 for a in operands):
        return
    bound = terms
    for factor in factors:
        bound *= _abs_max(factor)
    if addend is not None:
        bound += _abs_max(addend)
        names += f", {addend_name}"
    if bound > INT64_MAX:
        raise ValueError(f"{names}: integers this large could overflow the exact int64 result (a sum of up to "
                         f"{terms:,} product{'s' * (terms != 1)}, up to {bound:.3g} in size); pass them as floats")


def check_memory(name: str, what: str, shape) -> None:
    """Refuse an array of ``shape`` that cannot fit in this machine's memory, naming the argument that made
    it so large, instead of a MemoryError or numpy's "array is too big" from deep inside."""
    needed = math.prod(int(d) for d in shape) * 8
    if needed > _physical_memory():
        raise ValueError(f"{name}: {what} would need {needed / 2**30:,.1f} GiB, more than the "
                         f"{_physical_memory() / 2**30:,.1f} GiB of memory here")


@functools.cache
def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): let numpy decide
        return 2**62


def _abs_max(array: np.ndarray) -> int:
    return max(-int(array.min()), int(array.max())) if array.size else 0


def result_dtype(*arrays: np.ndarray | None) -> type:
    """int64 when every given array is integral, else float64."""
    if any(a is not None and a.dtype == np.float64 for a in arrays):
        return np.float64
    return np.int64


def pair(value, name: str, minimum: int) -> Pair:
    """An int or a pair of ints as ``(height, width)``, each at least ``minimum``."""
    if type(value) is int and minimum <= value <= MAX_HYPERPARAMETER:  # the common case, kept cheap
        return value, value
    items = (value, value) if _is_int(value) else value
    try:
        items = tuple(items)
    except TypeError:
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}") from None
    if len(items) != 2 or not all(_is_int(v) for v in items):
        raise ValueError(f"{name}: expected an int or a pair of ints, got {value!r}")
    h, w = int(items[0]), int(items[1])
    if h < minimum or w < minimum:
        raise ValueError(f"{name}: must be at least {minimum}, got {value!r}")
    if max(h, w) > MAX_HYPERPARAMETER:
        raise ValueError(f"{name}: must be at most {MAX_HYPERPARAMETER:,}, got {value!r}")
    return h, w


def positive_int(value, name: str, minimum: int = 1) -> int:
    if not _is_int(value) or int(value) < minimum:
        raise ValueError(f"{name}: expected an integer of at least {minimum}, got {value!r}")
    if int(value) > MAX_HYPERPARAMETER:
        raise ValueError(f"{name}: must be at most {MAX_HYPERPARAMETER:,}, got {value!r}")
    return int(value)


def to_nchw(array: np.ndarray, name: str) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """View a 2-D (H, W), 3-D (C, H, W) or 4-D (N, C, H, W) array as 4-D.

    Returns the 4-D array and a function that gives a 4-D result the caller's rank back. A 2-D input
    is one single-channel image, so its result must have one channel too.
    """
    ndim = array.ndim
    if ndim == 4:
        return array, lambda out: out
    if ndim == 3:
        return array[np.newaxis], lambda out: out[0]
    if ndim == 2:

        def restore(out: np.ndarray) -> np.ndarray:
            if out.shape[1] != 1:
                raise ValueError(
                    f"{name}: a 2-D input is one single-channel image, but the result has "
                    f"{out.shape[1]} channels; pass the input as (1, H, W) to get (C, H, W)"
                )
            return out[0, 0]

        return array[np.newaxis, np.newaxis], restore
    raise ValueError(f"{name}: expected a 2-D (H, W), 3-D (C, H, W) or 4-D (N, C, H, W) array, got {ndim}-D")


def _is_int(value) -> bool:
    # plain ints first: the abstract-class check is slow and this runs several times per engine call
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))
