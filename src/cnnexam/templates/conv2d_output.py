"""Output of a single-channel 2-D convolution (cross-correlation) with stride, padding, dilation and bias.

This file is the model for a new template: params as a frozen dataclass named like torch's arguments,
``generate`` samples pleasant numbers, ``solve`` calls the engine, the question and the worked solution are
blocks, and each misconception is the engine called with the student's mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (
    HIDDEN_SIZE_WEIGHT,
    AnswerBox,
    ArrayAnswer,
    Math,
    Matrix,
    Misconception,
    Params,
    ShapeAnswer,
    Slot,
    Steps,
    Template,
    Text,
)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d, conv_output_size, convolve2d
from cnnexam.solutions.worked import conv2d_steps

from ._conv_helpers import WHOLE_WINDOWS

# difficulty -> (input sizes, kernel sizes, strides, paddings, dilations, value range, kernel range, bias?)
LEVELS = {
    "easy": dict(sizes=(4, 5), kernels=(2, 3), strides=(1,), paddings=(0,), dilations=(1,),
                 values=(0, 3), weights=(-1, 2), bias=False),
    "medium": dict(sizes=(5, 6), kernels=(3,), strides=(1, 2), paddings=(0, 1), dilations=(1,),
                   values=(-2, 3), weights=(-1, 2), bias=True),
    "hard": dict(sizes=(6, 7), kernels=(2, 3), strides=(1, 2), paddings=(0, 1), dilations=(1, 2),
                 values=(-3, 3), weights=(-2, 2), bias=True),
}


@dataclass(frozen=True)
class Conv2dParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    bias: int | None
    stride: int
    padding: int
    dilation: int

    def to_json(self) -> dict:
        # Exactly torch.nn.functional.conv2d's arguments: (N, C, H, W) input, (C_out, C_in, kH, kW) weight.
        return {"input": [[list(map(list, self.input))]], "weight": [[list(map(list, self.weight))]],
                "bias": None if self.bias is None else [self.bias], "stride": self.stride,
                "padding": self.padding, "dilation": self.dilation}

    def engine_args(self, **changes) -> dict:
        args = dict(input=np.array(self.input), weight=np.array(self.weight),
                    bias=None if self.bias is None else np.array([self.bias]), stride=self.stride,
                    padding=self.padding, dilation=self.dilation)
        args.update(changes)
        return args


class Conv2dOutput(Template):
    id = "conv2d-output"
    title = "Output of a 2-D convolution"
    topic = "convolution"
    version = 1
    answer_kinds = ("shape", "array")
    summary = "Slide a kernel over a small image (stride, zero padding, dilation, bias) and compute the output."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            size = int(rng.choice(level["sizes"]))
            k = int(rng.choice(level["kernels"]))
            stride, padding = int(rng.choice(level["strides"])), int(rng.choice(level["paddings"]))
            dilation = int(rng.choice(level["dilations"]))
            out = conv_output_size(size + 2 * padding, k, stride, 0, dilation) if size + 2 * padding >= dilation * (k - 1) + 1 else 0
            if 2 <= out <= 5:
                break
        lo, hi = level["values"]
        wlo, whi = level["weights"]
        bias = int(rng.integers(-3, 4)) if level["bias"] and rng.random() < 0.7 else None
        return Conv2dParams(
            input=freeze(rng.integers(lo, hi + 1, size=(size, size))),
            weight=freeze(rng.integers(wlo, whi + 1, size=(k, k))),
            bias=None if bias == 0 else bias, stride=stride, padding=padding, dilation=dilation)

    def solve(self, params):
        out = conv2d(**params.engine_args())
        return {"shape": out.shape, "output": freeze(out)}

    def slots(self, params):
        out_shape = self._shape(params)
        return (Slot("shape", ShapeAnswer(ndim=2), 1, "output height and width"),
                Slot("output", ArrayAnswer(shape=out_shape, element="integer", shape_given=False),
                     HIDDEN_SIZE_WEIGHT, "output matrix"))

    def _shape(self, params) -> tuple[int, int]:
        n, k = len(params.input), len(params.weight)
        o = conv_output_size(n, k, params.stride, params.padding, params.dilation)
        return (o, o)

    def question(self, params):
        n, k = len(params.input), len(params.weight)
        settings = [f"stride {params.stride}", f"zero padding {params.padding}", f"dilation {params.dilation}"]
        settings.append(f"bias $b = {params.bias}$" if params.bias is not None else "no bias")
        return (
            Text("A convolutional layer with one input channel and one filter computes a cross-correlation "
                 "(as `torch.nn.functional.conv2d` does: the kernel is not flipped)."),
            Matrix(f"Input X ({n}x{n})", params.input),
            Matrix(f"Kernel W ({k}x{k})", params.weight),
            Text("Settings: " + ", ".join(settings) + "."),
            *((Text(WHOLE_WINDOWS),) if params.stride > 1 else ()),
            Text("(a) What are the height and width of the output?"),
            AnswerBox("shape"),
            Text("(b) Compute the output."),
            AnswerBox("output"),
        )

    def solution(self, params, answers):
        n, k = len(params.input), len(params.weight)
        p, s, d = params.padding, params.stride, params.dilation
        o = answers["shape"][0]
        blocks = [
            Text("Output size per dimension: $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$."),
            Math(f"o = \\lfloor ({n} + 2 \\cdot {p} - {d} \\cdot ({k}-1) - 1)/{s} \\rfloor + 1 = {o}"),
        ]
        if p:
            padded = np.pad(np.array(params.input), p)
            blocks.append(Matrix(f"Input with zero padding {p} ({n + 2 * p}x{n + 2 * p})", freeze(padded)))
        blocks.append(Text("Each output cell is the sum of the window's products with the kernel"
                           + (" plus the bias:" if params.bias is not None else ":")))
        args = params.engine_args()
        steps = conv2d_steps(**args)
        blocks.append(Steps("\n".join(step.text() for step in steps)))
        blocks.append(Matrix(f"Output ({o}x{o})", answers["output"]))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = []

        def add(name, description, fix, **changes):
            try:
                out = conv2d(**params.engine_args(**changes)) if name != "kernel-flipped" else convolve2d(**params.engine_args())
            except ValueError:
                return  # the mistake makes the layer impossible: no student answer to recognise
            found.append(Misconception(name, description, fix, {"shape": out.shape, "output": freeze(out)}))

        add("kernel-flipped", "flipped the kernel (computed the true convolution)",
            "CNN layers compute a cross-correlation: multiply each window by the kernel as it is, without flipping it.")
        if params.bias is not None:
            add("forgot-bias", "forgot to add the bias", "Add the bias once to every output cell.", bias=None)
        if params.padding:
            add("ignored-padding", "ignored the zero padding",
                "Surround the input with the stated number of rows and columns of zeros before sliding the kernel.",
                padding=0)
        if params.stride > 1:
            add("ignored-stride", "moved the kernel one cell at a time instead of by the stride",
                "Move the window by the stride, both across and down.", stride=1)
        if params.dilation > 1:
            add("ignored-dilation", "ignored the dilation (used adjacent cells)",
                "With dilation d the kernel taps are d cells apart: the window spans d(k-1)+1 cells.", dilation=1)
        return tuple(found)

    def degenerate(self, params, answers):
        out = np.array(answers["output"])
        if not out.any():
            return "all-zero output"
        if len(np.unique(out)) < max(2, out.size // 2):
            return "too few distinct output values"
        return None


TEMPLATE = Conv2dOutput()
