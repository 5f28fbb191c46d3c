"""VGG blocks: shapes through a VGG-style stack (3x3 convolutions with padding 1 keep the size, 2x2
max-pools with stride 2 halve it), parameters of a block, of the first fully connected layer, and of the
whole network.

Hard variants use the real configurations A, B, D, E (VGG11, 13, 16, 19) of Simonyan & Zisserman,
"Very Deep Convolutional Networks for Large-Scale Image Recognition" (2015), Table 1, with a random input
size and number of classes. At 224x224 with 1000 classes VGG16 has 138,357,544 parameters and VGG19
143,667,240: the "138 million" and "144 million" of the slides (seeds/003) and the paper's Table 2; the
tests recompute both from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnnexam.model import Steps, AnswerBox, IntegerAnswer, NumberAnswer, Params, ShapeAnswer, Slot, Table, Template, Text
from cnnexam.model.numbers import fmt
from cnnexam.templates import _arch as arch

# Output channels of each 3x3 convolution, block by block (the paper's Table 1).
CONFIGS = {
    "VGG11": ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    "VGG13": ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    "VGG16": ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    "VGG19": ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4),
}
LEVELS = {
    "easy": dict(channels=(1, 3), sizes=(16, 32, 64), blocks=(2, 3), convs=(1, 2), base=(8, 16, 32),
                 hidden=(), slots=("shape", "block_params")),
    "medium": dict(channels=(3,), sizes=(32, 64, 96, 128), blocks=(3, 4, 5), convs=(1, 2, 3), base=(16, 32, 64),
                   hidden=(256, 512, 1024, 4096), slots=("shape", "block_params", "fc1_params")),
    "hard": dict(sizes=(96, 128, 160, 192, 224, 256), slots=("shape", "block_params", "fc1_params", "total_millions")),
}
CLASSES = (10, 100, 200, 1000)


@dataclass(frozen=True)
class VggParams(Params):
    input_shape: tuple[int, int, int]  # (C, H, W)
    blocks: tuple[tuple[int, ...], ...]  # out_channels of each 3x3 convolution (stride 1, padding 1), per block
    fc: tuple[int, ...]  # out_features of the fully connected layers; the last one gives the class scores
    name: str  # "VGG16" etc. for a paper configuration, "" for a VGG-style stack
    shape_block: int  # 1-based
    params_block: int
    asked: tuple[str, ...]

    def layers(self) -> tuple[arch.Layer, ...]:
        out: list[arch.Layer] = []
        for b, channels in enumerate(self.blocks, 1):
            out += [arch.Conv(f"CONV{b}_{i}", c, 3, 1, 1) for i, c in enumerate(channels, 1)]
            out.append(arch.MaxPool(f"POOL{b}", 2, 2))
        return (*out, arch.Flatten(), *(arch.Linear(f"FC{i}", n) for i, n in enumerate(self.fc, 1)))


class VggParamsTemplate(Template):
    id = "vgg-params"
    title = "VGG: shapes and parameter counts"
    topic = "networks"
    version = 1
    answer_kinds = ("shape", "integer", "number")
    summary = "Follow a VGG-style stack of 3x3 convolutions and 2x2 pools: shapes, block and FC parameters, totals."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        if difficulty == "hard":
            name = str(rng.choice(list(CONFIGS)))
            size = int(rng.choice(level["sizes"]))
            blocks, fc, channels = CONFIGS[name], (4096, 4096, int(rng.choice(CLASSES))), 3
        else:
            name, channels = "", int(rng.choice(level["channels"]))
            count = int(rng.choice(level["blocks"]))
            size = int(rng.choice([s for s in level["sizes"] if s >> count >= 2]))
            base = int(rng.choice(level["base"]))
            blocks = tuple((min(base << b, 512),) * int(rng.choice(level["convs"])) for b in range(count))
            hidden = (int(rng.choice(level["hidden"])),) if level["hidden"] else ()
            fc = (*hidden, int(rng.choice(CLASSES[:3])))
        return VggParams((channels, size, size), blocks, fc, name, int(rng.integers(1, len(blocks) + 1)),
                         int(rng.integers(1, len(blocks) + 1)), level["slots"])

    def _values(self, params, m: arch.Mistakes = arch.RIGHT) -> dict:
        rows = arch.trace(params.input_shape, params.layers(), m)
        block = [r.params for n, r in rows.items() if n.startswith((f"CONV{params.params_block}_", f"POOL{params.params_block}"))]
        return {"shape": rows[f"POOL{params.shape_block}"].output, "block_params": sum(block),
                "fc1_params": rows["FC1"].params, "total_millions": Fraction(sum(r.params for r in rows.values()), 10**6)}

    def solve(self, params):
        values = self._values(params)
        return {k: values[k] for k in params.asked}

    def slots(self, params):
        types = {"shape": Slot("shape", ShapeAnswer(ndim=3), 1, f"output shape of block {params.shape_block}"),
                 "block_params": Slot("block_params", IntegerAnswer(), 1, f"parameters of block {params.params_block}"),
                 "fc1_params": Slot("fc1_params", IntegerAnswer(), 1, "parameters of FC1"),
                 "total_millions": Slot("total_millions", NumberAnswer(decimals=2), 1, "total parameters in millions")}
        return tuple(types[k] for k in params.asked)

    def question(self, params):
        c, h, w = params.input_shape
        what = f"{params.name} (Simonyan & Zisserman's configuration)" if params.name else "A VGG-style network"
        rows = [(f"Block {b}", f"{len(ch)} x CONV 3x3 ({ch[0]} filters{' each' if len(ch) > 1 else ''}), "
                 "then max-pool 2x2 stride 2")
                for b, ch in enumerate(params.blocks, 1)]
        rows.append(("Head", "flatten, then " + ", ".join(
            f"FC{i} {n} {'classes (softmax)' if i == len(params.fc) else 'units'}" for i, n in enumerate(params.fc, 1))))
        blocks = [
            Text(f"{what} takes {c}x{h}x{w} images (channels x height x width). Every convolution is 3x3 with "
                 "stride 1 and zero padding 1 and is followed by a ReLU; every max-pool is 2x2 with stride 2. "
                 "Convolutions and fully connected layers have one bias per filter or unit."),
            Table(("Stage", "Layers"), tuple(rows)),
        ]
        parts = {
            "shape": f"What is the output shape of block {params.shape_block} (after its max-pool), as "
                     "(channels, height, width)?",
            "block_params": f"How many parameters (weights and biases) does block {params.params_block} have?",
            "fc1_params": "How many parameters (weights and biases) does FC1 have?",
            "total_millions": "How many parameters does the whole network have, in millions? Round to 2 decimal "
                              "places (e.g. 12,345,678 parameters is 12.35).",
        }
        for letter, key in zip("abcd", params.asked):
            blocks += [Text(f"({letter}) {parts[key]}"), AnswerBox(key)]
        return tuple(blocks)

    def solution(self, params, answers):
        rows = arch.trace(params.input_shape, params.layers())
        names = list(rows)
        last = max(names.index(f"POOL{params.shape_block}"), names.index(f"POOL{params.params_block}"))
        if "fc1_params" in params.asked:
            last = names.index("FC1")
        if "total_millions" in params.asked:
            last = len(names) - 1
        blocks = [
            Text("A 3x3 convolution with padding 1 and stride 1 keeps the size "
                 "($\\lfloor (n + 2 - 3)/1 \\rfloor + 1 = n$) and has $3 \\cdot 3 \\cdot C_{in} \\cdot C_{out} + C_{out}$ "
                 "parameters; a 2x2 max-pool with stride 2 halves it and has none; a fully connected layer has "
                 "$n_{in} \\cdot n_{out} + n_{out}$."),
            Steps("\n".join(line for n in names[:last + 1] for line in arch.explain(rows[n]))),
        ]
        if "block_params" in params.asked:
            convs = [r.params for n, r in rows.items() if n.startswith(f"CONV{params.params_block}_")]
            blocks.append(Text(f"Block {params.params_block}: {' + '.join(map(str, convs))} = {answers['block_params']} "
                               "parameters."))
        if "total_millions" in params.asked:
            total = sum(r.params for r in rows.values())
            blocks.append(Text(f"Total: {total} parameters, about {fmt(answers['total_millions'], 2)} million."))
        return tuple(blocks)


    def misconceptions(self, params, answers):
        def wrong(m: arch.Mistakes) -> dict:
            try:
                return self._values(params, m)
            except ValueError:
                return {}  # the mistake makes the network impossible: nothing a student would write

        return arch.keep_recognisable(self.slots(params), answers, [
            ("forgot-biases", "counted the weights but forgot the biases",
             "Add one bias per filter (convolution) or per unit (fully connected layer).",
             wrong(arch.Mistakes(no_bias=True))),
            ("conv-params-without-input-channels", "counted 3*3 weights per filter, leaving out the input channels",
             "A filter spans all input channels: 3*3*C_in weights, plus one bias.",
             wrong(arch.Mistakes(no_input_channels=True))),
            ("pooling-with-parameters", "gave the max-pool layers parameters",
             "Max-pooling takes a fixed maximum of each window: it has no parameters.",
             wrong(arch.Mistakes(pool_params=True))),
            ("ignored-padding", "let each 3x3 convolution shrink the maps by 2, ignoring the padding of 1",
             "With padding 1 a 3x3 convolution keeps the height and width.",
             wrong(arch.Mistakes(ignore_padding=True))),
            ("forgot-pooling", "forgot that each block ends with a 2x2 max-pool that halves the size",
             "Halve the height and width once per block.", wrong(arch.Mistakes(skip_pool=True))),
            ("flatten-without-channels", "flattened to height*width values, forgetting the channels",
             "FC1 sees every value of the last block's output: channels * height * width inputs.",
             wrong(arch.Mistakes(flatten_spatial=True))),
            ("channels-last", "wrote the shape as (height, width, channels)",
             "Give the shape as (channels, height, width), PyTorch's order.",
             {"shape": arch.channels_last(answers["shape"])}),
        ])


TEMPLATE = VggParamsTemplate()
