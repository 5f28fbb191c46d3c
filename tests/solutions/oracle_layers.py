"""Slow, obvious loop oracles for pooling and the layers: plain Python loops over 4-D NCHW nested
indexing, written from the definitions, sharing no code or vectorized tricks with the engine.

Pooling windows follow torch's description: the window of output o starts at ``o * stride - padding``
and has taps ``start + t * dilation``; floor mode keeps the windows that fit in the padded input, ceil
mode keeps a window when the one before it had not yet reached the end of the padded input, as long
as it starts inside the input or the left padding.
"""

import math
from fractions import Fraction

import numpy as np


class OnlyPadding(Exception):
    """A max-pooling window that holds no input element."""


def _two(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def window_starts(size, kernel, stride, padding, dilation, ceil_mode):
    """Start of every window along one axis (in input coordinates; may be negative)."""
    span = dilation * (kernel - 1) + 1
    starts = []
    for o in range(size + 2 * padding + 2):
        start = o * stride - padding
        if ceil_mode:
            previous_end = start - stride + span  # one past the last padded index the previous window reaches
            keep = previous_end < size + padding and start < size
        else:
            keep = start + span <= size + padding
        if keep:
            starts.append(start)
    return starts


def _geometry(x, kernel_size, stride, padding, dilation, ceil_mode):
    kh, kw = _two(kernel_size)
    sh, sw = (kh, kw) if stride is None else _two(stride)
    ph, pw = _two(padding)
    dh, dw = _two(dilation)
    rows = window_starts(x.shape[2], kh, sh, ph, dh, ceil_mode)
    cols = window_starts(x.shape[3], kw, sw, pw, dw, ceil_mode)
    return (kh, kw), (ph, pw), (dh, dw), rows, cols


def _taps(x, top, left, kernel, dilation):
    """Input positions of a window in row-major order, padding left out."""
    positions = []
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            r, c = top + a * dilation[0], left + b * dilation[1]
            if 0 <= r < x.shape[2] and 0 <= c < x.shape[3]:
                positions.append((r, c))
    return positions


def max_pool2d_naive(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """(output, argmax): the window maxima and, per output, the (row, col) of the first maximum in
    row-major order. Raises OnlyPadding if a window holds no input element."""
    x = np.asarray(x)
    kernel, _, dil, rows, cols = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c = x.shape[:2]
    out = np.zeros((n, c, len(rows), len(cols)), dtype=np.int64 if x.dtype.kind in "iu" else np.float64)
    argmax = {}
    for i in range(n):
        for ch in range(c):
            for oi, top in enumerate(rows):
                for oj, left in enumerate(cols):
                    positions = _taps(x, top, left, kernel, dil)
                    if not positions:
                        raise OnlyPadding
                    best = positions[0]
                    for r, q in positions:
                        if x[i, ch, r, q] > x[i, ch, best[0], best[1]]:
                            best = (r, q)
                    out[i, ch, oi, oj] = x[i, ch, best[0], best[1]]
                    argmax[i, ch, oi, oj] = best
    return out, argmax


def max_pool2d_backward_naive(x, grad_output, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    x, g = np.asarray(x), np.asarray(grad_output)
    _, argmax = max_pool2d_naive(x, kernel_size, stride, padding, dilation, ceil_mode)
    grad = np.zeros(x.shape, dtype=g.dtype)
    for (i, ch, oi, oj), (r, q) in argmax.items():
        grad[i, ch, r, q] += g[i, ch, oi, oj]
    return grad


def _divisor(x, top, left, kernel, padding, count_include_pad, divisor_override):
    if divisor_override is not None:
        return divisor_override
    if not count_include_pad:
        return len(_taps(x, top, left, kernel, (1, 1)))
    # taps inside the padded input, padding included
    rows = sum(1 for a in range(kernel[0]) if -padding[0] <= top + a < x.shape[2] + padding[0])
    cols = sum(1 for b in range(kernel[1]) if -padding[1] <= left + b < x.shape[3] + padding[1])
    return rows * cols


def avg_pool2d_naive(
    x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Exact window averages as an object array of Fractions (input: ints, Fractions or floats)."""
    x = np.asarray(x, dtype=object)
    kernel, pad, _, rows, cols = _geometry(x, kernel_size, stride, padding, 1, ceil_mode)
    n, c = x.shape[:2]
    out = np.empty((n, c, len(rows), len(cols)), dtype=object)
    for i in range(n):
        for ch in range(c):
            for oi, top in enumerate(rows):
                for oj, left in enumerate(cols):
                    total = Fraction(0)
                    for r, q in _taps(x, top, left, kernel, (1, 1)):
                        total += Fraction(x[i, ch, r, q])
                    out[i, ch, oi, oj] = total / _divisor(
                        x, top, left, kernel, pad, count_include_pad, divisor_override
                    )
    return out


def avg_pool2d_backward_naive(
    x, grad_output, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Exact gradient (Fractions): each output's gradient divided by its divisor, added to its window."""
    x = np.asarray(x, dtype=object)
    g = np.asarray(grad_output, dtype=object)
    kernel, pad, _, rows, cols = _geometry(x, kernel_size, stride, padding, 1, ceil_mode)
    grad = np.empty(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        grad[index] = Fraction(0)
    for i in range(x.shape[0]):
        for ch in range(x.shape[1]):
            for oi, top in enumerate(rows):
                for oj, left in enumerate(cols):
                    share = Fraction(g[i, ch, oi, oj]) / _divisor(
                        x, top, left, kernel, pad, count_include_pad, divisor_override
                    )
                    for r, q in _taps(x, top, left, kernel, (1, 1)):
                        grad[i, ch, r, q] += share
    return grad


def linear_naive(x, w, b=None):
    """y[n][o] = sum_i x[n][i] * w[o][i] + b[o] for 2-D x (N, in), one product at a time."""
    out = []
    for row in x:
        values = []
        for o in range(len(w)):
            total = 0
            for i in range(len(row)):
                total += row[i] * w[o][i]
            values.append(total + (0 if b is None else b[o]))
        out.append(values)
    return np.array(out)


def softmax_cross_entropy_naive(z, t):
    """Mean cross-entropy and its gradient for 2-D logits z (N, C) and class indices t (N,)."""
    n = len(z)
    loss = 0.0
    grad = []
    for row, target in zip(z, t):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = math.fsum(exps)
        loss -= row[target] - top - math.log(total)
        grad.append([(e / total - (1.0 if j == target else 0.0)) / n for j, e in enumerate(exps)])
    return loss / n, np.array(grad)


def lrn_naive(x, size, alpha, beta, k):
    """torch.nn.functional.local_response_norm for 4-D x: channels c - size//2 .. c + (size-1)//2, zeros
    outside, the sum of squares always divided by size."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    n, c, h, w = x.shape
    for i in range(n):
        for ch in range(c):
            for r in range(h):
                for q in range(w):
                    total = 0.0
                    for j in range(ch - size // 2, ch + (size - 1) // 2 + 1):
                        if 0 <= j < c:
                            total += x[i, j, r, q] ** 2
                    out[i, ch, r, q] = x[i, ch, r, q] / (k + alpha * total / size) ** beta
    return out


def alexnet_lrn_naive(x, n, k, alpha, beta):
    """The AlexNet paper's formula for 4-D x: b^i = a^i / (k + alpha * sum_{j=max(0, i-n/2)}^{min(N-1, i+n/2)}
    (a^j)^2)^beta, n odd."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    batch, channels, h, w = x.shape
    for b in range(batch):
        for i in range(channels):
            for r in range(h):
                for q in range(w):
                    total = 0.0
                    for j in range(max(0, i - n // 2), min(channels - 1, i + n // 2) + 1):
                        total += x[b, j, r, q] ** 2
                    out[b, i, r, q] = x[b, i, r, q] / (k + alpha * total) ** beta
    return out
