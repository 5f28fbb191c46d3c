"""Convolution of a multi-channel input with one or several filters (the slides' RGB 6x6x3 * 3x3x3 -> 4x4).

Each filter has one kernel per input channel; its output is the sum over the channels of the per-channel
cross-correlations, plus the filter's bias, so one filter gives one output channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnexam.model import HIDDEN_SIZE_WEIGHT, Steps, AnswerBox, ArrayAnswer, Math, Matrix, Misconception, Params, ShapeAnswer, Slot, Template, Tensor, Text
from cnnexam.model.numbers import freeze, to_jsonable
from cnnexam.solutions import conv2d, conv_output_size, convolve2d
from cnnexam.solutions.worked import conv2d_steps

from cnnexam.model.misconceptions import distinct

# difficulty -> channels, filters, input sizes, kernel sizes, strides, paddings, bias?; hand work is
# bounded by the number of products (filters * output cells * channels * kernel cells).
LEVELS = {
    "easy": dict(channels=2, filters=1, sizes=(3, 4), kernels=(2,), strides=(1,), paddings=(0,), bias=False),
    "medium": dict(channels=3, filters=1, sizes=(4,), kernels=(2, 3), strides=(1,), paddings=(0,), bias=True),
    "hard": dict(channels=3, filters=2, sizes=(3, 4, 5), kernels=(2, 3), strides=(1, 2), paddings=(0, 1), bias=True),
}
MAX_PRODUCTS = 216
RGB = ("R", "G", "B")


@dataclass(frozen=True)
class MultiChannelParams(Params):
    input: tuple  # (C, H, W)
    weight: tuple  # (filters, C, k, k)
    bias: tuple[int, ...] | None  # one per filter
    stride: int
    padding: int

    def to_json(self) -> dict:
        # torch.nn.functional.conv2d's arguments: (N, C, H, W) input, (C_out, C_in, kH, kW) weight.
        return {"input": [to_jsonable(self.input)], "weight": to_jsonable(self.weight),
                "bias": None if self.bias is None else list(self.bias), "stride": self.stride, "padding": self.padding}

    def engine_args(self, **changes) -> dict:
        args = dict(input=np.array(self.input), weight=np.array(self.weight),
                    bias=None if self.bias is None else np.array(self.bias), stride=self.stride, padding=self.padding)
        args.update(changes)
        return args


def as_answer(out):
    """A (filters, H', W') result as the answer: a matrix when there is one filter."""
    return freeze(out[0] if len(out) == 1 else out)


def channel_name(c: int, channels: int, capital: bool = False) -> str:
    return ("Channel" if capital else "channel") + f" {c + 1}" + (f" ({RGB[c]})" if channels == 3 else "")


def channel_tag(c: int, channels: int) -> str:
    """Short name of one channel's partial result in the worked solution: R, G, B or C1, C2."""
    return RGB[c] if channels == 3 else f"C{c + 1}"


class Conv2dMultichannel(Template):
    id = "conv2d-multichannel"
    title = "Convolution of a multi-channel input with several filters"
    topic = "convolution"
    version = 1
    answer_kinds = ("shape", "array")
    summary = "Convolve a 2- or 3-channel input with one or two filters (bias, stride, padding): shape and values."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        c, f = level["channels"], level["filters"]
        while True:
            n, k = int(rng.choice(level["sizes"])), int(rng.choice(level["kernels"]))
            s, p = int(rng.choice(level["strides"])), int(rng.choice(level["paddings"]))
            if difficulty == "hard" and (s, p) == (1, 0) or n + 2 * p < k:
                continue
            out = conv_output_size(n, k, s, p)
            if 2 <= out <= 3 and f * out * out * c * k * k <= MAX_PRODUCTS:
                break
        bias = tuple(int(v) for v in rng.choice([-3, -2, -1, 1, 2, 3], size=f)) if level["bias"] else None
        return MultiChannelParams(input=freeze(rng.integers(0, 4, size=(c, n, n))),
                                  weight=freeze(rng.integers(-1, 3, size=(f, c, k, k))),
                                  bias=bias, stride=s, padding=p)

    def solve(self, params):
        out = conv2d(**params.engine_args())
        return {"shape": out.shape, "output": as_answer(out)}

    def slots(self, params):
        f = len(params.weight)
        o = conv_output_size(len(params.input[0]), len(params.weight[0][0]), params.stride, params.padding)
        shape = (o, o) if f == 1 else (f, o, o)
        return (Slot("shape", ShapeAnswer(ndim=3), 1, "output shape (channels, height, width)"),
                Slot("output", ArrayAnswer(shape=shape, element="fraction", shape_given=False),
                     HIDDEN_SIZE_WEIGHT, "output values"))

    def question(self, params):
        c, f, n, k = len(params.input), len(params.weight), len(params.input[0]), len(params.weight[0][0])
        input_block = Tensor(f"Input X ({c} channels, {n}x{n} each)" + (", an RGB image" if c == 3 else ""),
                             tuple(Matrix(channel_name(i, c, True), params.input[i]) for i in range(c)))
        filters = tuple(Tensor(f"Filter {o + 1} ({k}x{k}x{c})", tuple(
            Matrix(f"Filter {o + 1}, {channel_name(i, c)}", params.weight[o][i]) for i in range(c)))
            for o in range(f))
        if params.bias is None:
            bias = "no bias"
        else:
            bias = ", ".join(f"filter {o + 1} bias $b_{o + 1} = {b}$" for o, b in enumerate(params.bias))
        settings = f"stride {params.stride}, zero padding {params.padding}, {bias}"
        how = ("the single output channel as one matrix" if f == 1
               else f"a list of {f} matrices, one output channel per filter, in filter order")
        return (
            Text(f"A convolutional layer with {f} filter{'s' if f > 1 else ''} is applied to a {c}-channel input. "
                 "As in `torch.nn.functional.conv2d`, each channel is cross-correlated with the filter's kernel "
                 "for that channel (no flipping)."),
            input_block, *filters,
            Text(f"Settings: {settings}."),
            Text("(a) What is the shape of the layer's output, as (channels, height, width)?"),
            AnswerBox("shape"),
            Text(f"(b) Compute the output values: give {how}."),
            AnswerBox("output"),
        )

    def solution(self, params, answers):
        c, f = len(params.input), len(params.weight)
        n, k, s, p = len(params.input[0]), len(params.weight[0][0]), params.stride, params.padding
        o = answers["shape"][-1]
        blocks = [
            Text(f"Each filter spans all {c} input channels and gives one output channel, so the output has "
                 f"{f} channel{'s' if f > 1 else ''}. Height and width: $o = \\lfloor (n + 2p - k)/s \\rfloor + 1$."),
            Math(f"o = \\lfloor ({n} + 2 \\cdot {p} - {k})/{s} \\rfloor + 1 = {o}"),
            Text(f"Output shape: ({f}, {o}, {o})."),
        ]
        x = np.array(params.input)
        if p:
            padded = np.pad(x, ((0, 0), (p, p), (p, p)))
            blocks.append(Tensor(f"Input with zero padding {p}", tuple(
                Matrix(channel_name(i, c, True), freeze(padded[i])) for i in range(c))))
        out = np.array(answers["output"], dtype=np.int64).reshape(f, o, o)
        for j in range(f):
            maps = []
            for i in range(c):
                steps = conv2d_steps(x[i], np.array(params.weight[j][i]), stride=s, padding=p)
                tag = channel_tag(i, c)
                blocks.append(Text(f"Filter {j + 1}, {channel_name(i, c)}: partial result {tag}"))
                blocks.append(Steps("\n".join(f"{tag}[{','.join(map(str, step.position))}] = {step.expression()} = {step.value}"
                                             for step in steps)))
                maps.append(np.array([step.value for step in steps]).reshape(o, o))
            bias = 0 if params.bias is None else params.bias[j]
            lines = []
            for (r, q), value in np.ndenumerate(out[j]):
                parts = [f"({m[r, q]})" if m[r, q] < 0 else str(m[r, q]) for m in maps]
                if params.bias is not None:
                    parts.append(f"({bias})" if bias < 0 else str(bias))
                where = f"{r},{q}" if f == 1 else f"{j},{r},{q}"
                lines.append(f"out[{where}] = " + " + ".join(parts) + f" = {value}")
            blocks.append(Text(f"Filter {j + 1}: add the {c} channel results" + (f" and the bias {bias}:" if params.bias else ":")))
            blocks.append(Steps("\n".join(lines)))
            blocks.append(Matrix(f"Output channel {j + 1} (filter {j + 1})", freeze(out[j])))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        c = len(params.input)
        x, w = np.array(params.input), np.array(params.weight)
        sums = conv2d(**params.engine_args(bias=None))
        bias = np.zeros(len(w), dtype=np.int64) if params.bias is None else np.array(params.bias)
        averaged = [[[Fraction(int(v), c) + int(bias[j]) for v in row] for row in sums[j]] for j in range(len(w))]
        found = [
            Misconception("first-channel-only", "convolved only the first input channel",
                          f"A filter has one kernel per input channel: cross-correlate all {c} channels and add the results.",
                          {"output": as_answer(conv2d(**params.engine_args(input=x[:1], weight=w[:, :1])))}),
            Misconception("forgot-bias", "summed the channels but forgot to add the bias",
                          "Add the filter's bias once to every cell of its output channel.", {"output": as_answer(sums)}),
            Misconception("averaged-channels", "averaged the channel results instead of adding them",
                          "The channel results are summed (not averaged) before the bias is added.",
                          {"output": as_answer(averaged)}),
            Misconception("kernel-flipped", "flipped the kernels (computed the true convolution)",
                          "CNN layers compute a cross-correlation: multiply each window by the kernel as it is, "
                          "without flipping it.", {"output": as_answer(convolve2d(**params.engine_args()))}),
            Misconception("kept-input-channels", "gave one output channel per input channel",
                          "Each filter sums over all input channels, so the number of output channels is the number "
                          "of filters.", {"shape": conv2d(x, np.ascontiguousarray(w[0][:, None]), stride=params.stride,
                                                          padding=params.padding, groups=c).shape}),
        ]
        changes = []
        if params.padding:
            changes.append(("ignored-padding", "ignored the zero padding",
                            "Surround every channel with the stated number of rows and columns of zeros first.",
                            dict(padding=0)))
        if params.stride > 1:
            changes.append(("ignored-stride", "moved the kernel one cell at a time instead of by the stride",
                            "Move the window by the stride, both across and down.", dict(stride=1)))
        for name, description, fix, change in changes:
            try:
                out = conv2d(**params.engine_args(**change))
            except ValueError:
                continue  # the mistake makes the layer impossible: no student answer to recognise
            found.append(Misconception(name, description, fix, {"shape": out.shape, "output": as_answer(out)}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        x, w = np.array(params.input), np.array(params.weight)
        if not x.reshape(len(x), -1).any(axis=1).all() or not w.reshape(-1, w[0, 0].size).any(axis=1).all():
            return "an all-zero input channel or kernel"
        out = np.array(answers["output"], dtype=np.int64).reshape(len(w), -1)
        if any(len(np.unique(row)) < max(2, row.size // 2) for row in out):
            return "an output channel with too few distinct values"
        return None


TEMPLATE = Conv2dMultichannel()
