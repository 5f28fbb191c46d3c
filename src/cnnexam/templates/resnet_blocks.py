"""ResNet blocks: output shape and parameter counts of a basic block (two 3x3 convolutions) or a
bottleneck block (1x1 reduce, 3x3, 1x1 expand to 4x the width), with an identity shortcut or a 1x1
projection shortcut (stride 2 when the block downsamples).

After He et al., "Deep Residual Learning for Image Recognition" (2015): Figure 5 (basic and bottleneck
blocks), Table 1 (bottleneck widths 64/128/256/512 expanded to 256/512/1024/2048, downsampling with
stride 2 at the first block of conv3_x, conv4_x and conv5_x) and option B (projection shortcuts only
where the dimensions change). As in torchvision, the convolutions have no bias (batch normalization
follows each one) and the stride sits on the block's 3x3 convolution; batch normalization learns a scale
and a shift per channel (its running mean and variance are not learned).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, Bullets, IntegerAnswer, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.solutions import conv_output_size, conv_params
from cnnexam.solutions.worked import conv_params_steps
from cnnexam.templates import _arch as arch

# A block's place in a stage: (input channels as a fraction of the block's output channels, stride).
CASES = {"identity": (1, 1), "downsample": (2, 2), "widen": (4, 1)}  # widen: conv2_1 of ResNet-50, 64 -> 256
LEVELS = {
    "easy": dict(blocks=("basic",), cases=("identity", "downsample"), planes=(16, 32, 48, 64, 96, 128, 256, 512),
                 sizes=(8, 14, 16, 28, 32, 56, 64), batch_norm=(False,), widths_given=True),
    "medium": dict(blocks=("bottleneck",), cases=("identity", "downsample", "widen"),
                   planes=(16, 32, 48, 64, 96, 128, 256, 512), sizes=(7, 8, 14, 16, 28, 32, 56), batch_norm=(False,),
                   widths_given=True),
    "hard": dict(blocks=("basic", "bottleneck"), cases=("identity", "downsample", "widen"),
                 planes=(32, 48, 64, 96, 128, 256, 512), sizes=(7, 14, 15, 28, 31, 56), batch_norm=(True,), widths_given=False),
}


@dataclass(frozen=True)
class ResNetBlockParams(Params):
    block: str  # "basic" or "bottleneck"
    input_shape: tuple[int, int, int]  # (C_in, H, W)
    planes: int  # width of the 3x3 convolutions (torchvision's name)
    stride: int
    shortcut: str  # "identity" or "projection"
    batch_norm: bool  # whether batch normalization's scale and shift are counted
    widths_given: bool = True  # False: the expanding 1x1's filters are left to ResNet's factor 4


def expansion(block: str) -> int:
    return 4 if block == "bottleneck" else 1


def branch(block: str, c_in: int, planes: int, stride: int, expand: int) -> list[tuple[str, int, int, int, int]]:
    """The residual branch's convolutions as (name, in_channels, out_channels, kernel_size, stride)."""
    if block == "basic":
        return [("3x3 conv 1", c_in, planes, 3, stride), ("3x3 conv 2", planes, planes, 3, 1)]
    return [("1x1 reduce", c_in, planes, 1, 1), ("3x3 conv", planes, planes, 3, stride),
            ("1x1 expand", planes, planes * expand, 1, 1)]


class ResNetBlocks(Template):
    id = "resnet-blocks"
    title = "ResNet blocks: shapes and parameters"
    topic = "networks"
    version = 1
    answer_kinds = ("shape", "integer")
    summary = "Basic and bottleneck residual blocks with identity or projection shortcuts: output shape and parameters."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        block, case = str(rng.choice(level["blocks"])), str(rng.choice(level["cases"]))
        if block == "basic" and case == "widen":
            case = "downsample"
        planes, size = int(rng.choice(level["planes"])), int(rng.choice(level["sizes"]))
        share, stride = CASES[case]
        c_in = planes * expansion(block) // share
        return ResNetBlockParams(block, (c_in, size, size), planes, stride,
                                 "identity" if case == "identity" else "projection", bool(rng.choice(level["batch_norm"])),
                                 level["widths_given"])

    @staticmethod
    def _count(params, *, expand=None, stride=None, bias=False, bn_per_channel=None, shortcut=None) -> dict:
        """Shape and parameters of the block, with the slips a misconception makes."""
        c_in, h, _ = params.input_shape
        expand = expansion(params.block) if expand is None else expand
        stride = params.stride if stride is None else stride
        per_channel = (2 if params.batch_norm else 0) if bn_per_channel is None else bn_per_channel
        out = params.planes * expand
        shortcut = shortcut or params.shortcut

        def cost(cin, cout, k):
            return conv_params(cin, cout, k, bias) + per_channel * cout

        residual = sum(cost(cin, cout, k) for _, cin, cout, k, _ in branch(params.block, c_in, params.planes, stride, expand))
        short = cost(c_in, out, 1) if shortcut in ("projection", "identity-as-conv") else 0
        size = conv_output_size(h, 3, stride, 1)
        return {"shape": (out, size, size), "shortcut_params": short, "total_params": residual + short}

    def solve(self, params):
        return self._count(params)

    def slots(self, params):
        return (Slot("shape", ShapeAnswer(ndim=3), 1, "output shape of the block"),
                Slot("shortcut_params", IntegerAnswer(), 1, "parameters of the shortcut"),
                Slot("total_params", IntegerAnswer(), 1, "parameters of the whole block"))

    def question(self, params):
        c_in, h, w = params.input_shape
        out = params.planes * expansion(params.block)
        hidden = params.block == "bottleneck" and not params.widths_given
        convs = [f"{name}: {cout} filters {k}x{k}, stride {s}, padding {k // 2}"
                 for name, _, cout, k, s in branch(params.block, c_in, params.planes, params.stride, expansion(params.block))]
        if hidden:
            convs[-1] = ("1x1 expand: 1x1 filters, stride 1, padding 0, as many as ResNet's bottleneck expansion "
                         "factor sets")
        if params.shortcut == "identity":
            shortcut = "Shortcut: the identity (the input is added unchanged)."
        else:
            filters = "as many filters as the residual branch outputs" if hidden else f"{out} filters"
            shortcut = (f"Shortcut: a projection, a 1x1 convolution with {filters} and stride {params.stride}, "
                        "followed by batch normalization, so that it matches the residual branch's output.")
        counting = ("Count the convolution weights and batch normalization's learned scale and shift (2 per "
                    "channel; the running mean and variance are not learned)." if params.batch_norm else
                    "Count the convolution weights only (ignore batch normalization).")
        return (
            Text(f"A ResNet {params.block} block receives an input of shape {c_in}x{h}x{w} (channels x height x "
                 "width) and outputs ReLU(F(x) + shortcut(x)). Its residual branch F has these convolutions, in "
                 "order, each followed by batch normalization (and a ReLU, except the last):"),
            Bullets(tuple(convs)),
            Text(shortcut + " As in ResNet, the convolutions have no bias. " + counting),
            Text("(a) What is the shape of the block's output, as (channels, height, width)?"), AnswerBox("shape"),
            Text("(b) How many parameters does the shortcut have?"), AnswerBox("shortcut_params"),
            Text("(c) How many parameters does the whole block have (residual branch and shortcut)?"),
            AnswerBox("total_params"),
        )

    def solution(self, params, answers):
        c_in, h, _ = params.input_shape
        out, s = params.planes * expansion(params.block), params.stride
        bn = 2 if params.batch_norm else 0
        convs = branch(params.block, c_in, params.planes, s, expansion(params.block))
        if params.shortcut == "projection":
            convs.append(("1x1 projection", c_in, out, 1, s))

        def line(name, cin, cout, k):
            text = f"{name}: {conv_params_steps(cin, cout, k, bias=False).text()}"
            return text + (f", plus batch norm 2*{cout} = {2 * cout}" if bn else "")

        size = answers["shape"][1]
        if s == 1:
            where = "every convolution has stride 1 and keeps the height and width (3x3 with padding 1, or 1x1)"
        else:
            where = (f"the stride-{s} convolutions change them, "
                     f"$\\lfloor ({h} + 2 - 3)/{s} \\rfloor + 1 = \\lfloor ({h} - 1)/{s} \\rfloor + 1 = {size}$")
        costs = [conv_params(cin, cout, k, False) + bn * cout for _, cin, cout, k, _ in convs]
        residual = sum(costs[:3 if params.block == "bottleneck" else 2])
        return (
            Text(f"Height and width: {where}. The output has the last convolution's {out} channels: "
                 f"{arch.shape_text(answers['shape'])}."),
            Steps("\n".join(line(name, cin, cout, k) for name, cin, cout, k, _ in convs)),
            Text(f"Residual branch: {' + '.join(map(str, costs[:len(costs) - (params.shortcut == 'projection')]))} = "
                 f"{residual}. "
                 + ("The identity shortcut has no parameters (0). " if params.shortcut == "identity" else
                    f"The projection shortcut: {answers['shortcut_params']}. ")
                 + f"Whole block: {residual} + {answers['shortcut_params']} = {answers['total_params']} parameters."),
        )


    def misconceptions(self, params, answers):
        c_in = params.input_shape[0]
        candidates = [
            ("forgot-projection-shortcut", "left out the projection shortcut's parameters",
             "When the shape changes, the shortcut is a 1x1 convolution (with batch norm): count its weights too.",
             self._count(params, shortcut="none") if params.shortcut == "projection" else {}),
            ("identity-shortcut-with-parameters", "gave the identity shortcut parameters (as if it were a 1x1 convolution)",
             "The identity shortcut adds the input unchanged: it has no parameters.",
             self._count(params, shortcut="identity-as-conv") if params.shortcut == "identity" else {}),
            ("counted-conv-biases", "gave every convolution a bias",
             "ResNet's convolutions have no bias: batch normalization's shift takes its place.",
             self._count(params, bias=True)),
            ("ignored-stride", "kept the height and width although the block has stride 2",
             "The stride-2 convolution halves the height and width (rounding down).",
             {"shape": self._count(params, stride=1)["shape"]} if params.stride > 1 else {}),
        ]
        if params.block == "bottleneck":
            narrow = "identity" if params.stride == 1 and c_in == params.planes else "projection"
            candidates.append(("forgot-bottleneck-expansion", "forgot that the last 1x1 convolution expands to 4x the width",
                               "A bottleneck block's output has 4 * width channels (e.g. 64 -> 256).",
                               self._count(params, expand=1, shortcut=narrow)))
        if params.batch_norm:
            candidates += [
                ("batch-norm-running-statistics", "counted batch normalization's running mean and variance as parameters",
                 "Only the scale and shift are learned: 2 parameters per channel.", self._count(params, bn_per_channel=4)),
                ("forgot-batch-norm", "left out batch normalization's parameters",
                 "Each batch normalization learns a scale and a shift per channel.", self._count(params, bn_per_channel=0)),
            ]
        return arch.keep_recognisable(self.slots(params), answers, candidates)


TEMPLATE = ResNetBlocks()
