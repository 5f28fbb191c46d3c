"""GoogLeNet's 1x1 reductions: the cost of a 5x5 convolution with and without a 1x1 bottleneck, the
savings, and the depth of an inception module's concatenated output.

Module structure after Szegedy et al., "Going Deeper with Convolutions" (2014), Figure 2(b) and Table 1:
four branches (1x1; 1x1 reduce then 3x3; 1x1 reduce then 5x5; 3x3 max-pool then 1x1 "pool proj"),
every branch keeping the height and width, outputs concatenated along the channels. Inception (3a)
takes 28x28x192 with #1x1 64, #3x3 reduce 96, #3x3 128, #5x5 reduce 16, #5x5 32, pool proj 32 and
outputs 28x28x256 (Table 1); its 5x5 branch is the classic example of the savings (about 120 million
multiply-accumulates without the reduction, 12.4 million with it). Both are test cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnnexam.model import Steps, AnswerBox, Bullets, IntegerAnswer, NumberAnswer, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.model.numbers import fmt
from cnnexam.solutions import conv_macs, conv_params
from cnnexam.templates import _arch as arch

LEVELS = {
    "easy": dict(c_in=(64, 96, 128, 160, 192, 256), sizes=(7, 14, 28), r=(8, 16, 24, 32), c_out=(16, 32, 48, 64),
                 bias=(False,),
                 slots=("macs_direct", "macs_reduced", "speedup")),
    "medium": dict(c_in=(192, 256, 480, 512), sizes=(7, 14, 28), r=(16, 24, 32, 48), c_out=(32, 48, 64, 96, 128),
                   bias=(False, True), slots=("macs_direct", "macs_reduced", "speedup", "params_direct", "params_reduced")),
    "hard": dict(c_in=(192, 256, 480, 512, 528, 832), sizes=(7, 14, 28, 56), r=(16, 24, 32, 48, 64),
                 c_out=(32, 48, 64, 96, 128), bias=(False, True),
                 slots=("macs_direct", "macs_reduced", "speedup", "params_direct", "params_reduced", "module_shape")),
}
# Branch widths in the range of the paper's Table 1.
N1X1, N3X3_REDUCE, N3X3, POOL_PROJ = (64, 96, 128, 160, 192, 256, 384), (64, 96, 112, 128, 144, 160, 192), \
    (128, 192, 208, 224, 256, 288, 320, 384), (32, 64, 128)
KERNEL = 5


@dataclass(frozen=True)
class InceptionParams(Params):
    input_shape: tuple[int, int, int]  # (C_in, H, W)
    reduction: int  # r: output channels of the 1x1 bottleneck (#5x5 reduce)
    out_channels: int  # output channels of the 5x5 convolution (#5x5)
    bias: bool  # whether the parameter counts include biases
    branches: tuple[int, int, int, int] | None  # #1x1, #3x3 reduce, #3x3, pool proj (#5x5 reduce and #5x5
    # are r and C_out); only when the module's output is asked
    asked: tuple[str, ...]
    kernel_size: int = KERNEL
    padding: int = KERNEL // 2


class InceptionReduction(Template):
    id = "inception-reduction"
    title = "GoogLeNet: the savings of a 1x1 reduction"
    topic = "networks"
    version = 1
    answer_kinds = ("integer", "number", "shape")
    summary = "Multiply-accumulates and parameters of a 5x5 convolution with and without a 1x1 bottleneck; inception output depth."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            c_in, h = int(rng.choice(level["c_in"])), int(rng.choice(level["sizes"]))
            r, c_out = int(rng.choice(level["r"])), int(rng.choice(level["c_out"]))
            if r < c_in and r <= c_out:  # a bottleneck: fewer channels than both sides
                break
        branches = None
        if "module_shape" in level["slots"]:
            branches = (int(rng.choice(N1X1)), int(rng.choice(N3X3_REDUCE)), int(rng.choice(N3X3)),
                        int(rng.choice(POOL_PROJ)))
        return InceptionParams((c_in, h, h), r, c_out, bool(rng.choice(level["bias"])), branches, level["slots"])

    @staticmethod
    def _costs(params, forgot_reduction=False, per_position=False, bias=None) -> dict:
        c_in, h, _ = params.input_shape
        r, c_out, k = params.reduction, params.out_channels, params.kernel_size
        bias = params.bias if bias is None else bias
        where = 1 if per_position else h  # output size: padding 2 keeps H x W
        direct = conv_macs(c_in, c_out, k, where)
        reduced = conv_macs(r, c_out, k, where) + (0 if forgot_reduction else conv_macs(c_in, r, 1, where))
        params_reduced = conv_params(r, c_out, k, bias) + (0 if forgot_reduction else conv_params(c_in, r, 1, bias))
        return {"macs_direct": direct, "macs_reduced": reduced, "speedup": Fraction(direct, reduced),
                "params_direct": conv_params(c_in, c_out, k, bias), "params_reduced": params_reduced}

    @staticmethod
    def _depth(params, *, with_reductions=False, without_pool=False, added=False) -> tuple[int, int, int]:
        n1, n3r, n3, pool = params.branches
        outputs = [n1, n3, params.out_channels] + ([] if without_pool else [pool])
        depth = max(outputs) if added else sum(outputs) + (n3r + params.reduction if with_reductions else 0)
        return (depth,) + params.input_shape[1:]

    def _values(self, params) -> dict:
        values = self._costs(params)
        if params.branches:
            values["module_shape"] = self._depth(params)
        return values

    def solve(self, params):
        values = self._values(params)
        return {k: values[k] for k in params.asked}

    def slots(self, params):
        labels = {"macs_direct": "multiply-accumulates without the reduction",
                  "macs_reduced": "multiply-accumulates with the reduction", "speedup": "savings factor",
                  "params_direct": "parameters without the reduction", "params_reduced": "parameters with the reduction",
                  "module_shape": "output shape of the inception module"}
        types = {"speedup": NumberAnswer(decimals=2), "module_shape": ShapeAnswer(ndim=3)}
        return tuple(Slot(k, types.get(k, IntegerAnswer()), 1, labels[k]) for k in params.asked)

    def question(self, params):
        c_in, h, w = params.input_shape
        r, c_out, k = params.reduction, params.out_channels, params.kernel_size
        counted = "weights and biases" if params.bias else "weights only, no biases"
        parts = {
            "macs_direct": "(a) How many multiply-accumulates does the direct 5x5 convolution need for one image?",
            "macs_reduced": "(b) How many multiply-accumulates does the reduced version (1x1 and 5x5 together) need?",
            "speedup": "(c) By what factor does the reduction cut the multiply-accumulates (direct divided by "
                       "reduced)? Round to 2 decimal places.",
            "params_direct": f"(d) How many parameters ({counted}) does the direct 5x5 convolution have?",
            "params_reduced": f"(e) How many parameters ({counted}) do the 1x1 and 5x5 convolutions of the reduced "
                              "version have together?",
        }
        if params.branches:
            parts["module_shape"] = ("(f) The 5x5 branch is part of an inception module whose branches all keep the "
                                     "height and width: " + self._branch_text(params) + ". What is the shape of the "
                                     "module's output, as (channels, height, width)?")
        blocks = [
            Text(f"An input of shape {c_in}x{h}x{w} (channels x height x width) goes through a {k}x{k} convolution "
                 f"with {c_out} filters, stride 1 and padding {params.padding}, so the output is {c_out}x{h}x{w}. "
                 f"GoogLeNet instead first reduces the depth with a 1x1 convolution to {r} channels, then applies "
                 f"the same {k}x{k} convolution ({c_out} filters) to that. Count one multiply-accumulate per "
                 "weight applied at each output position (additions of biases are not counted)."),
        ]
        for key in params.asked:
            blocks += [Text(parts[key]), AnswerBox(key)]
        return tuple(blocks)

    @staticmethod
    def _branch_text(params) -> str:
        n1, n3r, n3, pool = params.branches
        return (f"#1x1 {n1}; #3x3 reduce {n3r} then #3x3 {n3}; #5x5 reduce {params.reduction} then #5x5 "
                f"{params.out_channels}; 3x3 max-pool (stride 1, padding 1) then pool proj {pool}")

    def solution(self, params, answers):
        c_in, h, w = params.input_shape
        r, c_out, k = params.reduction, params.out_channels, params.kernel_size
        v = self._values(params)
        first, second = conv_macs(c_in, r, 1, h), conv_macs(r, c_out, k, h)
        lines = [
            f"direct: ({h}*{w}*{c_out} outputs) * ({k}*{k}*{c_in} per output) = {v['macs_direct']}",
            f"1x1 reduction: ({h}*{w}*{r}) * (1*1*{c_in}) = {first}",
            f"5x5 on the reduced input: ({h}*{w}*{c_out}) * ({k}*{k}*{r}) = {second}",
            f"reduced total: {first} + {second} = {v['macs_reduced']}",
            f"savings factor: {v['macs_direct']} / {v['macs_reduced']} = {fmt(v['speedup'], 2)} (rounded)",
        ]
        if "params_direct" in params.asked:
            b = params.bias
            lines += [
                f"parameters, direct: {k}*{k}*{c_in}*{c_out}{f' + {c_out}' if b else ''} = {v['params_direct']}",
                f"parameters, reduced: (1*1*{c_in}*{r}{f' + {r}' if b else ''}) + ({k}*{k}*{r}*{c_out}"
                f"{f' + {c_out}' if b else ''}) = {v['params_reduced']}",
            ]
        blocks = [Text("A convolution needs (output positions x output channels) x (k*k*C_in) multiply-accumulates; "
                       "the reduced version pays for both of its convolutions."), Steps("\n".join(lines))]
        if "module_shape" in params.asked:
            n1, _, n3, pool = params.branches
            depth = v["module_shape"][0]
            blocks += [Text("The branches' outputs are concatenated along the channels (the reduction layers feed "
                            "their branch and are not part of the output):"),
                       Bullets((f"{n1} + {n3} + {c_out} + {pool} = {depth} channels, {h}x{w} kept",
                                f"output shape {arch.shape_text(v['module_shape'])}"))]
        return tuple(blocks)

    def degenerate(self, params, answers):
        if self._costs(params)["speedup"] <= 1:
            return "the reduction saves nothing"
        return None

    def misconceptions(self, params, answers):
        costs = self._costs(params)
        candidates = [
            ("forgot-reduction-cost", "left out the cost of the 1x1 reduction layer itself",
             "The reduced version runs two convolutions: add the 1x1 layer's multiply-accumulates and parameters.",
             self._costs(params, forgot_reduction=True)),
            ("ratio-inverted", "divided the reduced cost by the direct cost",
             "The savings factor is direct / reduced, which is greater than 1.",
             {"speedup": Fraction(costs["macs_reduced"], costs["macs_direct"])}),
            ("one-output-position", "counted the multiply-accumulates of one output position only",
             "Multiply by the number of output positions, height * width.", self._costs(params, per_position=True)),
            ("forgot-biases", "counted the weights but forgot the biases",
             "The question counts biases: add one per output channel of each convolution.",
             self._costs(params, bias=False)),
        ]
        if params.branches:
            candidates += [
                ("added-not-concatenated", "added the branch outputs element-wise, keeping one branch's depth",
                 "An inception module concatenates its branches along the channels: add up their depths.",
                 {"module_shape": self._depth(params, added=True)}),
                ("counted-reduction-channels", "counted the 1x1 reduction layers' channels in the output",
                 "The 3x3 and 5x5 reductions only feed their branch; the output concatenates the four branch outputs.",
                 {"module_shape": self._depth(params, with_reductions=True)}),
                ("forgot-pool-branch", "left out the pooling branch",
                 "The pool projection's channels are part of the output.",
                 {"module_shape": self._depth(params, without_pool=True)}),
            ]
        return arch.keep_recognisable(self.slots(params), answers, candidates)


TEMPLATE = InceptionReduction()
