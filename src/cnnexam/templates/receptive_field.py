"""Receptive field of one unit after a stack of convolution and pooling layers (kernel, stride, dilation),
and the classic special case: n stacked 3x3 convolutions see as much as one (2n+1)x(2n+1) convolution
(slides: three 3x3 layers have the receptive field of one 7x7 layer; two that of one 5x5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnnexam.model import AnswerBox, IntegerAnswer, Math, Params, Slot, Table, Template, Text
from cnnexam.solutions import conv_output_size, pool_output_size, receptive_field
from cnnexam.templates._layer_arith import Mistakes

# difficulty -> number of layers, conv kernels, conv strides, dilations, pooling windows (kernel, stride)
LEVELS = {
    "easy": dict(layers=(2, 4), kernels=(1, 3, 3, 5, 7), strides=(1,), dilations=(1,), pools=((2, 2),)),
    "medium": dict(layers=(3, 5), kernels=(3, 3, 5), strides=(1, 1, 2), dilations=(1,), pools=((2, 2), (3, 2))),
    "hard": dict(layers=(4, 6), kernels=(3, 3, 5), strides=(1, 1, 2), dilations=(1, 2, 4), pools=((2, 2), (3, 2))),
}


@dataclass(frozen=True)
class ReceptiveFieldParams(Params):
    """Layers from input to output as (type, kernel_size, stride, padding, dilation), type 'conv' or
    'max-pool'; ``equivalent`` asks for the single kernel with the same receptive field."""

    layers: tuple[tuple[str, int, int, int, int], ...]
    input_size: int
    equivalent: bool

    def to_json(self) -> dict:
        return {"layers": [dict(zip(("type", "kernel_size", "stride", "padding", "dilation"), layer))
                           for layer in self.layers], "input_size": self.input_size, "equivalent": self.equivalent}

    def geometry(self, strides: bool = True, dilations: bool = True) -> list[tuple[int, int, int]]:
        """(kernel_size, stride, dilation) per layer, as receptive_field takes them (optionally with a
        student's mistake: every stride or dilation taken as 1)."""
        return [(k, s if strides else 1, d if dilations else 1) for _, k, s, _, d in self.layers]


def sizes(params: ReceptiveFieldParams) -> list[int]:
    """The spatial size after each layer (ValueError when a layer does not fit)."""
    out, n = [], params.input_size
    for kind, k, s, p, d in params.layers:
        n = conv_output_size(n, k, s, p, d) if kind == "conv" else pool_output_size(n, k, s, p)
        out.append(n)
    return out


class ReceptiveField(Template):
    id = "receptive-field"
    title = "Receptive field of a stack of layers"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer",)
    summary = "Receptive field after conv/pool layers (kernel, stride, dilation); n stacked 3x3 = one (2n+1)x(2n+1)."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        if difficulty == "easy" and rng.random() < 0.35:
            n = int(rng.integers(2, 9))
            return ReceptiveFieldParams((("conv", 3, 1, 1, 1),) * n, int(rng.choice((32, 64, 128))), True)
        while True:
            layers = []
            for _ in range(int(rng.integers(level["layers"][0], level["layers"][1] + 1))):
                if layers and layers[-1][0] == "conv" and rng.random() < 0.3:
                    k, s = level["pools"][rng.integers(len(level["pools"]))]
                    layers.append(("max-pool", int(k), int(s), 0, 1))
                else:
                    k, s, d = (int(rng.choice(level[key])) for key in ("kernels", "strides", "dilations"))
                    d = d if k > 1 else 1
                    layers.append(("conv", k, s, d * (k - 1) // 2, d))
            params = ReceptiveFieldParams(tuple(layers), int(rng.choice((32, 64, 96, 128, 224))), False)
            strided = any(s > 1 for _, _, s, _, _ in layers[:-1])
            if difficulty != "easy" and not strided or difficulty == "hard" and all(d == 1 for *_, d in layers):
                continue
            try:
                realizable = min(sizes(params)) >= 2
            except ValueError:
                continue
            if realizable and receptive_field(params.geometry()) <= params.input_size:
                return params

    def solve(self, params):
        return {"field": receptive_field(params.geometry())}

    def slots(self, params):
        return (Slot("field", IntegerAnswer(), 2, "kernel size" if params.equivalent else "receptive field"),)

    def question(self, params):
        if params.equivalent:
            n = len(params.layers)
            return (
                Text(f"A network stacks {n} convolutional layers, each with 3x3 kernels, stride 1 and padding 1, on a "
                     f"{params.input_size}x{params.input_size} input."),
                Text("A single convolutional layer with a k x k kernel (stride 1) would let each output unit see the "
                     "same input region as a unit of the last stacked layer. What is k?"),
                AnswerBox("field"),
            )
        dilated = any(d > 1 for *_, d in params.layers)
        header = ("layer", "type", "kernel", "stride", "padding") + (("dilation",) if dilated else ())
        rows = tuple((i + 1, kind, f"{k}x{k}", s, p) + ((d,) if dilated else ())
                     for i, (kind, k, s, p, d) in enumerate(params.layers))
        return (
            Text(f"These layers are applied in order to a {params.input_size}x{params.input_size} input:"),
            Table(header, rows),
            Text("What is the receptive field of one unit of the last layer away from the borders, i.e. the side "
                 "length, in input pixels, of the smallest square input region that holds every input pixel it "
                 "depends on?"),
            AnswerBox("field"),
        )

    def solution(self, params, answers):
        geometry = params.geometry()
        rows, jump = [], 1
        for i, (k, s, d) in enumerate(geometry):
            before = receptive_field(geometry[:i])
            rows.append((i + 1, f"{before} + {d}*({k}-1)*{jump}", receptive_field(geometry[: i + 1]), jump * s))
            jump *= s
        blocks = [
            Text("Start with r = 1 and jump j = 1 (the distance, in input pixels, between neighbouring units). "
                 "Each layer adds its dilated kernel extent times the current jump, then multiplies the jump by "
                 "its stride:"),
            Math("r_{new} = r + d(k-1) \\cdot j\nj_{new} = j \\cdot s"),
            Table(("layer", "r = r + d(k-1)*j", "r", "jump after"), tuple(rows)),
        ]
        if params.equivalent:
            k = answers["field"]
            blocks.append(Text(f"Each 3x3 layer at stride 1 adds 2: r = 1 + 2*{len(params.layers)} = {k}, the field "
                               f"of one {k}x{k} kernel."))
        else:
            blocks.append(Text(f"Receptive field: {answers['field']}x{answers['field']} input pixels."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        kernels = [k for _, k, _, _, _ in params.layers]
        found.add("summed-kernels", "added up the kernel sizes",
                  "Consecutive windows overlap: each layer adds k - 1 (times the jump), not k.",
                  lambda: {"field": sum(kernels)})
        found.add("forgot-plus-one", "added up the kernel extents but forgot the starting pixel",
                  "Start from r = 1 (one pixel) before adding d(k-1)*jump per layer.",
                  lambda: {"field": receptive_field(params.geometry()) - 1})
        if any(s > 1 for _, _, s, _, _ in params.layers[:-1]):
            found.add("ignored-strides", "ignored the strides (the jump between units)",
                      "After a layer with stride s, neighbouring units are s times further apart: multiply the "
                      "later kernel extents by the product of the earlier strides.",
                      lambda: {"field": receptive_field(params.geometry(strides=False))})
        if any(d > 1 for *_, d in params.layers):
            found.add("ignored-dilation", "ignored the dilation",
                      "A dilated kernel spans d(k-1) + 1 pixels.",
                      lambda: {"field": receptive_field(params.geometry(dilations=False))})
        found.add("multiplied-kernels", "multiplied the kernel sizes",
                  "Receptive fields grow by addition: each layer adds d(k-1)*jump.",
                  lambda: {"field": math.prod(kernels)})
        return found.result()


TEMPLATE = ReceptiveField()
