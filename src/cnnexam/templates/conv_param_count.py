"""Learnable parameters of a convolutional layer: with or without bias, 1x1, grouped, and a depthwise
separable block compared with the standard convolution it replaces.

Slides: 5x5x3 filters + 1 bias = 76, x10 filters = 760; 5x5x10 + 1 = 251, x16 = 4016; ten 3x3x3
filters = 280; 128 -> 256 channels with 3x3 kernels, no bias = 294,912; 3x3x128x64 = 73,728.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, Code, IntegerAnswer, Params, Slot, Template, Text
from cnnexam.solutions import conv_macs, conv_params, depthwise_separable_params
from cnnexam.solutions.worked import conv_params_steps, depthwise_separable_params_steps
from cnnexam.templates._layer_arith import Mistakes, shape_text

SMALL = (1, 3, 4, 6, 8, 10, 12, 16)
SMALL_OUT = (4, 6, 8, 10, 12, 16, 20, 32)
WIDE = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
# difficulty -> (kind, weight): 'standard' (groups=1, often 1x1 at medium), 'grouped' or 'separable'
KINDS = {"easy": (("standard", 1),), "medium": (("standard", 7), ("grouped", 3)),
         "hard": (("grouped", 2), ("separable", 3))}


@dataclass(frozen=True)
class ConvParamCountParams(Params):
    """``torch.nn.Conv2d``'s arguments (stride 1, padding 'same'); ``separable`` asks for a depthwise
    separable block (depthwise k x k with groups=in_channels, then pointwise 1x1) next to this layer."""

    in_channels: int
    out_channels: int
    kernel_size: int
    bias: bool
    groups: int
    separable: bool
    input_size: tuple[int, int]


class ConvParamCount(Template):
    id = "conv-param-count"
    title = "Parameters of a convolutional layer"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer",)
    summary = "Count weights and biases of a conv layer: bias or not, 1x1, grouped, depthwise separable vs standard."

    def generate(self, rng, difficulty):
        kinds, weights = zip(*KINDS[difficulty])
        kind = str(rng.choice(kinds, p=[w / sum(weights) for w in weights]))
        bias = bool(rng.random() < 0.7)
        size = int(rng.choice((8, 14, 16, 28, 32, 56, 64, 112, 224)))
        if difficulty == "easy":
            c_in, c_out = int(rng.choice(SMALL)), int(rng.choice(SMALL_OUT))
            k = int(rng.choice((1, 3, 3, 5, 5)))
            return ConvParamCountParams(c_in, c_out, k, bias, 1, False, (size, size))
        k = 1 if kind == "standard" and rng.random() < 0.3 else int(rng.choice((3, 5, 7)))
        c_in, c_out = int(rng.choice(WIDE)), int(rng.choice(WIDE))
        groups = 1
        if kind == "grouped":
            depthwise = difficulty == "hard" and rng.random() < 0.4
            # depthwise: one group per input channel, each with 1 or 2 filters
            groups = c_in if depthwise else int(rng.choice([g for g in (2, 4, 8) if c_in % g == 0 and c_out % g == 0]))
            c_out = c_in * int(rng.choice((1, 2))) if depthwise else c_out
        return ConvParamCountParams(c_in, c_out, k, bias, groups, kind == "separable", (size, size))

    def solve(self, params):
        standard = conv_params(params.in_channels, params.out_channels, params.kernel_size, params.bias, params.groups)
        if params.separable:
            separable = depthwise_separable_params(params.in_channels, params.out_channels, params.kernel_size,
                                                   params.bias)
            return {"separable": separable, "standard": standard}
        return {"params": standard}

    def slots(self, params):
        if params.separable:
            return (Slot("separable", IntegerAnswer(), 2, "parameters of the depthwise separable block"),
                    Slot("standard", IntegerAnswer(), 2, "parameters of the standard convolution"))
        return (Slot("params", IntegerAnswer(), 2, "learnable parameters"),)

    def question(self, params):
        c_in, c_out, k = params.in_channels, params.out_channels, params.kernel_size
        bias = "with a bias per filter" if params.bias else "without bias"
        shape = shape_text((c_in, *params.input_size))
        if params.separable:
            return (
                Text(f"An input of shape (C, H, W) = {shape} goes through a {k}x{k} convolution to {c_out} output "
                     "channels (stride 1, padding 'same'). MobileNet replaces such a layer by a depthwise separable "
                     f"block: a depthwise {k}x{k} convolution (one filter per input channel, groups = {c_in}) followed "
                     f"by a pointwise 1x1 convolution to {c_out} channels. Every convolution here "
                     f"{'has one bias per filter' if params.bias else 'has no bias'}."),
                Code(f"torch.nn.Conv2d({c_in}, {c_in}, kernel_size={k}, padding='same', groups={c_in}, "
                     f"bias={params.bias})\n"
                     f"torch.nn.Conv2d({c_in}, {c_out}, kernel_size=1, bias={params.bias})"),
                Text("(a) How many learnable parameters does the depthwise separable block have (both layers)?"),
                AnswerBox("separable"),
                Text(f"(b) How many does the standard {k}x{k} convolution have?"),
                AnswerBox("standard"),
            )
        grouped = f", in {params.groups} groups (groups={params.groups})" if params.groups > 1 else ""
        groups_arg = f", groups={params.groups}" if params.groups > 1 else ""
        return (
            Text(f"An input of shape (C, H, W) = {shape} goes through a convolutional layer with {c_out} output "
                 f"channels, {k}x{k} kernels, stride 1, padding 'same'{grouped}, {bias}."),
            Code(f"torch.nn.Conv2d({c_in}, {c_out}, kernel_size={k}, padding='same'{groups_arg}, bias={params.bias})"),
            Text("How many learnable parameters (weights and biases) does the layer have?"),
            AnswerBox("params"),
        )

    def solution(self, params, answers):
        c_in, c_out, k, g = params.in_channels, params.out_channels, params.kernel_size, params.groups
        standard = conv_params_steps(c_in, c_out, k, params.bias, g)
        bias = f" + {c_out} biases (one per filter)" if params.bias else " (no bias)"
        blocks = [Text("The weights are shared across positions, so the input's height and width do not matter.")]
        if params.separable:
            biases = (f" (+ {c_in} biases)", f" (+ {c_out} biases)") if params.bias else ("", "")
            block = depthwise_separable_params_steps(c_in, c_out, k, params.bias)
            blocks += [Text(f"Depthwise: {c_in} filters of {k}x{k}x1 (one per input channel){biases[0]}; "
                            f"pointwise: {c_out} filters of 1x1x{c_in}{biases[1]}."),
                       Steps(f"separable: {block.text()}")]
        if g > 1:
            blocks.append(Text(f"With {g} groups each filter sees only {c_in}/{g} = {c_in // g} input channels: "
                               f"{c_out} filters of {k}x{k}x{c_in // g}{bias}."))
        else:
            blocks.append(Text(f"{'Standard convolution: ' if params.separable else ''}{c_out} filters of "
                               f"{k}x{k}x{c_in} weights{bias}."))
        if params.separable:
            blocks += [Steps(f"standard: {standard.text()}"),
                       Text(f"The separable block needs {answers['separable']} parameters instead of "
                            f"{answers['standard']}.")]
        else:
            blocks += [Steps(standard.text()), Text(f"Answer: {answers['params']} parameters.")]
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        c_in, c_out, k, g = params.in_channels, params.out_channels, params.kernel_size, params.groups
        bias = params.bias
        if params.separable:
            if bias:
                found.add("forgot-bias", "left out the biases", "Each filter has one bias: add one per output channel.",
                          lambda: {"separable": depthwise_separable_params(c_in, c_out, k, False),
                                   "standard": conv_params(c_in, c_out, k, False)})
            found.add("forgot-pointwise", "counted only the depthwise convolution",
                      "The block is depthwise then pointwise: add the 1x1 convolution's parameters.",
                      lambda: {"separable": conv_params(c_in, c_in, k, bias, groups=c_in)})
            found.add("full-depthwise", "gave each depthwise filter all the input channels",
                      "A depthwise filter sees one channel only (groups = in_channels): k*k weights each.",
                      lambda: {"separable": conv_params(c_in, c_in, k, bias) + conv_params(c_in, c_out, 1, bias)})
            found.add("forgot-input-channels", "left out the input channels in the standard convolution's filters",
                      "A standard filter spans all input channels: k*k*C_in weights.",
                      lambda: {"standard": conv_params(1, c_out, k, bias)})
            return found.result()
        count = lambda value: lambda: {"params": value()}  # noqa: E731
        if bias:
            found.add("forgot-bias", "left out the biases", "Each filter has one bias: add one per output channel.",
                      count(lambda: conv_params(c_in, c_out, k, False, g)))
            found.add("bias-per-weight", "gave every weight its own bias",
                      "There is one bias per filter (output channel), not one per weight.",
                      count(lambda: 2 * conv_params(c_in, c_out, k, False, g)))
        if c_in // g > 1:
            found.add("forgot-input-channels", "left out the input channels: counted k*k weights per filter",
                      "Each filter spans all the input channels it sees: k*k*C_in weights (C_in/groups when grouped).",
                      count(lambda: conv_params(1, c_out, k, bias)))
        found.add("one-filter-only", "counted the parameters of a single filter",
                  "Multiply by the number of filters (output channels).",
                  count(lambda: conv_params(c_in // g, 1, k, bias)))
        if g > 1:
            found.add("ignored-groups", "ignored the groups (counted a standard convolution)",
                      "With groups = g each filter sees only C_in/g input channels.",
                      count(lambda: conv_params(c_in, c_out, k, bias)))
        found.add("counted-output-size", "counted one set of weights per output position",
                  "Weights are shared across positions: the image size does not enter the count.",
                  count(lambda: conv_macs(c_in, c_out, k, params.input_size, g) + (c_out if bias else 0)))
        return found.result()


TEMPLATE = ConvParamCount()
