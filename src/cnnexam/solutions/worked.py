"""Worked arithmetic: the computation a student writes down, as data.

Every step takes its result from the engine and its operands from the input, so a step whose text
does not add up to its value exposes a bug in one of the two. Each step has an ``expression()`` (the
arithmetic alone), a ``text()`` for display, e.g.
``out[0,0] = 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12``, and an ``as_dict()`` for JSON.

Positions use the rank of the engine's result: ``out[i,j]`` for a 2-D input, ``out[c,i,j]`` for a
(C, H, W) one, ``out[n,c,i,j]`` for a batch. Negative numbers are parenthesised; padded zeros appear
as ``0*w`` in convolutions and averages (with ``count_include_pad``) and are left out of maxima.

Arguments are the engine's: weights in torch's layout, ``(C_out, C_in/groups, kh, kw)`` for ``conv2d``
and ``(C_in, C_out/groups, kh, kw)`` for ``conv_transpose2d``, or a 2-D (kh, kw) / 3-D (C_in, kh, kw)
single filter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

import numpy as np

from . import formulas
from ._args import Pair, as_array, pair, to_nchw
from .conv import _weight_4d, conv2d, conv_transpose2d
from .pooling import avg_pool2d, avg_pool2d_exact, max_pool2d

Number = Union[int, float, Fraction]


# ---- formatting ----


def format_number(value: Number) -> str:
    """Plain text of a number: ints as they are, Fractions reduced (``15/4``, ``2``), floats rounded to
    12 significant digits so that sums like 0.1 + 0.2 print as 0.3 (integral floats keep a ``.0``)."""
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, float):
        return repr(float(f"{value:.12g}") + 0.0)  # + 0.0 turns -0.0 into 0.0
    return str(value)


def decimal_text(value: Fraction) -> str:
    """A fraction as a decimal: exact when it terminates (``= 3.75``), else ``≈`` and 4 places."""
    scaled, places = value, 0
    while scaled.denominator != 1 and places < 20:
        scaled, places = scaled * 10, places + 1
    if scaled.denominator == 1:
        digits = f"{abs(scaled.numerator):0{places + 1}d}"
        sign = "-" if value < 0 else ""
        return f"= {sign}{digits[:-places]}.{digits[-places:]}" if places else f"= {value}"
    return f"≈ {float(value):.4f}"


def _operand(value: Number) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def _cell(name: str, position: tuple[int, ...]) -> str:
    return f"{name}[{','.join(map(str, position))}]"


def _plain(value):
    """JSON-friendly copy of a step field: Fractions as strings, tuples as lists."""
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


class _AsDict:
    def as_dict(self) -> dict:
        fields = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {**fields, "text": self.text()}


# ---- steps ----


@dataclass(frozen=True)
class Step(_AsDict):
    """One output cell of a convolution: ``sum(x*w for x, w in terms) (+ bias) = value``."""

    position: tuple[int, ...]
    terms: tuple[tuple[Number, Number], ...]
    bias: Number | None
    value: Number

    def expression(self) -> str:
        parts = [f"{_operand(x)}*{_operand(w)}" for x, w in self.terms]
        if self.bias is not None:
            parts.append(_operand(self.bias))
        return " + ".join(parts) if parts else "0"

    def text(self) -> str:
        return f"{_cell('out', self.position)} = {self.expression()} = {format_number(self.value)}"


@dataclass(frozen=True)
class MaxPoolStep(_AsDict):
    """One output cell of max pooling: the maximum of the window's input values (padding excluded)."""

    position: tuple[int, ...]
    values: tuple[Number, ...]
    value: Number

    def expression(self) -> str:
        return f"max({', '.join(format_number(v) for v in self.values)})"

    def text(self) -> str:
        return f"{_cell('out', self.position)} = {self.expression()} = {format_number(self.value)}"


@dataclass(frozen=True)
class AvgPoolStep(_AsDict):
    """One output cell of average pooling: ``sum(values) / len(values)``.

    ``values`` are the window's cells that torch counts: input cells, plus padded zeros when
    ``count_include_pad``; ``value`` is a Fraction for integer input, a float otherwise.
    """

    position: tuple[int, ...]
    values: tuple[Number, ...]
    value: Number

    @property
    def count(self) -> int:
        return len(self.values)

    def expression(self) -> str:
        return f"({' + '.join(_operand(v) for v in self.values)})/{self.count}"

    def text(self) -> str:
        result = format_number(self.value)
        if isinstance(self.value, Fraction) and self.value.denominator != 1:
            result = f"{result} {decimal_text(self.value)}"
        return f"{_cell('out', self.position)} = {self.expression()} = {result}"


@dataclass(frozen=True)
class ScatterStep(_AsDict):
    """What one input cell adds to a transposed convolution's output: ``value * weight`` at each
    ``(out_position, weight)`` of ``targets`` (kernel taps cropped away by ``padding`` are left out)."""

    position: tuple[int, ...]
    value: Number
    targets: tuple[tuple[tuple[int, ...], Number], ...]

    def text(self) -> str:
        adds = ", ".join(
            f"{_cell('out', where)} += {_operand(self.value)}*{_operand(w)} = {format_number(self.value * w)}"
            for where, w in self.targets
        )
        return f"{_cell('in', self.position)} = {format_number(self.value)}: {adds or 'nothing (cropped)'}"


@dataclass(frozen=True)
class Formula(_AsDict):
    """A closed form with its numbers substituted: ``expression = value`` (``label`` names the
    dimension, e.g. 'height', or is empty)."""

    label: str
    expression: str
    value: int
    note: str = ""

    def text(self) -> str:
        prefix = f"{self.label}: " if self.label else ""
        suffix = f" ({self.note})" if self.note else ""
        return f"{prefix}{self.expression} = {self.value}{suffix}"


# ---- convolution ----


def conv2d_steps(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> list[Step]:
    """The sum of products behind every output cell of ``conv2d`` (row-major order; shapes as
    ``conv2d``'s)."""
    x = as_array(input, "input")
    w4 = _weight_4d(as_array(weight, "weight"), transposed=False)
    out = conv2d(x, w4, bias, stride, padding, dilation, groups)
    x4, _ = to_nchw(x, "input")
    kh, kw = w4.shape[2:]
    (sh, sw), (dh, dw) = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    if padding == "same":
        pads = formulas.same_padding((kh, kw), (dh, dw))
    else:
        pads = ((0, 0), (0, 0)) if padding == "valid" else tuple((p, p) for p in pair(padding, "padding", 0))
    xp = np.pad(x4, ((0, 0), (0, 0), *pads)).tolist()
    w = w4.tolist()
    b = None if bias is None else as_array(bias, "bias").reshape(-1).tolist()
    out4 = out.reshape((x4.shape[0], w4.shape[0], *out.shape[-2:]))
    per_group, group_in = w4.shape[0] // groups, w4.shape[1]
    steps = []
    for (n, o, i, j), value in np.ndenumerate(out4):
        first = (o // per_group) * group_in
        terms = tuple(
            (xp[n][first + c][i * sh + a * dh][j * sw + t * dw], w[o][c][a][t])
            for c in range(group_in)
            for a in range(kh)
            for t in range(kw)
        )
        steps.append(Step((n, o, i, j)[4 - out.ndim :], terms, None if b is None else b[o], value.item()))
    return steps


def conv_transpose2d_scatter(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                             dilation=1) -> list[ScatterStep]:
    """Transposed convolution as scattering: every input cell adds ``cell * weight`` to the output,
    at rows ``i*stride + a*dilation - padding`` (columns alike) for kernel tap ``a``, once per output
    channel of its group. Summing the targets (plus the bias) gives ``conv_transpose2d``."""
    x, w4, out, _ = _transpose_setup(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return [
        ScatterStep((n, c, i, j)[4 - x.ndim :], value, tuple((where[4 - out.ndim :], wt) for where, wt in targets))
        for (n, c, i, j), value, targets in _scatter(x, w4, out, stride, padding, dilation, groups)
    ]


def conv_transpose2d_steps(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                           dilation=1) -> list[Step]:
    """The sum of products behind every output cell of ``conv_transpose2d``: the scattered
    contributions that land on it, in input order."""
    x, w4, out, b = _transpose_setup(input, weight, bias, stride, padding, output_padding, groups, dilation)
    out4 = out.reshape((x.shape[0] if x.ndim == 4 else 1, -1, *out.shape[-2:]))
    gathered: dict[tuple[int, ...], list] = {index: [] for index in np.ndindex(out4.shape)}
    for _, value, targets in _scatter(x, w4, out, stride, padding, dilation, groups):
        for where, wt in targets:
            gathered[where].append((value, wt))
    return [
        Step(where[4 - out.ndim :], tuple(terms), None if b is None else b[where[1]], out4[where].item())
        for where, terms in gathered.items()
    ]


def _transpose_setup(input, weight, bias, stride, padding, output_padding, groups, dilation):
    x = as_array(input, "input")
    w4 = _weight_4d(as_array(weight, "weight"), transposed=True)
    out = conv_transpose2d(x, w4, bias, stride, padding, output_padding, groups, dilation)
    b = None if bias is None else as_array(bias, "bias").reshape(-1).tolist()
    return x, w4, out, b


def _scatter(x, w4, out, stride, padding, dilation, groups):
    """Yield ``((n, c, i, j), value, [((n, o, row, col), weight), ...])`` for every input cell."""
    x4, _ = to_nchw(x, "input")
    (sh, sw), (ph, pw), (dh, dw) = pair(stride, "stride", 1), pair(padding, "padding", 0), pair(dilation, "dilation", 1)
    height, width = out.shape[-2:]
    kh, kw = w4.shape[2:]
    per_group_in, per_group_out = x4.shape[1] // groups, w4.shape[1]
    w = w4.tolist()
    for (n, c, i, j), value in np.ndenumerate(x4):
        first = (c // per_group_in) * per_group_out
        targets = [
            ((n, first + o, row, col), w[c][o][a][t])
            for o in range(per_group_out)
            for a in range(kh)
            for t in range(kw)
            if 0 <= (row := i * sh + a * dh - ph) < height and 0 <= (col := j * sw + t * dw - pw) < width
        ]
        yield (n, c, i, j), value.item(), targets


# ---- pooling ----


def max_pool2d_steps(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> list[MaxPoolStep]:
    """The window values behind every output cell of ``max_pool2d`` (padding never wins a maximum)."""
    out = max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return [
        MaxPoolStep(position, tuple(v for v, padded in window if not padded), value)
        for position, window, value in _windows(input, out, kernel_size, stride, padding, dilation)
    ]


def avg_pool2d_steps(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                     count_include_pad=True) -> list[AvgPoolStep]:
    """The sum and count behind every output cell of ``avg_pool2d``: exact Fractions for integer
    input (``avg_pool2d_exact``), floats for float input. As in torch, a window counts the padding
    when ``count_include_pad`` (but never the part of a ceil-mode window beyond the padding)."""
    x = as_array(input, "input")
    average = avg_pool2d_exact if x.dtype == np.int64 else avg_pool2d
    out = average(x, kernel_size, stride, padding, ceil_mode, count_include_pad)
    return [
        AvgPoolStep(position, tuple(v for v, padded in window if count_include_pad or not padded), value)
        for position, window, value in _windows(x, out, kernel_size, stride, padding, 1)
    ]


def _windows(input, out, kernel_size, stride, padding, dilation):
    """Yield ``(position, [(value, is_padding), ...], result)`` for every pooling window, with the
    window clipped to the padded input."""
    x4, _ = to_nchw(as_array(input, "input"), "input")
    kernel: Pair = pair(kernel_size, "kernel_size", 1)
    (sh, sw) = kernel if stride is None else pair(stride, "stride", 1)
    (ph, pw), (dh, dw) = pair(padding, "padding", 0), pair(dilation, "dilation", 1)
    height, width = x4.shape[2:]
    x = x4.tolist()
    out4 = out.reshape((*x4.shape[:2], *out.shape[-2:]))
    for (n, c, i, j), result in np.ndenumerate(out4):
        window = []
        for a in range(kernel[0]):
            row = i * sh + a * dh - ph
            for t in range(kernel[1]):
                col = j * sw + t * dw - pw
                if -ph <= row < height + ph and -pw <= col < width + pw:
                    inside = 0 <= row < height and 0 <= col < width
                    window.append((x[n][c][row][col] if inside else 0, not inside))
        yield (n, c, i, j)[4 - out.ndim :], window, result if isinstance(result, Fraction) else result.item()


# ---- closed forms ----


def output_size_steps(kind: str, size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                      output_padding=0) -> list[Formula]:
    """The output-size formula of a ``'conv'``, ``'pool'`` or ``'transpose'`` layer with its numbers
    substituted, one :class:`Formula` per dimension (one unlabelled formula when every argument is
    an int). ``stride=None`` means 1, or the kernel size for pooling."""
    if kind == "conv":
        value = formulas.conv_output_size(size, kernel_size, 1 if stride is None else stride, padding, dilation)
    elif kind == "pool":
        value = formulas.pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
    elif kind == "transpose":
        value = formulas.conv_transpose_output_size(
            size, kernel_size, 1 if stride is None else stride, padding, output_padding, dilation
        )
    else:
        raise ValueError(f"kind: expected 'conv', 'pool' or 'transpose', got {kind!r}")
    values = value if isinstance(value, tuple) else (value,)
    labels = ("height", "width") if isinstance(value, tuple) else ("",)
    kernels = pair(kernel_size, "kernel_size", 1)
    strides = (kernels if kind == "pool" else (1, 1)) if stride is None else pair(stride, "stride", 1)
    dilations = pair(dilation, "dilation", 1)
    if padding == "same":
        pad_terms = [f"({a} + {b})" for a, b in formulas.same_padding(kernels, dilations)]
    else:
        pad_terms = [f"2*{p}" for p in ((0, 0) if padding == "valid" else pair(padding, "padding", 0))]
    steps = []
    for axis, (label, result) in enumerate(zip(labels, values)):
        n, k, s, d = pair(size, "size", 1)[axis], kernels[axis], strides[axis], dilations[axis]
        if kind == "transpose":
            e = pair(output_padding, "output_padding", 0)[axis]
            expression = f"({n}-1)*{s} - {pad_terms[axis]} + {d}*({k}-1) + {e} + 1"
            steps.append(Formula(label, expression, result))
            continue
        rounding = "ceil" if kind == "pool" and ceil_mode else "floor"
        expression = f"{rounding}(({n} + {pad_terms[axis]} - {d}*({k}-1) - 1)/{s}) + 1"
        note = ""
        if rounding == "ceil" and result != _ceil_count(n, k, s, padding, d, axis):
            # torch's ceil-mode rule: drop a last window that would start in the right padding
            p = pair(padding, "padding", 0)[axis]
            expression += " - 1"
            note = f"window {result + 1} would start at {result}*{s} = {result * s} >= {n} + {p}, in the right padding"
        steps.append(Formula(label, expression, result, note))
    return steps


def _ceil_count(n, k, s, padding, d, axis) -> int:
    """The ceil-mode pooling formula's count before torch drops a window that starts in the padding."""
    numerator = n + 2 * pair(padding, "padding", 0)[axis] - d * (k - 1) - 1
    return -(-numerator // s) + 1


def conv_params_steps(in_channels, out_channels, kernel_size, bias=True, groups=1) -> Formula:
    """``kh*kw*C_in*C_out + C_out`` with the numbers in (``C_in/groups`` when grouped)."""
    value = formulas.conv_params(in_channels, out_channels, kernel_size, bias, groups)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    channels = f"({in_channels}/{groups})" if groups != 1 else f"{in_channels}"
    expression = f"{kh}*{kw}*{channels}*{out_channels}" + (f" + {out_channels}" if bias else "")
    return Formula("", expression, value)


def depthwise_separable_params_steps(in_channels, out_channels, kernel_size, bias=True) -> Formula:
    """Depthwise ``kh*kw*C_in (+ C_in)`` plus pointwise ``C_in*C_out (+ C_out)``."""
    value = formulas.depthwise_separable_params(in_channels, out_channels, kernel_size, bias)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    depthwise = f"{kh}*{kw}*{in_channels}" + (f" + {in_channels}" if bias else "")
    pointwise = f"{in_channels}*{out_channels}" + (f" + {out_channels}" if bias else "")
    return Formula("", f"{depthwise} + {pointwise}", value)


def linear_params_steps(in_features, out_features, bias=True) -> Formula:
    """``in_features*out_features (+ out_features)``."""
    value = formulas.linear_params(in_features, out_features, bias)
    return Formula("", f"{in_features}*{out_features}" + (f" + {out_features}" if bias else ""), value)
