"""Closed-form formulas: output sizes, 'same' padding, parameter and multiply-accumulate counts, and
receptive fields.

Plain integer arithmetic, exact at any size. Spatial arguments are an int or an ``(h, w)`` pair; a
function returns one value per dimension in the same form (a pair as soon as any spatial argument is
a pair). Conventions are ``torch.nn``'s, so the numbers agree with the shapes PyTorch produces.
"""

from __future__ import annotations

from typing import Sequence, Union

from ._args import _is_int, pair, positive_int

Size = Union[int, tuple[int, int]]


def conv_output_size(size: Size, kernel_size: Size, stride: Size = 1, padding: Size | str = 0,
                     dilation: Size = 1) -> Size:
    """Output size of a convolution (``torch.nn.Conv2d``), per dimension::

        out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1

    ``padding='valid'`` means 0; ``padding='same'`` gives ``out = size`` (stride must be 1, as in
    torch, with the padding of :func:`same_padding`).
    """
    sizes = pair(size, "size", 1)
    kernels = pair(kernel_size, "kernel_size", 1)
    strides = pair(stride, "stride", 1)
    dilations = pair(dilation, "dilation", 1)
    if padding == "same":
        if strides != (1, 1):
            raise ValueError(f"padding: 'same' is not supported for strided convolutions (stride={stride!r})")
        totals = tuple(d * (k - 1) for d, k in zip(dilations, kernels))
    else:
        totals = tuple(2 * p for p in _padding(padding))
    out = []
    for n, k, s, d, total in zip(sizes, kernels, strides, dilations, totals):
        span = d * (k - 1) + 1
        if n + total < span:
            raise ValueError(
                f"kernel_size: the dilated kernel ({span}) is larger than the padded input ({n + total})"
            )
        out.append((n + total - span) // s + 1)
    return _same_form(out, size, kernel_size, stride, padding, dilation)


def pool_output_size(size: Size, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                     dilation: Size = 1, ceil_mode: bool = False) -> Size:
    """Output size of max or average pooling (``torch.nn.MaxPool2d`` / ``AvgPool2d``), per dimension::

        out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1

    with ``ceil`` instead of ``floor`` when ``ceil_mode``; then, as in torch, the last window is
    dropped if it would start in the right padding (``(out - 1)*stride >= size + padding``). In ceil
    mode the last window may run past the padded input (it covers fewer cells).
    ``stride`` defaults to ``kernel_size``; ``padding`` may be at most half the kernel size (torch
    rejects more).
    """
    sizes = pair(size, "size", 1)
    kernels = pair(kernel_size, "kernel_size", 1)
    strides = kernels if stride is None else pair(stride, "stride", 1)
    pads = pair(padding, "padding", 0)
    dilations = pair(dilation, "dilation", 1)
    out = []
    for n, k, s, p, d in zip(sizes, kernels, strides, pads, dilations):
        if p > k // 2:
            raise ValueError(f"padding: must be at most half the kernel size ({k} // 2 = {k // 2}), got {padding!r}")
        span = d * (k - 1) + 1
        numerator = n + 2 * p - span
        count = (-(-numerator // s) if ceil_mode else numerator // s) + 1
        if ceil_mode and (count - 1) * s >= n + p:
            count -= 1
        if count < 1:  # in ceil mode a window may run past the padded input, as long as it starts inside
            raise ValueError(
                f"kernel_size: the dilated kernel ({span}) is larger than the padded input ({n + 2 * p})"
            )
        out.append(count)
    return _same_form(out, size, kernel_size, stride, padding, dilation)


def conv_transpose_output_size(size: Size, kernel_size: Size, stride: Size = 1, padding: Size = 0,
                               output_padding: Size = 0, dilation: Size = 1) -> Size:
    """Output size of a transposed convolution (``torch.nn.ConvTranspose2d``), per dimension::

        out = (size - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1

    ``output_padding`` must be smaller than the stride or the dilation (torch's rule).
    """
    sizes = pair(size, "size", 1)
    kernels = pair(kernel_size, "kernel_size", 1)
    strides = pair(stride, "stride", 1)
    pads = pair(padding, "padding", 0)
    extras = pair(output_padding, "output_padding", 0)
    dilations = pair(dilation, "dilation", 1)
    out = []
    for n, k, s, p, e, d in zip(sizes, kernels, strides, pads, extras, dilations):
        if e >= s and e >= d:
            raise ValueError(
                f"output_padding: must be smaller than the stride or the dilation, got {output_padding!r} "
                f"(stride={stride!r}, dilation={dilation!r})"
            )
        value = (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        if value < 1:
            raise ValueError(f"padding: {padding!r} crops the whole output (size would be {value})")
        out.append(value)
    return _same_form(out, size, kernel_size, stride, padding, output_padding, dilation)


def same_padding(kernel_size: Size, dilation: Size = 1) -> tuple:
    """The ``(before, after)`` padding torch uses for ``padding='same'``, per dimension.

    The total is ``dilation*(kernel_size - 1)``; ``before = total // 2`` and the odd one out goes
    after (bottom / right). Returns ``(before, after)`` for ints, ``((top, bottom), (left, right))``
    for pairs.
    """
    kernels = pair(kernel_size, "kernel_size", 1)
    dilations = pair(dilation, "dilation", 1)
    out = []
    for k, d in zip(kernels, dilations):
        total = d * (k - 1)
        out.append((total // 2, total - total // 2))
    return _same_form(out, kernel_size, dilation)


def conv_params(in_channels: int, out_channels: int, kernel_size: Size, bias: bool = True, groups: int = 1) -> int:
    """Learnable parameters of a convolution layer::

        kh*kw * (in_channels/groups) * out_channels  (+ out_channels biases)
    """
    c_in, c_out, groups = _channels(in_channels, out_channels, groups)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    return kh * kw * (c_in // groups) * c_out + (c_out if bias else 0)


def depthwise_separable_params(in_channels: int, out_channels: int, kernel_size: Size, bias: bool = True) -> int:
    """Parameters of a depthwise separable convolution (MobileNet): a depthwise ``kh x kw`` convolution
    (one filter per input channel, ``groups = in_channels``) then a pointwise ``1 x 1`` one::

        kh*kw*in_channels (+ in_channels)  +  in_channels*out_channels (+ out_channels)
    """
    c_in, c_out, _ = _channels(in_channels, out_channels, 1)
    return conv_params(c_in, c_in, kernel_size, bias, groups=c_in) + conv_params(c_in, c_out, 1, bias)


def linear_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Parameters of a fully connected layer: ``in_features*out_features (+ out_features)``."""
    n_in = positive_int(in_features, "in_features")
    n_out = positive_int(out_features, "out_features")
    return n_in * n_out + (n_out if bias else 0)


def conv_macs(in_channels: int, out_channels: int, kernel_size: Size, output_size: Size, groups: int = 1) -> int:
    """Multiply-accumulates of one convolution over one sample (bias additions not counted)::

        out_channels*out_h*out_w  *  (in_channels/groups)*kh*kw

    ``output_size`` is the output's spatial size (an int for a square output).
    """
    c_in, c_out, groups = _channels(in_channels, out_channels, groups)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    oh, ow = pair(output_size, "output_size", 1)
    return c_out * oh * ow * (c_in // groups) * kh * kw


def linear_macs(in_features: int, out_features: int) -> int:
    """Multiply-accumulates of a fully connected layer on one sample: ``in_features*out_features``."""
    return positive_int(in_features, "in_features") * positive_int(out_features, "out_features")


def receptive_field(layers: Sequence[tuple]) -> Size:
    """Receptive field (in input pixels) of one output unit of a stack of layers.

    ``layers`` lists ``(kernel_size, stride)`` or ``(kernel_size, stride, dilation)`` from the input to
    the output (pooling layers count as layers). Starting from ``r = 1`` and ``jump = 1``::

        r += dilation*(kernel_size - 1) * jump;   jump *= stride

    Padding moves the field but does not change its size. An empty stack gives 1.
    """
    fields, jumps = [1, 1], [1, 1]
    as_pair = False
    for index, layer in enumerate(layers):
        name = f"layers[{index}]"
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(
                f"{name}: expected (kernel_size, stride) or (kernel_size, stride, dilation), got {layer!r}"
            )
        kernel_size, stride, dilation = (*layer, 1) if len(layer) == 2 else layer
        as_pair = as_pair or not all(_is_int(v) for v in (kernel_size, stride, dilation))
        kernels = pair(kernel_size, f"{name} kernel_size", 1)
        strides = pair(stride, f"{name} stride", 1)
        dilations = pair(dilation, f"{name} dilation", 1)
        for axis in (0, 1):
            fields[axis] += dilations[axis] * (kernels[axis] - 1) * jumps[axis]
            jumps[axis] *= strides[axis]
    return tuple(fields) if as_pair else fields[0]


def _padding(padding) -> tuple[int, int]:
    if padding == "valid":
        return 0, 0
    if isinstance(padding, str):
        raise ValueError(f"padding: expected an int, a pair, 'valid' or 'same', got {padding!r}")
    return pair(padding, "padding", 0)


def _channels(in_channels, out_channels, groups) -> tuple[int, int, int]:
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    groups = positive_int(groups, "groups")
    if c_in % groups:
        raise ValueError(f"groups: in_channels={c_in} is not divisible by groups={groups}")
    if c_out % groups:
        raise ValueError(f"groups: out_channels={c_out} is not divisible by groups={groups}")
    return c_in, c_out, groups


def _same_form(values: list, *arguments):
    """``values`` (one per dimension) as a pair if any argument was given as a pair, else one value."""
    if all(_is_int(a) or isinstance(a, str) or a is None for a in arguments):
        return values[0]
    return tuple(values)
