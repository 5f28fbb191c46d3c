"""Output shape and values of a transposed convolution of a tiny input (torch's conv_transpose2d).

Every input cell scatters ``cell * kernel`` into the output at ``stride`` steps, overlapping contributions
add up, and ``padding`` crops that many rows and columns from each border of the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import HIDDEN_SIZE_WEIGHT, Steps, AnswerBox, ArrayAnswer, Matrix, Misconception, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d, conv_output_size, conv_transpose2d, conv_transpose_output_size
from cnnexam.solutions.worked import conv_transpose2d_scatter, conv_transpose2d_steps, output_size_steps

from cnnexam.model.misconceptions import distinct

# difficulty -> input sizes, kernel sizes, strides, paddings, input values (zero excluded)
LEVELS = {
    "easy": dict(sizes=(2,), kernels=(2,), strides=(1, 2), paddings=(0,), values=(1, 2, 3)),
    "medium": dict(sizes=(2, 3), kernels=(2, 3), strides=(1, 2), paddings=(0,), values=(1, 2, 3)),
    "hard": dict(sizes=(2, 3), kernels=(2, 3), strides=(1, 2), paddings=(1,), values=(-2, -1, 1, 2, 3)),
}
# Outputs of 3 to 5 cells per side: big enough that overlaps and cropping show.
MIN_OUTPUT, MAX_OUTPUT = 3, 5


@dataclass(frozen=True)
class ConvTransposeParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    stride: int
    padding: int

    def to_json(self) -> dict:
        # torch.nn.functional.conv_transpose2d's arguments: (N, C_in, H, W) input, (C_in, C_out, kH, kW) weight.
        return {"input": [[list(map(list, self.input))]], "weight": [[list(map(list, self.weight))]],
                "bias": None, "stride": self.stride, "padding": self.padding, "output_padding": 0}

    def engine_args(self, **changes) -> dict:
        args = dict(input=np.array(self.input), weight=np.array(self.weight), stride=self.stride, padding=self.padding)
        args.update(changes)
        return args


class ConvTransposeOutput(Template):
    id = "conv-transpose-output"
    title = "Output of a transposed convolution"
    topic = "convolution"
    version = 1
    answer_kinds = ("shape", "array")
    summary = "Shape and values of a transposed convolution (stride, padding) of a 2x2 or 3x3 input, by scattering."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            n, k = int(rng.choice(level["sizes"])), int(rng.choice(level["kernels"]))
            s, p = int(rng.choice(level["strides"])), int(rng.choice(level["paddings"]))
            if MIN_OUTPUT <= (n - 1) * s - 2 * p + k <= MAX_OUTPUT:
                break
        return ConvTransposeParams(input=freeze(rng.choice(level["values"], size=(n, n))),
                                   weight=freeze(rng.integers(-1, 3, size=(k, k))), stride=s, padding=p)

    def solve(self, params):
        out = conv_transpose2d(**params.engine_args())
        return {"shape": out.shape, "output": freeze(out)}

    def slots(self, params):
        o = conv_transpose_output_size(len(params.input), len(params.weight), params.stride, params.padding)
        return (Slot("shape", ShapeAnswer(ndim=2), 1, "output height and width"),
                Slot("output", ArrayAnswer(shape=(o, o), shape_given=False), HIDDEN_SIZE_WEIGHT,
                     "output matrix"))

    def question(self, params):
        n, k = len(params.input), len(params.weight)
        return (
            Text("A transposed convolution (`torch.nn.functional.conv_transpose2d`, one input and one output "
                 f"channel, no bias) is applied with stride {params.stride} and padding {params.padding}."),
            Matrix(f"Input X ({n}x{n})", params.input),
            Matrix(f"Kernel W ({k}x{k})", params.weight),
            Text("(a) What are the height and width of the output?"),
            AnswerBox("shape"),
            Text("(b) Compute the output."),
            AnswerBox("output"),
        )

    def solution(self, params, answers):
        n, k, s, p = len(params.input), len(params.weight), params.stride, params.padding
        (size,) = output_size_steps("transpose", n, k, s, p)
        args = params.engine_args()
        blocks = [
            Text("Output size per dimension: $o = (n - 1)s - 2p + d(k - 1) + 1$ (here dilation $d = 1$ and no "
                 "output padding, so $o = (n - 1)s - 2p + k$):"),
            Steps(size.text()),
            Text(f"Each input cell adds (cell x kernel) to the output, shifted by the stride: input cell (i, j) "
                 f"writes kernel tap (a, b) to output (i*{s} + a" + (f" - {p}" if p else "") + f", j*{s} + b"
                 + (f" - {p}" if p else "") + ")" + (f"; the padding {p} crops {p} row(s) and column(s) from "
                 "every border, so taps landing there are dropped." if p else ".")),
            Steps("\n".join(step.text() for step in conv_transpose2d_scatter(**args))),
            Text("Adding what lands on each output cell:"),
            Steps("\n".join(step.text() for step in conv_transpose2d_steps(**args))),
            Matrix(f"Output ({size.value}x{size.value})", answers["output"]),
        ]
        return tuple(blocks)

    def misconceptions(self, params, answers):
        n, k, s, p = len(params.input), len(params.weight), params.stride, params.padding
        found = []
        if n + 2 * p >= k:
            o = conv_output_size(n, k, s, p)
            found.append(Misconception(
                "used-conv-formula", "used the output-size formula of an ordinary convolution",
                "A transposed convolution enlarges: o = (n - 1)s - 2p + k, not floor((n + 2p - k)/s) + 1.",
                {"shape": (o, o)}))
        last = np.zeros(answers["shape"], dtype=np.int64)
        for step in conv_transpose2d_scatter(**params.engine_args()):
            for where, w in step.targets:
                last[where] = step.value * w
        found.append(Misconception(
            "overwrote-overlaps", "kept the last value written to a cell instead of adding the overlaps",
            "Where scattered kernels overlap, the contributions add up.", {"output": freeze(last)}))
        if p:
            out = conv_transpose2d(**params.engine_args(padding=0))
            found.append(Misconception(
                "ignored-padding", "ignored the padding (did not crop the borders)",
                f"In a transposed convolution, padding {p} removes {p} row(s) and column(s) from each border.",
                {"shape": out.shape, "output": freeze(out)}))
        if s > 1:
            out = conv_transpose2d(**params.engine_args(stride=1))
            found.append(Misconception(
                "ignored-stride", "placed the scattered kernels one cell apart instead of stride cells apart",
                f"Input cell (i, j) writes its kernel copy starting at (i*{s}, j*{s}).",
                {"shape": out.shape, "output": freeze(out)}))
        if k - 1 - p >= 0:
            spread = np.zeros(((n - 1) * s + 1,) * 2, dtype=np.int64)
            spread[::s, ::s] = params.input
            out = conv2d(spread, np.array(params.weight), padding=k - 1 - p)
            found.append(Misconception(
                "kernel-not-flipped", "slid the kernel over the zero-padded input without rotating it",
                "As an ordinary convolution, a transposed convolution uses the kernel rotated by 180 degrees; "
                "scattering (input cell x kernel) avoids the question.", {"output": freeze(out)}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        out = np.array(answers["output"])
        if not out.any():
            return "all-zero output"
        if len(np.unique(out)) < max(3, out.size // 3):
            return "too few distinct output values"
        return None


TEMPLATE = ConvTransposeOutput()
