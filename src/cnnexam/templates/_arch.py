"""Layer stacks for the network templates (lenet-table, alexnet-shapes, vgg-params), and the filter that
keeps misconceptions recognisable in every network template.

Shapes are ``(C, H, W)`` for feature maps (PyTorch's order) and ``(n,)`` for vectors. Every size and
parameter count comes from ``cnnexam.solutions``' closed forms; :class:`Mistakes` switches on the slips
students make, so a misconception is the same computation with the slip in it. A stack that cannot be
built (a window larger than its input) raises ``ValueError``, as the formulas do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Union

from cnnexam.model import Misconception, Slot
from cnnexam.model.misconceptions import distinct
from cnnexam.solutions import (
    conv_output_size,
    conv_params,
    linear_params,
    pool_output_size,
)
from cnnexam.solutions.worked import (
    conv_params_steps,
    linear_params_steps,
    output_size_steps,
)

Shape = tuple[int, ...]

# The closed forms validate every argument; a variant evaluates the same few many times (once per
# misconception), so they are memoised.
_conv_size = lru_cache(maxsize=4096)(conv_output_size)
_pool_size = lru_cache(maxsize=4096)(pool_output_size)
_conv_params = lru_cache(maxsize=4096)(conv_params)
_linear_params = lru_cache(maxsize=4096)(linear_params)


@dataclass(frozen=True)
class Conv:
    """``torch.nn.Conv2d(C_in, out_channels, kernel_size, stride, padding, groups=groups)``."""

    name: str
    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    groups: int = 1


@dataclass(frozen=True)
class MaxPool:
    """``torch.nn.MaxPool2d(kernel_size, stride)``."""

    name: str
    kernel_size: int
    stride: int


@dataclass(frozen=True)
class Flatten:
    name: str = "FLATTEN"


@dataclass(frozen=True)
class Linear:
    """``torch.nn.Linear(in_features, out_features)``, on a flattened input."""

    name: str
    out_features: int


Layer = Union[Conv, MaxPool, Flatten, Linear]


@dataclass(frozen=True)
class Mistakes:
    """The slips a misconception makes; the default is the right computation."""

    no_bias: bool = False  # counted weights only
    one_bias: bool = False  # one bias per layer instead of one per filter or unit
    no_input_channels: bool = False  # a conv filter as k*k, not k*k*C_in
    ignore_groups: bool = False  # every filter sees all input channels
    pool_params: bool = False  # a pooling window as a learned k*k filter (plus bias) per channel
    ignore_padding: bool = False
    ceil_pool: bool = False  # rounded pooling sizes up
    skip_pool: bool = False  # pooling left the shape unchanged
    flatten_spatial: bool = False  # flattened to H*W values, forgetting the channels
    size_spatial: bool = False  # an activation's size as H*W


RIGHT = Mistakes()


def out_shape(layer: Layer, shape: Shape, m: Mistakes = RIGHT) -> Shape:
    """The shape ``layer`` produces from ``shape``."""
    if isinstance(layer, Conv):
        padding = 0 if m.ignore_padding else layer.padding
        size = _conv_size(shape[1], layer.kernel_size, layer.stride, padding)
        return (layer.out_channels, size, size)
    if isinstance(layer, MaxPool):
        if m.skip_pool:
            return shape
        size = _pool_size(shape[1], layer.kernel_size, layer.stride, ceil_mode=m.ceil_pool)
        return (shape[0], size, size)
    if isinstance(layer, Flatten):
        return (shape[1] * shape[2],) if m.flatten_spatial else (math.prod(shape),)
    return (layer.out_features,)


def params(layer: Layer, shape: Shape, m: Mistakes = RIGHT) -> int:
    """Learned parameters of ``layer`` applied to an input of ``shape``."""
    bias = not (m.no_bias or m.one_bias)
    extra = int(m.one_bias)
    if isinstance(layer, Conv):
        c_in = 1 if m.no_input_channels else shape[0]
        groups = 1 if m.ignore_groups or m.no_input_channels else layer.groups
        return _conv_params(c_in, layer.out_channels, layer.kernel_size, bias, groups) + extra
    if isinstance(layer, Linear):
        return _linear_params(shape[0], layer.out_features, bias) + extra
    if isinstance(layer, MaxPool) and m.pool_params:
        return _conv_params(shape[0], shape[0], layer.kernel_size, True, shape[0])
    return 0


def size(shape: Shape, m: Mistakes = RIGHT) -> int:
    """Number of values in an activation of ``shape``."""
    return shape[1] * shape[2] if m.size_spatial and len(shape) == 3 else math.prod(shape)


@dataclass(frozen=True)
class Row:
    layer: Layer
    input: Shape
    output: Shape
    size: int
    params: int


@lru_cache(maxsize=1024)
def trace(input_shape: Shape, layers: tuple[Layer, ...], m: Mistakes = RIGHT) -> Mapping[str, Row]:
    """Each layer's input and output shape, activation size and parameters, by layer name (cached: a
    variant traces the same stack for its key, question, solution and misconceptions)."""
    rows, shape = {}, tuple(input_shape)
    for layer in layers:
        out = out_shape(layer, shape, m)
        rows[layer.name] = Row(layer, shape, out, size(out, m), params(layer, shape, m))
        shape = out
    return MappingProxyType(rows)


def shape_text(shape: Shape) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(v) for v in shape) + ")"


def join_names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def channels_last(shape: Shape) -> Shape:
    """A (C, H, W) shape written in the (H, W, C) order some slides use."""
    return (*shape[1:], shape[0]) if len(shape) == 3 else shape


def describe(layer: Layer) -> str:
    """The layer's hyperparameters as an exam states them."""
    if isinstance(layer, Conv):
        k = layer.kernel_size
        text = f"{layer.out_channels} filters {k}x{k}, stride {layer.stride}, padding {layer.padding}"
        return text + (f", groups {layer.groups}" if layer.groups > 1 else "")
    if isinstance(layer, MaxPool):
        return f"max-pool {layer.kernel_size}x{layer.kernel_size}, stride {layer.stride}"
    if isinstance(layer, Flatten):
        return "flatten to a vector"
    return f"fully connected, {layer.out_features} units"


def layer_json(layer: Layer) -> dict:
    """The layer as torch.nn constructor arguments."""
    if isinstance(layer, Conv):
        return {"name": layer.name, "type": "Conv2d", "out_channels": layer.out_channels,
                "kernel_size": layer.kernel_size, "stride": layer.stride, "padding": layer.padding,
                "groups": layer.groups}
    if isinstance(layer, MaxPool):
        return {"name": layer.name, "type": "MaxPool2d", "kernel_size": layer.kernel_size, "stride": layer.stride}
    if isinstance(layer, Flatten):
        return {"name": layer.name, "type": "Flatten"}
    return {"name": layer.name, "type": "Linear", "out_features": layer.out_features}


def explain(row: Row) -> list[str]:
    """The worked arithmetic of one layer: output size, and parameters where it has any."""
    layer, out = row.layer, row.output
    if isinstance(layer, Flatten):
        return [f"{layer.name}: {' * '.join(map(str, row.input))} = {row.size} values"]
    if isinstance(layer, Linear):
        formula = linear_params_steps(row.input[0], layer.out_features).text()
        return [f"{layer.name}: output ({layer.out_features},), parameters = {formula}"]
    kind, padding = ("conv", layer.padding) if isinstance(layer, Conv) else ("pool", 0)
    (step,) = output_size_steps(kind, row.input[1], layer.kernel_size, layer.stride, padding)
    lines = [f"{layer.name}: height = width = {step.text()}, output {shape_text(out)}, "
             f"size {' * '.join(map(str, out))} = {row.size}"]
    if isinstance(layer, Conv):
        formula = conv_params_steps(row.input[0], layer.out_channels, layer.kernel_size, True, layer.groups)
        lines.append(f"{layer.name} parameters = {formula.text()}")
    else:
        lines.append(f"{layer.name} parameters = 0 (pooling has nothing to learn)")
    return lines


def keep_recognisable(slots: Iterable[Slot], key: Mapping[str, Any],
                      candidates: Iterable[tuple[str, str, str, Mapping[str, Any]]]) -> tuple[Misconception, ...]:
    """Misconceptions from ``(name, description, fix, answers)`` tuples, kept as :func:`distinct` keeps them."""
    return distinct(slots, key, (Misconception(*candidate) for candidate in candidates))
