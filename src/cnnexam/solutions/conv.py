"""2-D convolution: ``conv2d`` (cross-correlation, as every framework computes it), its backward pass,
the transposed convolution and the true convolution with the flipped kernel.

Shapes follow ``torch.nn.functional`` (NCHW): input (N, C_in, H, W), weight (C_out, C_in / groups, kH, kW),
output (N, C_out, OH, OW) with ``OH = (H + pad_top + pad_bottom - dilation * (kH - 1) - 1) // stride + 1``
(likewise OW). A 2-D input is one single-channel image and a 3-D input one (C, H, W) sample; a 2-D weight
is one single-channel filter and a 3-D weight one (C_in, kH, kW) filter. Results keep the input's rank.

Integer arguments give exact int64 results by direct loops; float64 problems large enough to pay for it
go through im2col and a BLAS matrix product per group, the way PyTorch's CPU kernel does.
"""

from __future__ import annotations

import threading
from typing import Callable, NamedTuple

import numpy as np

from ._args import Pair, as_array, check_int64_sum, check_memory, pair, positive_int, result_dtype, to_nchw

# Below this many multiply-accumulates per sample, direct loops beat im2col + BLAS (which costs a few
# microseconds of Python per block of samples).
_GEMM_MIN_MACS = 1 << 12


class _Geometry(NamedTuple):
    """Validated hyperparameters of one convolution; ``out`` is the (OH, OW) of the cross-correlation."""

    stride: Pair
    dilation: Pair
    pads: tuple[int, int, int, int]  # top, bottom, left, right
    groups: int
    out: Pair


class _Conv(NamedTuple):
    """Validated conv2d arguments: 4-D input and weight, the caller's ranks and the result dtype."""

    x: np.ndarray
    w: np.ndarray
    bias: np.ndarray | None
    geometry: _Geometry
    dtype: type
    restore: Callable[[np.ndarray], np.ndarray]
    rank: int
    weight_shape: tuple[int, ...]


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """Cross-correlation ``out[n, k, y, x] = bias[k] + sum_{c, i, j} in_pad[n, c', y*s + i*d, x*s + j*d] *
    weight[k, c, i, j]`` (``c'`` the c-th channel of k's group), as ``torch.nn.functional.conv2d``.

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (stride 1 only; an odd total padding
    ``dilation * (k - 1)`` puts the extra row / column at the bottom / right, as torch does).
    Returns (N, C_out, OH, OW) in the input's rank.
    """
    c = _prepare(input, weight, bias, stride, padding, dilation, groups)
    return c.restore(_forward(c.x.astype(c.dtype, copy=False), c.w.astype(c.dtype, copy=False), c.bias, c.geometry))


def convolve2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """True convolution: the kernel flipped in both spatial axes, then ``conv2d`` (same arguments).

    ``out[y, x] = sum_{i, j} in_pad[y*s + (kH-1-i)*d, x*s + (kW-1-j)*d] * weight[i, j]`` per channel pair.
    """
    c = _prepare(input, weight, bias, stride, padding, dilation, groups)
    flipped = np.ascontiguousarray(c.w[:, :, ::-1, ::-1], dtype=c.dtype)
    return c.restore(_forward(c.x.astype(c.dtype, copy=False), flipped, c.bias, c.geometry))


def conv2d_backward(input, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of ``conv2d`` given ``grad_output`` (shaped like its result).

    Returns ``(grad_input, grad_weight, grad_bias)`` shaped like ``input``, like ``weight`` as passed and
    (C_out,). Input rows / columns that no window covers (a stride that does not fit) get gradient 0.
    """
    c = _prepare(input, weight, None, stride, padding, dilation, groups)
    expected = (c.x.shape[0], c.w.shape[0], *c.geometry.out)
    grad = as_array(grad_output, "grad_output")
    if grad.shape != expected[4 - c.rank :]:
        raise ValueError(
            f"grad_output: expected shape {expected[4 - c.rank:]} (the shape of the conv2d output), got {grad.shape}"
        )
    dtype = result_dtype(c.x, c.w, grad)
    x, w, grad = c.x.astype(dtype, copy=False), c.w.astype(dtype, copy=False), grad.astype(dtype, copy=False)
    grad = grad.reshape(expected)
    windows = expected[0] * expected[2] * expected[3]  # the weight and bias gradients sum over all of them
    check_int64_sum("grad_output, weight", w.shape[0] // c.geometry.groups * w.shape[2] * w.shape[3], (grad, w))
    check_int64_sum("input, grad_output", windows, (x, grad))
    check_int64_sum("grad_output", windows, (grad,))
    grad_input, grad_weight = _backward(grad, w, c.geometry, x.shape, x)
    return c.restore(grad_input), grad_weight.reshape(c.weight_shape), grad.sum(axis=(0, 2, 3))


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> np.ndarray:
    """Transposed convolution, as ``torch.nn.functional.conv_transpose2d``: every input pixel scatters
    ``input[n, c, y, x] * weight[c, k, i, j]`` to ``full[n, k', y*s + i*d, x*s + j*d]``, then ``padding``
    rows / columns are cut from each side of ``full`` (``output_padding`` extra ones are kept at the
    bottom / right). It is the input-gradient of ``conv2d`` with the same weight.

    input (N, C_in, H, W); weight (C_in, C_out / groups, kH, kW) (a 3-D weight (C_in, kH, kW) gives one
    output channel); output (N, C_out, OH, OW) with
    ``OH = (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1``.
    """
    array = as_array(input, "input")
    x, restore = to_nchw(array, "input")
    w = _weight_4d(as_array(weight, "weight"), transposed=True)
    n, c_in, h, width = x.shape
    _check_nonempty(x, w)
    groups = positive_int(groups, "groups")
    if w.shape[0] != c_in:
        raise ValueError(
            f"weight: a transposed-convolution weight is (C_in, C_out / groups, kH, kW); its {w.shape[0]} "
            f"input channels do not match the input's {c_in}"
        )
    if c_in % groups:
        raise ValueError(f"groups: {groups} does not divide the {c_in} input channels")
    c_out = w.shape[1] * groups
    if array.ndim == 2 and c_out != 1:
        raise ValueError(_SINGLE_CHANNEL.format(count=c_out))
    b = _bias(bias, c_out)
    stride, dilation = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    if isinstance(padding, str):
        raise ValueError(f"padding: conv_transpose2d takes an int or a pair of ints, got {padding!r}")
    pad = pair(padding, "padding", 0)
    extra = pair(output_padding, "output_padding", 0)
    for axis in (0, 1):
        if extra[axis] >= stride[axis] and extra[axis] >= dilation[axis]:
            raise ValueError(
                f"output_padding: must be smaller than stride or dilation, got output_padding "
                f"{output_padding!r} with stride {stride} and dilation {dilation}"
            )
    full = tuple((size - 1) * s + d * (k - 1) + 1 + e for size, s, d, k, e in
                 zip((h, width), stride, dilation, w.shape[2:], extra))
    out = (full[0] - 2 * pad[0], full[1] - 2 * pad[1])
    if min(out) < 1:
        raise ValueError(f"padding: {padding!r} leaves an empty output ({out[0]}x{out[1]})")
    check_memory("stride, dilation", "the output before padding is cut", (n, c_out, *full))
    check_int64_sum("input, weight", c_in // groups * w.shape[2] * w.shape[3], (x, w), b)
    dtype = result_dtype(x, w, b)
    # The transposed convolution is the input-gradient of a conv2d whose output is this input.
    geometry = _Geometry(stride, dilation, (pad[0], pad[0], pad[1], pad[1]), groups, (h, width))
    result, _ = _backward(x.astype(dtype, copy=False), w.astype(dtype, copy=False), geometry, (n, c_out, *out))
    if b is not None:
        result += b.astype(dtype, copy=False).reshape(1, c_out, 1, 1)
    return restore(result)


_SINGLE_CHANNEL = (
    "weight: a 2-D input is one single-channel image, so the result can have only one channel, but weight "
    "gives {count}; pass the input as (1, H, W) to get (C_out, H', W')"
)


def _prepare(input, weight, bias, stride, padding, dilation, groups) -> _Conv:
    """Validate and coerce the arguments shared by conv2d, convolve2d and conv2d_backward."""
    array = as_array(input, "input")
    x, restore = to_nchw(array, "input")
    weight = as_array(weight, "weight")
    w = _weight_4d(weight, transposed=False)
    _check_nonempty(x, w)
    c_out, c_group, kh, kw = w.shape
    c_in = x.shape[1]
    groups = positive_int(groups, "groups")
    if c_in % groups:
        raise ValueError(f"groups: {groups} does not divide the {c_in} input channels")
    if c_out % groups:
        raise ValueError(f"groups: {groups} does not divide the {c_out} output channels (filters of weight)")
    if c_group * groups != c_in:
        per_group = "" if groups == 1 else f" ({c_in // groups} per group with groups={groups})"
        raise ValueError(f"weight: filters have {c_group} channels but the input has {c_in}{per_group}")
    if array.ndim == 2 and c_out != 1:
        raise ValueError(_SINGLE_CHANNEL.format(count=c_out))
    b = _bias(bias, c_out)
    stride, dilation = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    pads = _conv_padding(padding, (kh, kw), stride, dilation)
    out = []
    for size, before, after, s, d, k in zip(x.shape[2:], pads[::2], pads[1::2], stride, dilation, (kh, kw)):
        span, padded = d * (k - 1) + 1, size + before + after
        if span > padded:
            raise ValueError(
                f"weight: the kernel spans {span} pixels (size {k}, dilation {d}) but the padded input "
                f"has only {padded}"
            )
        out.append((padded - span) // s + 1)
    geometry = _Geometry(stride, dilation, pads, groups, tuple(out))
    check_memory("padding", "the padded input", (x.shape[0], c_in, x.shape[2] + pads[0] + pads[1],
                                                 x.shape[3] + pads[2] + pads[3]))
    check_int64_sum("input, weight", c_group * kh * kw, (x, w), b)
    return _Conv(x, w, b, geometry, result_dtype(x, w, b), restore, array.ndim, weight.shape)


def _weight_4d(w: np.ndarray, transposed: bool) -> np.ndarray:
    """A 2-D (kH, kW) or 3-D (C_in, kH, kW) single filter as a 4-D weight (conv or transposed layout)."""
    if w.ndim == 4:
        return w
    if w.ndim == 3:
        return w[:, np.newaxis] if transposed else w[np.newaxis]
    if w.ndim == 2:
        return w[np.newaxis, np.newaxis]
    layout = "(C_in, C_out / groups, kH, kW)" if transposed else "(C_out, C_in / groups, kH, kW)"
    raise ValueError(f"weight: expected a 2-D (kH, kW), 3-D (C_in, kH, kW) or 4-D {layout} array, got {w.ndim}-D")


def _check_nonempty(x: np.ndarray, w: np.ndarray) -> None:
    if 0 in x.shape[1:]:
        raise ValueError(f"input: has an empty channel or spatial axis, shape {x.shape}")
    if w.size == 0:
        raise ValueError(f"weight: is empty, shape {w.shape}")


def _bias(bias, channels: int) -> np.ndarray | None:
    if bias is None:
        return None
    b = as_array(bias, "bias")  # a scalar arrives as shape (1,): fine for a single filter
    if b.shape != (channels,):
        raise ValueError(f"bias: expected one value per output channel, shape ({channels},), got shape {b.shape}")
    return b


def _conv_padding(padding, kernel: Pair, stride: Pair, dilation: Pair) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for an int, a pair, 'valid' or 'same' (torch's asymmetric rule)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"padding: 'same' needs stride 1, got stride {stride}")
            total_h, total_w = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2
        raise ValueError(f"padding: expected an int, a pair of ints, 'valid' or 'same', got {padding!r}")
    ph, pw = pair(padding, "padding", 0)
    return ph, ph, pw, pw


def _pad(x: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    """``x`` (N, C, H, W) with zero rows / columns added (contiguous)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    padded[:, :, top : top + h, left : left + w] = x
    return padded


def _use_gemm(dtype, c_out: int, out: Pair, w_shape) -> bool:
    """im2col + BLAS for float problems big enough; exact direct loops for integers."""
    macs_per_sample = c_out * out[0] * out[1] * w_shape[1] * w_shape[2] * w_shape[3]
    return dtype == np.float64 and macs_per_sample >= _GEMM_MIN_MACS


def _group_slices(w_shape, groups: int) -> list[tuple[slice, slice]]:
    """Per group: its rows of an im2col matrix (C_in*kH*kW, columns) and its filters."""
    rows, per_group = w_shape[1] * w_shape[2] * w_shape[3], w_shape[0] // groups
    return [(slice(g * rows, (g + 1) * rows), slice(g * per_group, (g + 1) * per_group)) for g in range(groups)]


# The im2col path works on blocks of the output: each is unfolded by one Numba call into a scratch
# matrix, then multiplied by one (stacked) BLAS product per group that writes straight into the NCHW
# result. Small samples are stacked up to _STACK_BYTES of matrix, so that they cost one call for many
# (larger stacks fell out of cache and were slower); a sample whose matrix exceeds _BAND_BYTES is cut
# into bands of output rows. Below that a whole sample is one product, the most efficient (16 MB holds
# a 64-channel 56x56 sample with a 3x3 kernel).
_STACK_BYTES = 1 << 18
_BAND_BYTES = 1 << 24

# Settings of this module that force each float code path whatever the problem size, for the tests and
# bench/torch_agreement.py: direct loops; im2col + BLAS on blocks of (stacked) samples; one sample per
# block; bands of one output row.
CODE_PATHS = {
    "direct": {"_GEMM_MIN_MACS": 10**18},
    "gemm": {"_GEMM_MIN_MACS": 0},
    "gemm-per-sample": {"_GEMM_MIN_MACS": 0, "_STACK_BYTES": 1},
    "gemm-row-bands": {"_GEMM_MIN_MACS": 0, "_BAND_BYTES": 1},
}

_workspace = threading.local()
_NO_INPUT = np.empty((0, 0, 0, 0))  # col2im's x when only the input gradient is wanted (no refill)


def _buffer(size: int) -> np.ndarray:
    """A float64 scratch array of ``size`` elements, reused from call to call (per thread): a fresh
    multi-megabyte array costs a page fault per 4 kB on first touch, which can take longer than the
    convolution itself."""
    buffer = getattr(_workspace, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _workspace.buffer = np.empty(size)
    return buffer[:size]


def _blocks(n: int, oh: int, ow: int, col_rows: int):
    """The blocks of the output, as (first sample, first output row, im2col matrix (samples, col_rows,
    rows * ow)), the matrix a contiguous view of the scratch buffer."""
    row_bytes = 8 * col_rows * ow
    if oh * row_bytes <= _BAND_BYTES:
        samples = max(1, min(n, _STACK_BYTES // (oh * row_bytes)))
        spans = [(first, 0, min(samples, n - first), oh) for first in range(0, n, samples)]
    else:
        rows = max(1, _BAND_BYTES // row_bytes)
        spans = [(first, y0, 1, min(rows, oh - y0)) for first in range(n) for y0 in range(0, oh, rows)]
    buffer = _buffer(max(count * rows for _, _, count, rows in spans) * col_rows * ow)
    for first, y0, count, rows in spans:
        yield first, y0, buffer[: count * col_rows * rows * ow].reshape(count, col_rows, rows * ow)


def _forward(x, w, b, geometry: _Geometry) -> np.ndarray:
    """Cross-correlation of 4-D ``x`` and ``w`` (both of the result dtype) plus optional bias ``b``."""
    from . import _kernels

    n, c_in = x.shape[:2]
    c_out, _, kh, kw = w.shape
    (sh, sw), (dh, dw), (oh, ow) = geometry.stride, geometry.dilation, geometry.out
    out = np.empty((n, c_out, oh, ow), dtype=x.dtype)
    if b is not None:
        b = b.astype(x.dtype, copy=False)
    if not _use_gemm(x.dtype, c_out, geometry.out, w.shape):
        bias = np.zeros(c_out, x.dtype) if b is None else b
        _kernels.conv2d_direct(_pad(x, geometry.pads), w, bias, sh, sw, dh, dw, geometry.groups, out)
        return out
    top, _, left, _ = geometry.pads
    slices = _group_slices(w.shape, geometry.groups)
    w2 = w.reshape(c_out, -1)
    out3 = out.reshape(n, c_out, oh * ow)
    for first, y0, cols in _blocks(n, oh, ow, c_in * kh * kw):
        _kernels.im2col(x, first, y0, kh, kw, sh, sw, dh, dw, top, left, ow, cols)
        block = out3[first : first + len(cols), :, y0 * ow : y0 * ow + cols.shape[2]]
        for rows, filters in slices:
            np.matmul(w2[filters], cols[:, rows], out=block[:, filters])
        if b is not None:
            _kernels.add_channel_bias(block, b)
    return out


def _backward(grad, w, geometry: _Geometry, input_shape, x=None):
    """Gradients of a conv2d whose output gradient is ``grad`` (N, C_out, OH, OW): with respect to its
    input of ``input_shape`` (this alone is the transposed convolution of ``grad`` with ``w``) and, when
    the input ``x`` is given, with respect to the weight (else None)."""
    from . import _kernels

    (sh, sw), (dh, dw), groups = geometry.stride, geometry.dilation, geometry.groups
    top, bottom, left, right = geometry.pads
    n, c_out, oh, ow = grad.shape
    c_in, h, width = input_shape[1:]
    kh, kw = w.shape[2:]
    grad_weight = None if x is None else np.zeros(w.shape, dtype=grad.dtype)
    if not _use_gemm(grad.dtype, c_out, (oh, ow), w.shape):
        grad_padded = np.zeros((n, c_in, h + top + bottom, width + left + right), dtype=grad.dtype)
        _kernels.conv2d_input_grad_direct(grad, w, sh, sw, dh, dw, groups, grad_padded)
        if x is not None:
            _kernels.conv2d_weight_grad_direct(_pad(x, geometry.pads), grad, sh, sw, dh, dw, groups, grad_weight)
        return np.ascontiguousarray(grad_padded[:, :, top : top + h, left : left + width]), grad_weight
    grad_input = np.zeros(input_shape, dtype=grad.dtype)
    slices = _group_slices(w.shape, groups)
    w2t = w.reshape(c_out, -1).T
    gw2 = None if x is None else grad_weight.reshape(c_out, -1)
    grad3 = grad.reshape(n, c_out, oh * ow)
    refill = _NO_INPUT if x is None else x
    for first, y0, cols in _blocks(n, oh, ow, c_in * kh * kw):
        block = grad3[first : first + len(cols), :, y0 * ow : y0 * ow + cols.shape[2]]
        for rows, filters in slices:
            np.matmul(w2t[:, filters], block[:, filters], out=cols[:, rows])
        _kernels.col2im(cols, first, y0, kh, kw, sh, sw, dh, dw, top, left, ow, grad_input, refill)
        if x is not None:
            for rows, filters in slices:
                gw2[filters] += np.matmul(block[:, filters], cols[:, rows].transpose(0, 2, 1)).sum(axis=0)
    return grad_input, grad_weight
