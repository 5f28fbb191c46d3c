"""AlexNet's layers: output shapes and parameter counts of randomly chosen layers, with randomly altered
hyperparameters (input size, filter counts, CONV1's kernel and stride) so the answers cannot be memorised.

Sources of the layer list:
- seeds/002: 227x227x3 input, 96 filters 11x11 stride 4, then 256 5x5, 384 3x3, 384 3x3, 256 3x3, fully
  connected 4096, 4096 and a 1000-way softmax.
- seeds/001: overlapping 3x3 max-pooling with stride 2; two GPUs, so the filters of CONV2, CONV4 and CONV5
  see half the channels (5x5x48, 3x3x192, 3x3x192). Its "3x3x128" for CONV3 is a slip: CONV3 sees all 256
  maps of CONV2 (3x3x256 in the paper and in seeds/002).
- Paddings 2, 1, 1, 1 for CONV2-5 keep their sizes (as torchvision has them).
The paper (and seeds/001, 003) say 224x224 inputs, but (224 - 11)/4 + 1 = 54.25 is not a whole number;
227 gives the paper's 55x55 maps, so we use 227 as seeds/002 does. The original network has 60,965,224
parameters ("60 million" in Krizhevsky et al. 2012 and seeds/003); a test recomputes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from cnnexam.model import Steps, AnswerBox, IntegerAnswer, NumberAnswer, Params, ShapeAnswer, Slot, Table, Template, Text
from cnnexam.model.numbers import fmt
from cnnexam.templates import _arch as arch
from cnnexam.templates._arch import Conv, Flatten, Linear, MaxPool

ALEXNET = (
    Conv("CONV1", 96, 11, 4, 0), MaxPool("POOL1", 3, 2),
    Conv("CONV2", 256, 5, 1, 2, groups=2), MaxPool("POOL2", 3, 2),
    Conv("CONV3", 384, 3, 1, 1), Conv("CONV4", 384, 3, 1, 1, groups=2), Conv("CONV5", 256, 3, 1, 1, groups=2),
    MaxPool("POOL3", 3, 2), Flatten(), Linear("FC6", 4096), Linear("FC7", 4096), Linear("FC8", 1000),
)
FILTERS = {"CONV1": (48, 64, 96, 128), "CONV2": (128, 192, 256), "CONV3": (192, 256, 384),
           "CONV4": (192, 256, 384), "CONV5": (128, 192, 256)}
LEVELS = {
    # input sizes 8m + 3 give exact divisions all the way down (227 -> 55 -> 27 -> 13 -> 6)
    "easy": dict(sizes=(131, 163, 195, 227, 259), conv1=((11, 4, 0),), fc=(1024, 2048, 4096), groups=1,
                 shape=("CONV1", "POOL1", "CONV2", "POOL2"), params=("CONV1", "CONV2", "CONV3"),
                 slots=("shape", "conv_params")),
    "medium": dict(sizes=(195, 199, 224, 227, 231, 235), conv1=((11, 4, 0), (11, 4, 2), (9, 4, 0), (7, 4, 0)),
                   fc=(1024, 2048, 4096), groups=1, shape=("POOL1", "CONV2", "POOL2", "CONV3", "CONV5", "POOL3"),
                   params=("CONV2", "CONV3", "CONV4", "CONV5"), slots=("shape", "conv_params", "fc6_params")),
    "hard": dict(sizes=(195, 224, 227, 231, 259), conv1=((11, 4, 0), (11, 4, 2), (9, 4, 0), (7, 4, 0)),
                 fc=(2048, 4096), groups=2, shape=("POOL2", "CONV3", "CONV4", "CONV5", "POOL3"),
                 params=("CONV2", "CONV4", "CONV5"), slots=("shape", "conv_params", "fc6_params", "total_millions")),
}
CLASSES = (10, 100, 200, 1000)


@dataclass(frozen=True)
class AlexNetParams(Params):
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: tuple[arch.Layer, ...]
    shape_layer: str  # the layer whose output shape is asked
    params_layer: str  # the convolution whose parameters are asked
    asked: tuple[str, ...]

    def to_json(self) -> dict:
        return {"input_shape": list(self.input_shape), "layers": [arch.layer_json(x) for x in self.layers],
                "shape_layer": self.shape_layer, "params_layer": self.params_layer, "asked": list(self.asked)}


class AlexNetShapes(Template):
    id = "alexnet-shapes"
    title = "AlexNet: layer shapes and parameters"
    topic = "networks"
    version = 1
    answer_kinds = ("shape", "integer", "number")
    summary = "Trace an AlexNet-style network with altered hyperparameters: output shapes and parameter counts."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            size = int(rng.choice(level["sizes"]))
            k, s, p = level["conv1"][int(rng.integers(len(level["conv1"])))]
            layers = []
            for layer in ALEXNET:
                if isinstance(layer, Conv):
                    changes = dict(out_channels=int(rng.choice(FILTERS[layer.name])),
                                   groups=min(layer.groups, level["groups"]))
                    if layer.name == "CONV1":
                        changes.update(kernel_size=k, stride=s, padding=p)
                    layer = dataclasses.replace(layer, **changes)
                elif isinstance(layer, Linear):
                    units = CLASSES if layer.name == "FC8" else level["fc"]
                    layer = dataclasses.replace(layer, out_features=int(rng.choice(units)))
                layers.append(layer)
            try:
                arch.trace((3, size, size), tuple(layers))
            except ValueError:
                continue
            return AlexNetParams((3, size, size), tuple(layers), str(rng.choice(level["shape"])),
                                 str(rng.choice(level["params"])), level["slots"])

    def _values(self, params, m: arch.Mistakes = arch.RIGHT, layers=None) -> dict:
        rows = arch.trace(params.input_shape, layers or params.layers, m)
        return {"shape": rows[params.shape_layer].output, "conv_params": rows[params.params_layer].params,
                "fc6_params": rows["FC6"].params,
                "total_millions": Fraction(sum(r.params for r in rows.values()), 10**6)}

    def solve(self, params):
        values = self._values(params)
        return {k: values[k] for k in params.asked}

    def slots(self, params):
        types = {"shape": Slot("shape", ShapeAnswer(ndim=3), 1, f"output shape of {params.shape_layer}"),
                 "conv_params": Slot("conv_params", IntegerAnswer(), 1, f"parameters of {params.params_layer}"),
                 "fc6_params": Slot("fc6_params", IntegerAnswer(), 1, "parameters of FC6"),
                 "total_millions": Slot("total_millions", NumberAnswer(decimals=2), 1, "total parameters in millions")}
        return tuple(types[k] for k in params.asked)

    def question(self, params):
        c, h, w = params.input_shape
        grouped = [x.name for x in params.layers if isinstance(x, Conv) and x.groups > 1]
        blocks = [
            Text(f"An AlexNet-style network takes {c}x{h}x{w} images (channels x height x width). Its layers, in "
                 "order, are listed below. A ReLU follows every convolution and hidden fully connected layer; "
                 "the local response normalizations after CONV1 and CONV2 keep the shape and learn nothing. "
                 "Every convolution and fully connected layer has one bias per filter or unit; FC8's outputs "
                 "go to a softmax. Output sizes that do not divide evenly are rounded down (floor), as PyTorch "
                 "does by default."),
            Table(("Layer", "Hyperparameters"), tuple((x.name, arch.describe(x)) for x in params.layers)),
        ]
        if grouped:
            blocks.append(Text(f"As in the original two-GPU network, {arch.join_names(grouped)} are split into 2 groups: "
                               "each filter sees only half of the layer's input channels (groups=2 in PyTorch)."))
        else:
            blocks.append(Text("Unlike the original two-GPU network, this one is not split: every filter sees all "
                               "of its layer's input channels."))
        parts = {
            "shape": f"What is the output shape of {params.shape_layer}, as (channels, height, width)?",
            "conv_params": f"How many parameters (weights and biases) does {params.params_layer} have?",
            "fc6_params": "How many parameters (weights and biases) does FC6 have?",
            "total_millions": "How many parameters does the whole network have, in millions? Round to 2 decimal "
                              "places (e.g. 12,345,678 parameters is 12.35).",
        }
        for letter, key in zip("abcd", params.asked):
            blocks += [Text(f"({letter}) {parts[key]}"), AnswerBox(key)]
        return tuple(blocks)

    def solution(self, params, answers):
        rows = arch.trace(params.input_shape, params.layers)
        names = list(rows)
        last = max(names.index(params.shape_layer), names.index(params.params_layer))
        if {"fc6_params", "total_millions"} & set(params.asked):
            last = len(names) - 1 if "total_millions" in params.asked else names.index("FC6")
        lines = [line for name in names[:last + 1] for line in arch.explain(rows[name])]
        blocks = [
            Text("Per layer: $o = \\lfloor (n + 2p - k)/s \\rfloor + 1$; a convolution has "
                 "$k \\cdot k \\cdot (C_{in}/groups) \\cdot C_{out} + C_{out}$ parameters, a fully connected layer "
                 "$n_{in} \\cdot n_{out} + n_{out}$, pooling and flattening none."),
            Steps("\n".join(lines)),
        ]
        if "total_millions" in params.asked:
            total = sum(r.params for r in rows.values())
            blocks.append(Text(f"Total: {' + '.join(str(r.params) for r in rows.values() if r.params)} = {total} "
                               f"parameters, about {fmt(answers['total_millions'], 2)} million."))
        return tuple(blocks)


    def misconceptions(self, params, answers):
        def wrong(m=arch.RIGHT, layers=None) -> dict:
            try:
                return self._values(params, m, layers)
            except ValueError:
                return {}  # the mistake makes the network impossible: nothing a student would write

        def restride(layer):
            return dataclasses.replace(layer, stride=layer.kernel_size) if isinstance(layer, MaxPool) else layer

        return arch.keep_recognisable(self.slots(params), answers, [
            ("forgot-biases", "counted the weights but forgot the biases",
             "Add one bias per filter (convolution) or per unit (fully connected layer).",
             wrong(arch.Mistakes(no_bias=True))),
            ("conv-params-without-input-channels", "counted k*k weights per filter, leaving out the input channels",
             "A filter spans the input channels it sees: k*k*C_in weights (C_in/groups when grouped), plus a bias.",
             wrong(arch.Mistakes(no_input_channels=True))),
            ("ignored-groups", "let every filter see all input channels, ignoring the 2 groups",
             "With groups=2 each filter sees only C_in/2 channels, which halves the weights.",
             wrong(arch.Mistakes(ignore_groups=True))),
            ("ignored-padding", "ignored the zero padding", "Add 2p to the input size before applying the kernel.",
             wrong(arch.Mistakes(ignore_padding=True))),
            ("pooling-not-overlapping", "moved the 3x3 pooling window by 3 (non-overlapping)",
             "AlexNet's pooling overlaps: 3x3 windows with stride 2.",
             wrong(layers=tuple(restride(x) for x in params.layers))),
            ("rounded-up", "rounded a non-integer pooling output size up", "Output sizes are rounded down (floor).",
             wrong(arch.Mistakes(ceil_pool=True))),
            ("flatten-without-channels", "flattened to height*width values, forgetting the channels",
             "FC6 sees every value of POOL3's output: channels * height * width inputs.",
             wrong(arch.Mistakes(flatten_spatial=True))),
            ("channels-last", "wrote the shape as (height, width, channels)",
             "Give the shape as (channels, height, width), PyTorch's order.",
             {"shape": arch.channels_last(answers["shape"])}),
        ])


TEMPLATE = AlexNetShapes()
