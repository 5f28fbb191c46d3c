"""Dilated (atrous) convolution: effective kernel size d(k-1)+1, output size and output values.

With dilation d the kernel taps are d cells apart (d - 1 skipped cells between neighbouring taps), so a
k x k kernel covers d(k-1)+1 cells per side; the arithmetic is ``conv2d(..., dilation=d)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (HIDDEN_SIZE_WEIGHT, Steps, AnswerBox, ArrayAnswer, IntegerAnswer, Matrix, Misconception, Params, ShapeAnswer,
                           Slot, Template, Text)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d, conv_output_size
from cnnexam.solutions.worked import conv2d_steps, output_size_steps

from cnnexam.model.misconceptions import distinct

from ._conv_helpers import WHOLE_WINDOWS

# difficulty -> (kernel size, dilation) pairs, input sizes, strides, paddings, input values
LEVELS = {
    "easy": dict(kernels=((2, 2),), sizes=(5, 6), strides=(1,), paddings=(0,), values=(0, 3)),
    "medium": dict(kernels=((2, 2), (2, 3), (3, 2)), sizes=(5, 6, 7), strides=(1,), paddings=(0,), values=(0, 4)),
    "hard": dict(kernels=((2, 3), (3, 2)), sizes=(5, 6, 7), strides=(1, 2), paddings=(0, 1), values=(-2, 3)),
}
# Outputs of 3 or 4 cells per side with at most MAX_PRODUCTS multiplications by hand.
OUTPUTS, MAX_PRODUCTS = (3, 4), 100


@dataclass(frozen=True)
class DilatedParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    stride: int
    padding: int
    dilation: int

    def to_json(self) -> dict:
        # torch.nn.functional.conv2d's arguments: (N, C, H, W) input, (C_out, C_in, kH, kW) weight.
        return {"input": [[list(map(list, self.input))]], "weight": [[list(map(list, self.weight))]], "bias": None,
                "stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def engine_args(self, **changes) -> dict:
        args = dict(input=np.array(self.input), weight=np.array(self.weight), stride=self.stride,
                    padding=self.padding, dilation=self.dilation)
        args.update(changes)
        return args


class DilatedConv(Template):
    id = "dilated-conv"
    title = "Dilated convolution"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer", "shape", "array")
    summary = "Effective kernel size d(k-1)+1, output size and output values of a dilated convolution."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            k, d = level["kernels"][int(rng.integers(len(level["kernels"])))]
            n, s, p = (int(rng.choice(level[key])) for key in ("sizes", "strides", "paddings"))
            if difficulty == "hard" and (s, p) == (1, 0) or n + 2 * p < d * (k - 1) + 1:
                continue
            o = conv_output_size(n, k, s, p, d)
            if o in OUTPUTS and o * o * k * k <= MAX_PRODUCTS:
                break
        lo, hi = level["values"]
        return DilatedParams(input=freeze(rng.integers(lo, hi + 1, size=(n, n))),
                             weight=freeze(rng.integers(-1, 3, size=(k, k))), stride=s, padding=p, dilation=d)

    def solve(self, params):
        k, d = len(params.weight), params.dilation
        out = conv2d(**params.engine_args())
        return {"span": d * (k - 1) + 1, "shape": out.shape, "output": freeze(out)}

    def slots(self, params):
        o = conv_output_size(len(params.input), len(params.weight), params.stride, params.padding, params.dilation)
        return (Slot("span", IntegerAnswer(), 1, "effective kernel size"),
                Slot("shape", ShapeAnswer(ndim=2), 1, "output height and width"),
                Slot("output", ArrayAnswer(shape=(o, o), shape_given=False), HIDDEN_SIZE_WEIGHT,
                     "output matrix"))

    def question(self, params):
        n, k = len(params.input), len(params.weight)
        return (
            Text(f"A dilated convolution (as `torch.nn.functional.conv2d` with `dilation={params.dilation}`: a "
                 "cross-correlation, no flipping, no bias) is applied with stride "
                 f"{params.stride} and zero padding {params.padding}."),
            Matrix(f"Input X ({n}x{n})", params.input),
            Matrix(f"Kernel W ({k}x{k})", params.weight),
            *((Text(WHOLE_WINDOWS),) if params.stride > 1 else ()),
            Text("(a) How many input cells per side does the dilated kernel span (its effective size)?"),
            AnswerBox("span"),
            Text("(b) What are the height and width of the output?"),
            AnswerBox("shape"),
            Text("(c) Compute the output."),
            AnswerBox("output"),
        )

    def solution(self, params, answers):
        n, k, s, p, d = len(params.input), len(params.weight), params.stride, params.padding, params.dilation
        span = answers["span"]
        spread = np.zeros((span, span), dtype=np.int64)
        spread[::d, ::d] = params.weight
        (size,) = output_size_steps("conv", n, k, s, p, d)
        blocks = [
            Text(f"With dilation {d} the taps are {d} cells apart ({d - 1} skipped between neighbours), so the "
                 f"kernel spans $d(k-1)+1 = {d} \\cdot ({k}-1) + 1 = {span}$ cells per side. It acts like this "
                 f"{span}x{span} kernel with zeros in the gaps:"),
            Matrix(f"Dilated kernel ({span}x{span})", freeze(spread)),
            Text("Output size: $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$:"),
            Steps(size.text()),
        ]
        if p:
            blocks.append(Matrix(f"Input with zero padding {p}", freeze(np.pad(np.array(params.input), p))))
        blocks += [Text("Each output cell multiplies the kernel with the input cells under its taps:"),
                   Steps("\n".join(step.text() for step in conv2d_steps(**params.engine_args()))),
                   Matrix(f"Output ({size.value}x{size.value})", answers["output"])]
        return tuple(blocks)

    def misconceptions(self, params, answers):
        n, k, s, p, d = len(params.input), len(params.weight), params.stride, params.padding, params.dilation
        found = []

        def add(name, description, fix, span, dilation=None):
            answers = {"span": span}
            if n + 2 * p >= span:
                o = conv_output_size(n, span, s, p)
                answers["shape"] = (o, o)
                if dilation is not None:
                    answers["output"] = freeze(conv2d(**params.engine_args(dilation=dilation)))
            found.append(Misconception(name, description, fix, answers))

        add("ignored-dilation", "ignored the dilation (used adjacent cells)",
            f"With dilation {d} the kernel taps are {d} cells apart.", k, dilation=1)
        add("span-d-times-k", "took the effective size as d*k",
            "The k taps have k - 1 gaps of d cells each: the span is d(k-1)+1.", d * k)
        add("gaps-of-d", f"left {d} empty cells between taps instead of {d - 1}",
            f"Dilation {d} puts taps {d} cells apart, which leaves {d - 1} skipped cells between them.",
            (d + 1) * (k - 1) + 1, dilation=d + 1)
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        out = np.array(answers["output"])
        if not out.any():
            return "all-zero output"
        if len(np.unique(out)) < max(2, out.size // 2):
            return "too few distinct output values"
        return None


TEMPLATE = DilatedConv()
