"""Why convolutions: a fully connected layer on a flattened image needs weights for every pixel, a
convolutional layer's count does not depend on the image size.

Slides: a 1000x1000x3 image is 3M inputs; a dense layer to 1000 units has 3B weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnnexam.model import Steps, AnswerBox, Code, IntegerAnswer, NumberAnswer, Params, Slot, Template, Text
from cnnexam.model.numbers import fmt, fmt_fraction_and_decimal
from cnnexam.solutions import conv_macs, conv_params, linear_params
from cnnexam.solutions.worked import conv_params_steps, linear_params_steps
from cnnexam.templates._layer_arith import Mistakes, shape_text

SQUARE = {"easy": (28, 32, 64, 96, 100, 128), "medium": (32, 64, 100, 128, 224, 256, 500, 1000)}
WIDE = ((480, 640), (600, 800), (720, 1280), (768, 1024), (1080, 1920), (240, 320), (300, 400))
IMAGES = {1: "A grayscale image", 3: "An RGB image", 4: "An RGBA image"}
RATIO_DECIMALS = 1


@dataclass(frozen=True)
class DenseConvParams(Params):
    """An image (in_channels, H, W) into ``torch.nn.Linear(in_channels*H*W, out_features)`` after a
    flatten, or into ``torch.nn.Conv2d(in_channels, out_channels, kernel_size, padding='same')``; both with
    or without bias. ``compare`` is 'ratio' (dense/conv), 'difference' (dense - conv) or '' (not asked)."""

    in_channels: int
    input_size: tuple[int, int]
    out_features: int
    out_channels: int
    kernel_size: int
    bias: bool
    compare: str

    @property
    def in_features(self) -> int:
        return self.in_channels * self.input_size[0] * self.input_size[1]


def compared(params: DenseConvParams, dense: int, conv: int) -> dict:
    """The answers for both counts and, if asked, their ratio or difference."""
    out = {"dense": dense, "conv": conv}
    if params.compare == "ratio":
        out["ratio"] = Fraction(dense, conv)
    elif params.compare == "difference":
        out["difference"] = dense - conv
    return out


class DenseVsConvParams(Template):
    id = "dense-vs-conv-params"
    title = "Parameters: fully connected vs convolutional layer on an image"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer", "number")
    summary = "Parameters of a dense layer on a flattened image vs a conv layer on the same image, and their ratio."

    def generate(self, rng, difficulty):
        channels = int(rng.choice((1, 3, 3) if difficulty != "hard" else (1, 3, 4)))
        if difficulty == "hard":
            size = tuple(int(v) for v in WIDE[rng.integers(len(WIDE))])
        else:
            side = int(rng.choice(SQUARE[difficulty]))
            size = (side, side)
        return DenseConvParams(
            in_channels=channels, input_size=size,
            out_features=int(rng.choice((10, 64, 100, 128, 256, 500, 1000, 4096))),
            out_channels=int(rng.choice((6, 8, 10, 16, 32, 64))), kernel_size=int(rng.choice((3, 5, 7))),
            bias=bool(rng.random() < 0.6),
            compare="" if difficulty == "easy" else str(rng.choice(("ratio", "difference"))))

    def solve(self, params):
        return compared(params, linear_params(params.in_features, params.out_features, params.bias),
                        conv_params(params.in_channels, params.out_channels, params.kernel_size, params.bias))

    def slots(self, params):
        slots = [Slot("dense", IntegerAnswer(), 2, "parameters of the fully connected layer"),
                 Slot("conv", IntegerAnswer(), 2, "parameters of the convolutional layer")]
        if params.compare == "ratio":
            slots.append(Slot("ratio", NumberAnswer(decimals=RATIO_DECIMALS), 1, "ratio dense / conv"))
        elif params.compare == "difference":
            slots.append(Slot("difference", IntegerAnswer(), 1, "difference dense - conv"))
        return tuple(slots)

    def question(self, params):
        c, (h, w), k = params.in_channels, params.input_size, params.kernel_size
        bias = "Both layers have biases." if params.bias else "Neither layer has biases."
        blocks = [
            Text(f"{IMAGES[c]} of {h}x{w} pixels, shape (C, H, W) = {shape_text((c, h, w))}, is flattened into a "
                 f"vector and fed to a fully connected layer with {params.out_features} units. Alternatively, a "
                 f"convolutional layer with {params.out_channels} filters of size {k}x{k} (stride 1, padding "
                 f"'same') is applied to the same image. {bias}"),
            Code(f"dense = torch.nn.Sequential(torch.nn.Flatten(0), torch.nn.Linear({c}*{h}*{w}, "
                 f"{params.out_features}, bias={params.bias}))\n"
                 f"conv = torch.nn.Conv2d({c}, {params.out_channels}, kernel_size={k}, padding='same', "
                 f"bias={params.bias})"),
            Text("(a) How many learnable parameters does the fully connected layer have?"), AnswerBox("dense"),
            Text("(b) How many does the convolutional layer have?"), AnswerBox("conv"),
        ]
        if params.compare == "ratio":
            blocks += [Text("(c) How many times as many parameters does the fully connected layer have (dense / conv, "
                            f"rounded to {RATIO_DECIMALS} decimal place)?"), AnswerBox("ratio")]
        elif params.compare == "difference":
            blocks += [Text("(c) How many more parameters does the fully connected layer have (dense - conv)?"),
                       AnswerBox("difference")]
        return tuple(blocks)

    def solution(self, params, answers):
        c, (h, w), k = params.in_channels, params.input_size, params.kernel_size
        dense = linear_params_steps(params.in_features, params.out_features, params.bias)
        conv = conv_params_steps(c, params.out_channels, k, params.bias)
        blocks = [
            Text(f"Flattened, the image has {c}*{h}*{w} = {params.in_features} inputs; every unit has one weight per "
                 "input" + (" and one bias." if params.bias else ".")),
            Steps(f"dense: {dense.text()}"),
            Text(f"Each filter has {k}*{k}*{c} weights" + (" and one bias" if params.bias else "")
                 + ", shared across all positions: the image size does not enter."),
            Steps(f"conv: {conv.text()}"),
        ]
        if params.compare == "ratio":
            ratio = answers["ratio"]
            blocks.append(Steps(f"ratio: {answers['dense']}/{answers['conv']} = {fmt_fraction_and_decimal(ratio, 4)} "
                               f"≈ {fmt(ratio, RATIO_DECIMALS)}"))
        elif params.compare == "difference":
            blocks.append(Steps(f"difference: {answers['dense']} - {answers['conv']} = {answers['difference']}"))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        c, k, units, filters, bias = (params.in_channels, params.kernel_size, params.out_features,
                                      params.out_channels, params.bias)
        pixels = params.input_size[0] * params.input_size[1]
        if c > 1:
            found.add("forgot-channels", "left out the colour channels",
                      "Every channel of every pixel is an input: the dense layer sees C*H*W values, and each "
                      "filter spans all C channels.",
                      lambda: compared(params, linear_params(pixels, units, bias), conv_params(1, filters, k, bias)))
        if bias:
            found.add("forgot-bias", "left out the biases", "Add one bias per unit and one per filter.",
                      lambda: compared(params, linear_params(params.in_features, units, False),
                                       conv_params(c, filters, k, False)))
        found.add("conv-depends-on-image-size", "counted the convolution's weights once per output position",
                  "A filter's weights are shared across all positions: the conv count does not depend on the "
                  "image size.",
                  lambda: compared(params, answers["dense"],
                                   conv_macs(c, filters, k, params.input_size) + (filters if bias else 0)))
        return found.result()


TEMPLATE = DenseVsConvParams()
