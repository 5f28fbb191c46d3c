"""Max and average pooling, forward and backward, with ``torch.nn.functional`` semantics.

Shapes: ``input`` is (H, W), (C, H, W) or (N, C, H, W); the output keeps that rank, with
``out = floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1`` per axis (``ceil``
with ``ceil_mode``, dropping a last window that would start in the right padding). ``stride`` defaults
to ``kernel_size``; ``padding`` may be at most half the kernel size (torch's rule).

Max pooling pads with -infinity (windows are clipped to the input, so int64 stays int64) and sends the
gradient to the first maximum of a window in row-major order, as PyTorch's CPU kernel does. Average
pooling pads with zeros and divides as torch does; ``avg_pool2d_exact`` and ``exact=True`` give the same
numbers as ``fractions.Fraction`` so that rounding never decides an exam answer. Average pooling runs as
a few whole-array slice additions (one per kernel tap), which needs no compiled loop and works for
int64, float64 and Fraction arrays alike.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from ._args import Pair, as_array, check_int64_sum, check_memory, pair, to_nchw
from .formulas import pool_output_size


class _Window(NamedTuple):
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    out: Pair


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> np.ndarray:
    """Window maxima: int64 for integer input, float64 otherwise."""
    x = as_array(input, "input")
    x4, restore = to_nchw(x, "input")
    win = _window(x4.shape, kernel_size, stride, padding, dilation, ceil_mode)
    from . import _kernels

    return restore(_kernels.max_pool2d_forward(x4, *win.kernel, *win.stride, *win.padding, *win.dilation, *win.out))


def max_pool2d_backward(
    input, grad_output, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False
) -> np.ndarray:
    """Gradient w.r.t. ``input`` (shape of ``input``, dtype of ``grad_output``).

    Each output's gradient goes to the first maximum of its window in row-major order and accumulates
    where windows overlap.
    """
    x = as_array(input, "input")
    x4, restore = to_nchw(x, "input")
    win = _window(x4.shape, kernel_size, stride, padding, dilation, ceil_mode)
    g4 = _grad_nchw(as_array(grad_output, "grad_output"), x, x4, win)
    check_int64_sum("grad_output", win.kernel[0] * win.kernel[1], (g4,))  # an input gets at most one share per tap
    from . import _kernels

    return restore(_kernels.max_pool2d_backward(x4, g4, *win.kernel, *win.stride, *win.padding, *win.dilation))


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> np.ndarray:
    """Window averages as float64 (also for integer input)."""
    x = as_array(input, "input")
    x4, restore = to_nchw(x, "input")
    win = _window(x4.shape, kernel_size, stride, padding, 1, ceil_mode)
    divisors = _divisors(x4.shape, win, count_include_pad, divisor_override)
    # Integer input keeps exact int64 sums, so the one division rounds the exact average.
    return restore(_window_sums(x4, win) / divisors)


def avg_pool2d_exact(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> np.ndarray:
    """Window averages as an object array of ``Fraction`` (input: ints, Fractions or floats, taken exactly)."""
    x = _as_fractions(input, "input")
    x4, restore = to_nchw(x, "input")
    win = _window(x4.shape, kernel_size, stride, padding, 1, ceil_mode)
    divisors = _divisors(x4.shape, win, count_include_pad, divisor_override).astype(object)
    return restore(_window_sums(x4, win) / divisors)


def avg_pool2d_backward(
    input,
    grad_output,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
    exact=False,
) -> np.ndarray:
    """Gradient w.r.t. ``input`` (its shape): each output's gradient, divided by its window's divisor,
    is added to every input element of the window. float64, or ``Fraction`` objects with ``exact=True``
    (``grad_output`` then holds ints, Fractions or floats, taken exactly). Only the shape of ``input``
    matters.
    """
    if not isinstance(exact, (bool, np.bool_)):
        raise ValueError(f"exact: expected True or False, got {exact!r}")
    coerce = _as_fractions if exact else as_array
    x = coerce(input, "input")
    x4, restore = to_nchw(x, "input")
    win = _window(x4.shape, kernel_size, stride, padding, 1, ceil_mode)
    g4 = _grad_nchw(coerce(grad_output, "grad_output"), x, x4, win)
    divisors = _divisors(x4.shape, win, count_include_pad, divisor_override)
    share = g4 / divisors.astype(object) if exact else g4 / divisors

    (kh, kw), (sh, sw), (ph, pw), _, (oh, ow) = win
    h, w = x4.shape[2:]
    # Scatter into the padded canvas, then cut the input back out. Taps go in reverse so that each input
    # element adds its outputs' shares in row-major order, as torch does.
    canvas = _canvas(x4.shape, win, share.dtype)
    for a in reversed(range(kh)):
        for b in reversed(range(kw)):
            canvas[:, :, a : a + (oh - 1) * sh + 1 : sh, b : b + (ow - 1) * sw + 1 : sw] += share
    return restore(np.ascontiguousarray(canvas[:, :, ph : ph + h, pw : pw + w]))


def _window(shape, kernel_size, stride, padding, dilation, ceil_mode) -> _Window:
    """Check the pooling arguments against a 4-D input shape and work out the output size."""
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise ValueError(f"ceil_mode: expected True or False, got {ceil_mode!r}")
    if min(shape[2:]) < 1:
        raise ValueError(f"input: height and width must be at least 1, got {shape[2:]}")
    kernel = pair(kernel_size, "kernel_size", 1)
    strides = kernel if stride is None else pair(stride, "stride", 1)
    pads, dilations = pair(padding, "padding", 0), pair(dilation, "dilation", 1)
    # formulas.pool_output_size inline (this runs twice per exam-size forward and backward, where the
    # argument checks dominate); on bad arguments it is called for its error message.
    out = []
    for size, k, s, p, d in zip(shape[2:], kernel, strides, pads, dilations):
        room = size + 2 * p - d * (k - 1) - 1
        o = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:
            o -= 1  # the last window would start in the right padding
        if p > k // 2 or o < 1:
            pool_output_size(tuple(shape[2:]), kernel_size, stride, padding, dilation, ceil_mode)
        out.append(o)
    win = _Window(kernel, strides, pads, dilations, (out[0], out[1]))
    check_memory("kernel_size, padding", "the padded input", _canvas_shape(shape, win))
    for axis, size, k, s, p, d, o in zip(("height", "width"), shape[2:], *win):
        # With dilation a window can skip over the whole input; torch would return -inf there.
        if d > 1 and not all(any(0 <= i * s - p + t * d < size for t in range(k)) for i in range(o)):
            raise ValueError(
                f"dilation: with dilation {d} and padding {p} some window holds only padding along the "
                f"{axis}, so it has no maximum"
            )
    return win


def _divisors(shape, win: _Window, count_include_pad, divisor_override) -> np.ndarray:
    """int64 (out_h, out_w) divisor of every window, following torch's avg_pool2d rules.

    With ``count_include_pad`` a window counts the padding but not the part that hangs past the padded
    border in ceil mode; without it, only input elements count.
    """
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise ValueError(f"count_include_pad: expected True or False, got {count_include_pad!r}")
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or isinstance(divisor_override, bool):
            raise ValueError(f"divisor_override: expected None or an integer, got {divisor_override!r}")
        if divisor_override == 0:
            raise ValueError("divisor_override: must not be zero")
        return np.full(win.out, int(divisor_override), np.int64)
    counts = []
    for size, k, s, p, o in zip(shape[2:], win.kernel, win.stride, win.padding, win.out):
        start = np.arange(o) * s - p
        if count_include_pad:
            counts.append(np.minimum(start + k, size + p) - start)
        else:
            counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return np.outer(counts[0], counts[1])


def _window_sums(x4: np.ndarray, win: _Window) -> np.ndarray:
    """(N, C, out_h, out_w) sums of the zero-padded windows, in x4's dtype.

    Taps are added in row-major order, so each float sum is formed in the same order as torch's loop.
    """
    (kh, kw), (sh, sw), (ph, pw), _, (oh, ow) = win
    check_int64_sum("input", kh * kw, (x4,))
    h, w = x4.shape[2:]
    canvas = _canvas(x4.shape, win, x4.dtype)
    canvas[:, :, ph : ph + h, pw : pw + w] = x4
    sums = canvas[:, :, 0 : (oh - 1) * sh + 1 : sh, 0 : (ow - 1) * sw + 1 : sw].copy()
    for a in range(kh):
        for b in range(kw):
            if a or b:
                sums += canvas[:, :, a : a + (oh - 1) * sh + 1 : sh, b : b + (ow - 1) * sw + 1 : sw]
    return sums


def _canvas_shape(shape, win: _Window) -> tuple[int, int, int, int]:
    (kh, kw), (sh, sw), (ph, pw), _, (oh, ow) = win
    n, c, h, w = shape
    return n, c, max(h + 2 * ph, (oh - 1) * sh + kh), max(w + 2 * pw, (ow - 1) * sw + kw)


def _canvas(shape, win: _Window, dtype) -> np.ndarray:
    """Zeros (Fraction zeros for object arrays) shaped like the padded input, extended where a ceil-mode
    window hangs past it."""
    canvas = np.zeros(_canvas_shape(shape, win), dtype)
    if dtype == object:
        canvas[...] = Fraction(0)
    return canvas


def _grad_nchw(grad: np.ndarray, x: np.ndarray, x4: np.ndarray, win: _Window) -> np.ndarray:
    """``grad_output`` as 4-D after checking it has the forward output's shape in the input's rank."""
    expected = (*x4.shape[:2], *win.out)[4 - x.ndim :]
    if grad.shape != expected:
        raise ValueError(f"grad_output: expected shape {expected} (the pooling output's), got {grad.shape}")
    return grad.reshape(x4.shape[:2] + win.out)


def _as_fractions(value, name: str) -> np.ndarray:
    """``value`` as an object array of ``Fraction``; ints and Fractions are kept, floats taken exactly."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{name}: not a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "biufO":
        raise ValueError(f"{name}: expected real numbers, got an array of dtype {array.dtype}")
    array = array.astype(object)
    out = np.empty(array.shape, dtype=object)
    for index, item in np.ndenumerate(array):
        if isinstance(item, numbers.Rational):  # ints (bools too) and Fractions
            out[index] = Fraction(item)
        elif isinstance(item, numbers.Real) and np.isfinite(item):
            out[index] = Fraction(float(item))
        elif isinstance(item, numbers.Real):
            raise ValueError(f"{name}: contains NaN or infinity")
        else:
            raise ValueError(f"{name}: expected real numbers, got {item!r}")
    return out
