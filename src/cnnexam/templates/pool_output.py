"""Output of max or average pooling on a small single-channel image: non-overlapping windows (easy),
overlapping ones (medium: 2x2 stride 1 and f = 3, s = 1 as in the slides, 3x3 stride 2), zero padding
(hard). Averages are exact fractions.

Params carry ``function`` ("max_pool2d" or "avg_pool2d") and exactly that torch function's arguments
(``input`` as a (1, 1, H, W) nested list in the JSON, ``kernel_size``, ``stride``, ``padding``), so
``getattr(torch.nn.functional, function)(torch.tensor(input, dtype=torch.float64), kernel_size=...,
stride=..., padding=...)`` recomputes the key (avg_pool2d with its default count_include_pad=True).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (
    HIDDEN_SIZE_WEIGHT,
    AnswerBox, ArrayAnswer, Math, Matrix, Misconception, Params, ShapeAnswer, Slot, Steps, Template, Text)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import avg_pool2d_exact, max_pool2d, pool_output_size
from cnnexam.solutions.worked import avg_pool2d_steps, max_pool2d_steps
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import torch_image

from ._conv_helpers import WHOLE_WINDOWS

# difficulty -> (input size, kernel_size, stride, padding) configurations and the input value ranges: wider for
# max pooling (so that the maxima differ), single digits for average pooling (so that the sums stay small)
LEVELS = {
    "easy": dict(configs=((4, 2, 2, 0), (6, 2, 2, 0), (6, 3, 3, 0)), max=(0, 19), avg=(0, 9)),
    "medium": dict(configs=((4, 2, 1, 0), (5, 2, 1, 0), (5, 3, 1, 0), (5, 3, 2, 0), (7, 3, 2, 0)), max=(0, 19),
                   avg=(0, 9)),
    "hard": dict(configs=((4, 2, 2, 1), (5, 2, 2, 1), (5, 3, 2, 1), (4, 3, 1, 1), (3, 3, 1, 1), (6, 3, 2, 1)),
                 max=(-9, 19), avg=(-4, 9)),
}
FUNCTIONS = ("max_pool2d", "avg_pool2d")


@dataclass(frozen=True)
class PoolParams(Params):
    function: str  # "max_pool2d" or "avg_pool2d": the torch.nn.functional function to apply
    input: tuple[tuple[int, ...], ...]
    kernel_size: int
    stride: int
    padding: int

    def to_json(self) -> dict:
        return {"function": self.function, "input": torch_image(self.input), "kernel_size": self.kernel_size,
                "stride": self.stride, "padding": self.padding}

    @property
    def is_max(self) -> bool:
        return self.function == "max_pool2d"

    def pool(self, function: str | None = None, **changes) -> np.ndarray:
        """The engine's result for these params, with another function or changed arguments."""
        args = dict(input=np.array(self.input), kernel_size=self.kernel_size, stride=self.stride, padding=self.padding)
        args.update(changes)
        return (max_pool2d if (function or self.function) == "max_pool2d" else avg_pool2d_exact)(**args)


class PoolOutput(Template):
    id = "pool-output"
    title = "Output of max or average pooling"
    topic = "pooling"
    version = 1
    answer_kinds = ("shape", "array")
    summary = "Max or average pooling on a small image: overlapping windows, stride, padding, exact averages."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        n, k, s, p = level["configs"][rng.integers(len(level["configs"]))]
        function = str(rng.choice(FUNCTIONS))
        lo, hi = level["max" if function == "max_pool2d" else "avg"]
        return PoolParams(function=function, input=freeze(rng.integers(lo, hi + 1, size=(n, n))), kernel_size=int(k),
                          stride=int(s), padding=int(p))

    def solve(self, params):
        out = params.pool()
        return {"shape": out.shape, "output": freeze(out)}

    def slots(self, params):
        o = pool_output_size(len(params.input), params.kernel_size, params.stride, params.padding)
        # Fractions are read for max pooling too, so that an averaged answer is recognised as that mistake.
        return (Slot("shape", ShapeAnswer(ndim=2), 1, "output height and width"),
                Slot("output", ArrayAnswer(shape=(o, o), element="fraction", shape_given=False),
                     HIDDEN_SIZE_WEIGHT, "output matrix"))

    def question(self, params):
        n, k, s, p = len(params.input), params.kernel_size, params.stride, params.padding
        name = "max pooling" if params.is_max else "average pooling"
        call = f"torch.nn.functional.{params.function}(input, kernel_size={k}, stride={s}, padding={p})"
        padding = f"{'padding' if params.is_max else 'zero padding'} {p} on every side" if p else "no padding"
        blocks = [Text(f"Apply {name} with {k}x{k} windows, stride {s} and {padding}"
                       + f" to the single-channel input X below, as `{call}` computes it."),
                  Matrix(f"Input X ({n}x{n})", params.input)]
        if s > 1:
            blocks.append(Text(WHOLE_WINDOWS))
        if p and params.is_max:
            blocks.append(Text("As in PyTorch, the padding never wins a maximum (max pooling pads with minus "
                               "infinity)."))
        elif p:
            blocks.append(Text("As in PyTorch's default (count_include_pad=True), the padded zeros count: every window "
                               f"is divided by {k * k}, also where it overlaps the padding."))
        if not params.is_max:
            blocks.append(Text("Give the averages as exact fractions (e.g. 15/4), not as rounded decimals."))
        return (*blocks, Text("(a) What are the height and width of the output?"), AnswerBox("shape"),
                Text("(b) Compute the output."), AnswerBox("output"))

    def solution(self, params, answers):
        n, k, s, p = len(params.input), params.kernel_size, params.stride, params.padding
        o = answers["shape"][0]
        blocks = [Text("Output size per dimension: $o = \\lfloor (n + 2p - k)/s \\rfloor + 1$."),
                  Math(f"o = \\lfloor ({n} + 2 \\cdot {p} - {k})/{s} \\rfloor + 1 = {o}")]
        args = dict(input=np.array(params.input), kernel_size=k, stride=s, padding=p)
        if params.is_max:
            blocks.append(Text("Each output cell is the largest value of its window"
                               + (" (padded cells are left out):" if p else ":")))
            steps = max_pool2d_steps(**args)
        else:
            if p:
                padded = freeze(np.pad(args["input"], p))
                blocks.append(Matrix(f"Input with zero padding {p} ({n + 2 * p}x{n + 2 * p})", padded))
            blocks.append(Text(f"Each output cell is the sum of its window divided by {k}*{k} = {k * k}"
                               + (", the padded zeros included:" if p else ":")))
            steps = avg_pool2d_steps(**args)
        blocks.append(Steps("\n".join(step.text() for step in steps)))
        blocks.append(Matrix(f"Output ({o}x{o})", answers["output"]))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        k, s, p = params.kernel_size, params.stride, params.padding

        def made(name, description, fix, out):
            return Misconception(name, description, fix, {"shape": out.shape, "output": freeze(out)})

        if params.is_max:
            found = [made("averaged-instead-of-max", "took the average of each window instead of its maximum",
                          "Max pooling keeps the largest value of each window.", params.pool("avg_pool2d"))]
        else:
            found = [made("max-instead-of-average", "took the maximum of each window instead of its average",
                          "Average pooling adds the window's values and divides by the window size.",
                          params.pool("max_pool2d"))]
        if s > 1:
            found.append(made("stride-one-assumed", "slid the window one cell at a time instead of by the stride",
                              f"Move the window {s} cells at a time, across and down.", params.pool(stride=1)))
        if s < k:
            found.append(made("stride-equals-kernel", "moved the window by its full size (no overlap) instead of by "
                              f"the stride {s}", f"The stride is {s}: consecutive windows overlap by {k - s} cell(s).",
                              params.pool(stride=k)))
        if p:
            found.append(made("ignored-padding", "ignored the padding",
                              f"Add {p} row(s) and column(s) of padding on every side before sliding the window.",
                              params.pool(padding=0)))
            if params.is_max:
                padded = np.pad(np.array(params.input), p)
                found.append(made("padded-with-zeros", "padded with zeros, so a padded 0 won some maxima",
                                  "Max pooling pads with minus infinity: only input cells can be a window's maximum.",
                                  max_pool2d(padded, k, s)))
            else:
                found.append(made("excluded-padding", "divided by the number of input cells in each window "
                                  "(count_include_pad=False)", f"With count_include_pad=True (PyTorch's default) every "
                                  f"window is divided by {k * k}, padded zeros included.",
                                  params.pool(count_include_pad=False)))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        windows = np.lib.stride_tricks.sliding_window_view(np.array(params.input), (params.kernel_size,) * 2)
        flat = windows.reshape(*windows.shape[:2], -1)
        if (flat.min(axis=-1) == flat.max(axis=-1)).any():
            return "a window whose values are all equal"
        out = np.array(answers["output"], dtype=object)
        if len(set(out.ravel())) < max(2, out.size // 2):
            return "too few distinct output values"
        return None


TEMPLATE = PoolOutput()
