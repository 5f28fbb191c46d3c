"""The LeNet-5-like table CONV-POOL-CONV-POOL-FC-FC-SOFTMAX: activation shape, activation size and
parameters of every layer, with random hyperparameters and some cells given.

The slides (seeds/004, "Neural network example") fill this table for a 32x32x3 input, CONV1 f=5 s=1 with
8 filters, 2x2 max-pools, CONV2 f=5 s=1 with 16 filters, FC3 120, FC4 84 and a 10-way softmax; that
instance is reproduced in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, IntegerAnswer, Params, ShapeAnswer, Slot, SlotRef, Table, Template, Text
from cnnexam.templates import _arch as arch

LEVELS = {
    "easy": dict(channels=(1, 3), sizes=(28, 32), kernels=(3, 5), strides=(1,), same=False, pools=((2, 2),),
                 filters1=(4, 6, 8), filters2=(8, 12, 16), exact=True),
    "medium": dict(channels=(1, 3), sizes=(28, 32, 36, 40, 48), kernels=(3, 5), strides=(1,), same=True,
                   pools=((2, 2),), filters1=(6, 8, 10, 12, 16), filters2=(16, 20, 24, 32), exact=False),
    "hard": dict(channels=(3,), sizes=tuple(range(32, 65)), kernels=(3, 5, 7), strides=(1, 2), same=True,
                 pools=((2, 2), (3, 2)), filters1=(6, 8, 10, 12, 16, 20), filters2=(16, 20, 24, 32, 40), exact=False),
}
FC3, FC4, CLASSES = (64, 84, 100, 120, 128), (32, 42, 50, 64, 84), (2, 5, 10, 20)
SPATIAL = ("CONV1", "POOL1", "CONV2", "POOL2")
DENSE = ("FC3", "FC4", "SOFTMAX")
COLUMNS = ("shape", "size", "params")


@dataclass(frozen=True)
class LeNetTableParams(Params):
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: tuple[arch.Layer, ...]  # CONV1 POOL1 CONV2 POOL2 FLATTEN FC3 FC4 SOFTMAX (a linear layer)
    blanks: tuple[str, ...]  # the cells asked, as slot ids like "conv2_params"

    def to_json(self) -> dict:
        return {"input_shape": list(self.input_shape), "layers": [arch.layer_json(x) for x in self.layers],
                "blanks": list(self.blanks)}


def cell(name: str, column: str) -> str:
    return f"{name.lower()}_{column}"


class LeNetTable(Template):
    id = "lenet-table"
    title = "Shapes, sizes and parameters of a LeNet-like network"
    topic = "networks"
    version = 2  # 2: no shape given below an asked one
    answer_kinds = ("shape", "integer")
    summary = "Fill in the CONV-POOL-CONV-POOL-FC-FC-SOFTMAX table: activation shape, size and parameters per layer."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            input_shape = (int(rng.choice(level["channels"])),) + (int(rng.choice(level["sizes"])),) * 2
            layers = []
            for i, filters in ((1, "filters1"), (2, "filters2")):
                k = int(rng.choice(level["kernels"]))
                padding = (k - 1) // 2 if level["same"] and rng.random() < 0.5 else 0
                layers.append(arch.Conv(f"CONV{i}", int(rng.choice(level[filters])), k,
                                        int(rng.choice(level["strides"])), padding))
                pool = level["pools"][int(rng.integers(len(level["pools"])))]
                layers.append(arch.MaxPool(f"POOL{i}", *pool))
            fc3 = int(rng.choice(FC3))
            fc4 = int(rng.choice([n for n in FC4 if n < fc3]))
            layers += [arch.Flatten(), arch.Linear("FC3", fc3), arch.Linear("FC4", fc4),
                       arch.Linear("SOFTMAX", int(rng.choice(CLASSES)))]
            try:
                rows = arch.trace(input_shape, tuple(layers))
            except ValueError:
                continue  # a window larger than its input: not a network
            if self._pleasant(rows, level["exact"]):
                return LeNetTableParams(input_shape, tuple(layers), self._blanks(rng, difficulty, input_shape))

    @staticmethod
    def _pleasant(rows, exact) -> bool:
        final = rows["POOL2"].output[1]
        pools_exact = all((rows[p].input[1] - rows[p].layer.kernel_size) % rows[p].layer.stride == 0
                          for p in ("POOL1", "POOL2"))
        return 2 <= final <= 8 and rows["FLATTEN"].size <= 3000 and (pools_exact or not exact)

    @staticmethod
    def _blanks(rng, difficulty, input_shape) -> tuple[str, ...]:
        if difficulty == "hard":
            return tuple(cell(n, c) for n in SPATIAL for c in COLUMNS) + tuple(cell(n, "params") for n in DENSE)
        if difficulty == "easy":
            first = 0 if input_shape[0] > 1 and rng.random() < 0.5 else 2
            rows = SPATIAL[first:first + 2]
            asked = {cell(n, c) for n in rows for c in COLUMNS} | {cell(str(rng.choice(DENSE)), "params")}
        else:
            modes = {"all": COLUMNS, "shape": ("shape", "size"), "params": ("params",)}
            asked = {cell(n, c) for n in SPATIAL for c in modes[str(rng.choice(list(modes)))]}
            asked |= {cell(n, "params") for n in DENSE if rng.random() < 0.7}
            asked |= {cell("CONV2", "params"), cell(str(rng.choice(DENSE)), "params")}
        # A shape given below an asked one could be worked back into it (exactly, through a stride-1
        # convolution): once a row's shape is asked, so are the shapes and sizes of every row after it.
        first = next((i for i, n in enumerate(SPATIAL) if cell(n, "shape") in asked), len(SPATIAL))
        asked |= {cell(n, c) for n in SPATIAL[first:] for c in ("shape", "size")}
        if asked & {cell("POOL2", "shape"), cell("POOL2", "size")}:
            asked.add(cell("FC3", "params"))  # given, it would reveal the flattened size
        order = [cell(n, c) for n in SPATIAL + DENSE for c in COLUMNS]
        return tuple(c for c in order if c in asked)

    def _values(self, params, m: arch.Mistakes = arch.RIGHT) -> dict:
        rows = arch.trace(params.input_shape, params.layers, m)
        values = {}
        for name in SPATIAL + DENSE:
            row = rows[name]
            values.update({cell(name, "shape"): row.output, cell(name, "size"): row.size,
                           cell(name, "params"): row.params})
        return values

    def solve(self, params):
        values = self._values(params)
        return {b: values[b] for b in params.blanks}

    def slots(self, params):
        types = {"shape": ShapeAnswer(ndim=3), "size": IntegerAnswer(), "params": IntegerAnswer()}
        labels = {"shape": "activation shape", "size": "activation size", "params": "number of parameters"}
        out = []
        for b in params.blanks:
            name, column = b.rsplit("_", 1)
            out.append(Slot(b, types[column], 1, f"{name.upper()} {labels[column]}"))
        return tuple(out)

    def _table(self, params, show_all: bool) -> Table:
        values = self._values(params)
        c, h, w = params.input_shape

        def shown(name, column):
            slot = cell(name, column)
            if slot in params.blanks and not show_all:
                return SlotRef(slot)
            return arch.shape_text(values[slot]) if column == "shape" else values[slot]

        rows = [("Input", arch.shape_text(params.input_shape), c * h * w, 0)]
        rows += [(self._label(x), *(shown(x.name, col) for col in COLUMNS))
                 for x in params.layers if not isinstance(x, arch.Flatten)]
        return Table(("Layer", "Activation shape (C, H, W)", "Activation size", "# parameters"), tuple(rows))

    @staticmethod
    def _label(layer) -> str:
        if isinstance(layer, arch.Conv):
            return f"{layer.name} (f={layer.kernel_size}, s={layer.stride}, p={layer.padding}, {layer.out_channels} filters)"
        if isinstance(layer, arch.MaxPool):
            return f"{layer.name} (max, f={layer.kernel_size}, s={layer.stride})"
        unit = "classes" if layer.name == "SOFTMAX" else "units"
        return f"{layer.name} ({layer.out_features} {unit})"

    def question(self, params):
        c, h, w = params.input_shape
        classes = params.layers[-1].out_features
        return (
            Text(f"A LeNet-5-like network CONV-POOL-CONV-POOL-FC-FC-SOFTMAX classifies {c}x{h}x{w} images "
                 f"(channels x height x width) into {classes} classes. f is the filter or window size, s the "
                 "stride and p the zero padding; every convolution and fully connected layer has a bias per "
                 "filter or unit. The output of POOL2 is flattened into a vector before FC3 (flattening has no "
                 "parameters). SOFTMAX is a fully connected layer to the class scores followed by the softmax "
                 "function. Output sizes that do not divide evenly are rounded down (floor), as PyTorch does "
                 "by default."),
            Text("Fill in the blank cells. Write shapes as (channels, height, width), as PyTorch orders them; the "
                 "activation size is the number of values in the activation; the parameters are the learned "
                 "weights and biases."),
            self._table(params, show_all=False),
        )

    def solution(self, params, answers):
        rows = arch.trace(params.input_shape, params.layers)
        lines = [line for row in rows.values() for line in arch.explain(row)]
        return (
            Text("Convolution and pooling sizes: $o = \\lfloor (n + 2p - f)/s \\rfloor + 1$ per dimension; a "
                 "convolution's channels are its number of filters, a pooling layer keeps the channels. A "
                 "convolution has $f \\cdot f \\cdot C_{in}$ weights per filter plus one bias per filter; a fully "
                 "connected layer $n_{in} \\cdot n_{out}$ weights plus $n_{out}$ biases; pooling has none."),
            Steps("\n".join(lines)),
            self._table(params, show_all=True),
        )


    def misconceptions(self, params, answers):
        def wrong(m: arch.Mistakes) -> dict:
            return self._values(params, m)

        shapes = {k: arch.channels_last(v) for k, v in self._values(params).items() if k.endswith("_shape")}
        return arch.keep_recognisable(self.slots(params), answers, [
            ("conv-params-without-input-channels", "counted f*f weights per filter, leaving out the input channels",
             "A filter spans all input channels: it has f*f*C_in weights, plus one bias.",
             wrong(arch.Mistakes(no_input_channels=True))),
            ("pooling-with-parameters", "gave the pooling layer parameters",
             "Pooling takes a fixed maximum (or average) of each window: it has no parameters.",
             wrong(arch.Mistakes(pool_params=True))),
            ("forgot-biases", "counted the weights but forgot the biases",
             "Add one bias per filter (convolution) or per unit (fully connected layer).",
             wrong(arch.Mistakes(no_bias=True))),
            ("one-bias-per-layer", "counted a single bias for the whole layer",
             "Every filter or unit has its own bias: add C_out (or n_out) biases, not 1.",
             wrong(arch.Mistakes(one_bias=True))),
            ("size-without-channels", "took the activation size as height*width, leaving out the channels",
             "The size counts every value: channels * height * width.",
             wrong(arch.Mistakes(size_spatial=True))),
            ("channels-last", "wrote the shape as (height, width, channels)",
             "The table asks for (channels, height, width), PyTorch's order.", shapes),
        ])


TEMPLATE = LeNetTable()
