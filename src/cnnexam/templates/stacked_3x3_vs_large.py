"""VGG's argument: a stack of n 3x3 convolutions has the receptive field of one (2n+1)x(2n+1) convolution
but fewer parameters (and more non-linearities).

Slides: two 3x3 layers at 128 channels, no bias: 3*3*128*128 * 2 = 294,912 vs 5*5*128*128 = 409,600;
three 3x3 layers of depth d: 27d^2 weights vs 49d^2 for one 7x7 (plus d biases per layer: 27d^2 + 3d,
where one slide writes + d, as if the stack had one layer's biases).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, IntegerAnswer, Params, Slot, Template, Text
from cnnexam.solutions import conv_params, receptive_field
from cnnexam.solutions.worked import conv_params_steps
from cnnexam.templates._layer_arith import Mistakes

CHANNELS = tuple(range(16, 513, 8))
DEPTHS = {"easy": (2,), "medium": (2, 3), "hard": (2, 3, 4)}


@dataclass(frozen=True)
class StackParams(Params):
    """``n_layers`` 3x3 convolutions (stride 1, padding 1): in_channels -> out_channels, then
    out_channels -> out_channels; compared with one k x k convolution in_channels -> out_channels."""

    n_layers: int
    in_channels: int
    out_channels: int
    bias: bool

    def stack(self) -> list[tuple[int, int]]:
        """(in, out) channels of each 3x3 layer."""
        return [(self.in_channels, self.out_channels)] + [(self.out_channels, self.out_channels)] * (self.n_layers - 1)

    def single_kernel(self) -> int:
        """The kernel size of one stride-1 convolution with the stack's receptive field."""
        return receptive_field([(3, 1)] * self.n_layers)


class Stacked3x3VsLarge(Template):
    id = "stacked-3x3-vs-large"
    title = "Stacked 3x3 convolutions vs one large kernel"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer",)
    summary = "VGG: n stacked 3x3 convs see as much as one (2n+1)x(2n+1) conv with fewer parameters (27C^2 vs 49C^2)."

    def generate(self, rng, difficulty):
        n = int(rng.choice(DEPTHS[difficulty]))
        c_in = int(rng.choice(CHANNELS))
        c_out = c_in
        while difficulty == "hard" and c_out == c_in:
            c_out = int(rng.choice(CHANNELS))
        return StackParams(n, c_in, c_out, bool(rng.random() < 0.5))

    def solve(self, params):
        k = params.single_kernel()
        return {"field": k,
                "stack": sum(conv_params(c_in, c_out, 3, params.bias) for c_in, c_out in params.stack()),
                "single": conv_params(params.in_channels, params.out_channels, k, params.bias)}

    def slots(self, params):
        return (Slot("field", IntegerAnswer(), 1, "kernel size k of the single layer"),
                Slot("stack", IntegerAnswer(), 2, f"parameters of the {params.n_layers} stacked layers"),
                Slot("single", IntegerAnswer(), 2, "parameters of the single k x k layer"))

    def question(self, params):
        n, c_in, c_out = params.n_layers, params.in_channels, params.out_channels
        channels = (f"each maps {c_in} channels to {c_in} channels" if c_in == c_out else
                    f"the first maps {c_in} channels to {c_out}, the other{'s' if n > 2 else ''} {c_out} to {c_out}")
        bias = "Every convolution has one bias per output channel." if params.bias else "No convolution has a bias."
        return (
            Text(f"A VGG-style block stacks {n} convolutional layers with 3x3 kernels, stride 1 and padding 1 "
                 f"(with ReLUs in between); {channels}. {bias}"),
            Text("(a) A single convolutional layer with a k x k kernel (stride 1) would let each output unit see the "
                 "same input region as a unit after the whole stack. What is k?"),
            AnswerBox("field"),
            Text(f"(b) How many learnable parameters do the {n} stacked layers have together?"),
            AnswerBox("stack"),
            Text(f"(c) How many does that single k x k layer have ({c_in} channels to {c_out}, same bias setting)?"),
            AnswerBox("single"),
        )

    def solution(self, params, answers):
        n, k = params.n_layers, answers["field"]
        layers = [conv_params_steps(c_in, c_out, 3, params.bias) for c_in, c_out in params.stack()]
        blocks = [
            Text(f"(a) Each 3x3 layer at stride 1 widens the receptive field by 2: 1 + 2*{n} = {k}, so k = {k}."),
            Text("(b) Each layer has 3*3*C_in*C_out weights" + (" plus C_out biases:" if params.bias else ":")),
            Steps("\n".join(f"layer {i + 1}: {step.text()}" for i, step in enumerate(layers))
                 + f"\ntotal: {' + '.join(str(step.value) for step in layers)} = {answers['stack']}"),
            Text("(c) The single layer:"),
            Steps(conv_params_steps(params.in_channels, params.out_channels, k, params.bias).text()),
        ]
        if params.in_channels == params.out_channels:
            blocks.append(Text(f"With C channels throughout the weights are {9 * n}C^2 against {k * k}C^2: the stack "
                               f"needs {9 * n}/{k * k} of the single layer's weights, and adds {n - 1} more "
                               f"non-linearit{'y' if n == 2 else 'ies'}."))
        elif answers["stack"] > answers["single"]:
            blocks.append(Text(f"Here the stack needs more: its later layers work at {params.out_channels} channels "
                               f"in and out, while the single layer has only {params.in_channels} input channels."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        n, c_in, c_out, bias = params.n_layers, params.in_channels, params.out_channels, params.bias
        found.add("summed-kernels", "added up the kernel sizes (3 per layer) for the receptive field",
                  "Stacked windows overlap: each 3x3 layer at stride 1 adds 2 pixels, not 3.",
                  lambda: {"field": 3 * n, "single": conv_params(c_in, c_out, 3 * n, bias)})
        found.add("counted-one-layer", "counted only one of the stacked layers",
                  f"Add up the parameters of all {n} layers.",
                  lambda: {"stack": conv_params(c_in, c_out, 3, bias)})
        found.add("forgot-input-channels", "counted k*k weights per filter, leaving out the input channels",
                  "A filter spans all input channels: each layer has k*k*C_in*C_out weights.",
                  lambda: {"stack": sum(conv_params(1, out, 3, bias) for _, out in params.stack()),
                           "single": conv_params(1, c_out, answers["field"], bias)})
        if bias:
            found.add("forgot-bias", "left out the biases", "Each layer has one bias per output channel.",
                      lambda: {"stack": sum(conv_params(i, o, 3, False) for i, o in params.stack()),
                               "single": conv_params(c_in, c_out, answers["field"], False)})
            found.add("one-bias-for-stack", "gave the whole stack only one layer's biases",
                      "Every stacked layer has its own biases, one per output channel.",
                      lambda: {"stack": sum(conv_params(i, o, 3, False) for i, o in params.stack()) + c_out})
        return found.result()


TEMPLATE = Stacked3x3VsLarge()
