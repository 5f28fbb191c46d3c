"""MobileNet's depthwise separable convolution against a standard one: parameters, multiply-accumulates
and their ratio.

Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications"
(2017), section 3.1: a standard D_K x D_K convolution from M to N channels on a D_F x D_F map costs
D_K*D_K*M*N*D_F*D_F; the depthwise (one D_K x D_K filter per input channel) plus pointwise (1x1, M to N)
version costs D_K*D_K*M*D_F*D_F + M*N*D_F*D_F, a ratio of 1/N + 1/D_K^2 (8 to 9 times less computation
for 3x3). MobileNet's convolutions have no bias (batch normalization follows each one). The seeds'
slides (000) date MobileNet to 2017.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnnexam.model import Steps, AnswerBox, FractionAnswer, IntegerAnswer, Params, ShapeAnswer, Slot, Template, Text
from cnnexam.model.numbers import fmt_fraction_and_decimal
from cnnexam.solutions import conv_macs, conv_output_size, conv_params
from cnnexam.solutions.worked import output_size_steps
from cnnexam.templates import _arch as arch

LEVELS = {
    "easy": dict(m=(3, 4, 6, 8, 12, 16, 24, 32), n=(8, 16, 24, 32, 48, 64), sizes=(8, 14, 16, 28, 32), kernels=(3,), strides=(1,),
                 slots=("params_standard", "params_separable")),
    "medium": dict(m=(16, 24, 32, 48, 64, 96, 128), n=(32, 48, 64, 96, 128, 192, 256), sizes=(7, 14, 28, 56, 112), kernels=(3,), strides=(1,),
                   slots=("params_standard", "params_separable", "macs_standard", "macs_separable", "ratio")),
    "hard": dict(m=(32, 64, 96, 128, 160, 256, 512), n=(64, 128, 192, 256, 320, 512, 1024), sizes=(14, 15, 28, 56, 112), kernels=(3, 5),
                 strides=(1, 2), slots=("shape", "params_standard", "params_separable", "macs_standard",
                                        "macs_separable", "ratio")),
}


@dataclass(frozen=True)
class MobileNetParams(Params):
    input_shape: tuple[int, int, int]  # (M, D_F, D_F)
    out_channels: int  # N
    kernel_size: int  # D_K
    stride: int
    padding: int
    asked: tuple[str, ...]


class MobileNetSeparable(Template):
    id = "mobilenet-separable"
    title = "MobileNet: depthwise separable vs standard convolution"
    topic = "networks"
    version = 1
    answer_kinds = ("shape", "integer", "fraction")
    summary = "Parameters and multiply-accumulates of a depthwise separable convolution against a standard one."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        while True:
            m, n = int(rng.choice(level["m"])), int(rng.choice(level["n"]))
            if m < n:  # MobileNet widens or keeps the channels; N > M keeps every variant distinct
                break
        k = int(rng.choice(level["kernels"]))
        size = int(rng.choice(level["sizes"]))
        return MobileNetParams((m, size, size), n, k, int(rng.choice(level["strides"])), k // 2, level["slots"])

    def _out(self, params) -> int:
        return conv_output_size(params.input_shape[1], params.kernel_size, params.stride, params.padding)

    def _values(self, params, *, depthwise_filters=None, pointwise=True, depthwise=True) -> dict:
        """Counts (no biases); ``depthwise_filters`` is how many D_K x D_K filters the depthwise step has."""
        m, n, k, o = params.input_shape[0], params.out_channels, params.kernel_size, self._out(params)
        filters = depthwise_filters or m
        dw_params = conv_params(m, filters, k, False, groups=m) if depthwise else 0
        dw_macs = conv_macs(m, filters, k, o, groups=m) if depthwise else 0
        pw_params = conv_params(m, n, 1, False) if pointwise else 0
        pw_macs = conv_macs(m, n, 1, o) if pointwise else 0
        standard = conv_macs(m, n, k, o)
        return {"shape": (n, o, o), "params_standard": conv_params(m, n, k, False),
                "params_separable": dw_params + pw_params, "macs_standard": standard,
                "macs_separable": dw_macs + pw_macs, "ratio": Fraction(dw_macs + pw_macs, standard)}

    def solve(self, params):
        values = self._values(params)
        return {k: values[k] for k in params.asked}

    def slots(self, params):
        labels = {"shape": "output shape", "params_standard": "parameters of the standard convolution",
                  "params_separable": "parameters of the depthwise separable convolution",
                  "macs_standard": "multiply-accumulates of the standard convolution",
                  "macs_separable": "multiply-accumulates of the depthwise separable convolution",
                  "ratio": "separable / standard multiply-accumulates"}
        types = {"shape": ShapeAnswer(ndim=3), "ratio": FractionAnswer()}
        return tuple(Slot(k, types.get(k, IntegerAnswer()), 1, labels[k]) for k in params.asked)

    def question(self, params):
        m, size, _ = params.input_shape
        n, k, s, p = params.out_channels, params.kernel_size, params.stride, params.padding
        parts = {
            "shape": "What is the output shape (the same for both layers), as (channels, height, width)?",
            "params_standard": "How many parameters does the standard convolution have?",
            "params_separable": "How many parameters does the depthwise separable convolution have (both steps)?",
            "macs_standard": "How many multiply-accumulates does the standard convolution need for one image?",
            "macs_separable": "How many multiply-accumulates does the depthwise separable convolution need (both steps)?",
            "ratio": "What is the ratio of the separable convolution's multiply-accumulates to the standard one's? "
                     "Give it as an exact fraction (e.g. 5/36).",
        }
        blocks = [
            Text(f"A feature map of shape {m}x{size}x{size} (channels x height x width) goes through a layer with "
                 f"{n} output channels, kernel {k}x{k}, stride {s} and padding {p}, built in one of two ways:"),
            Text(f"Standard: one convolution with {n} filters of size {k}x{k}x{m}. Depthwise separable (MobileNet): "
                 f"a depthwise {k}x{k} convolution that filters each of the {m} input channels with its own {k}x{k} "
                 f"filter (stride {s}, padding {p}, groups={m} in PyTorch), then a pointwise 1x1 convolution from "
                 f"{m} to {n} channels."),
            Text("None of the convolutions has a bias (batch normalization follows each one). Count one "
                 "multiply-accumulate per weight applied at each output position."),
        ]
        for letter, key in zip("abcdef", params.asked):
            blocks += [Text(f"({letter}) {parts[key]}"), AnswerBox(key)]
        return tuple(blocks)

    def solution(self, params, answers):
        m, size, _ = params.input_shape
        n, k, s, p = params.out_channels, params.kernel_size, params.stride, params.padding
        o = self._out(params)
        v = self._values(params)
        dw_p, dw_m = conv_params(m, m, k, False, groups=m), conv_macs(m, m, k, o, groups=m)
        pw_p, pw_m = conv_params(m, n, 1, False), conv_macs(m, n, 1, o)
        (step,) = output_size_steps("conv", size, k, s, p)
        lines = [f"output size: {step.text()}, so {o}x{o} output positions"]
        lines += [
            f"standard parameters: {k}*{k}*{m}*{n} = {v['params_standard']}",
            f"separable parameters: depthwise {k}*{k}*{m} = {dw_p}, pointwise {m}*{n} = {pw_p}, "
            f"total {dw_p} + {pw_p} = {v['params_separable']}",
        ]
        if "macs_standard" in params.asked:
            lines += [
                f"standard multiply-accumulates: {k}*{k}*{m}*{n}*{o}*{o} = {v['macs_standard']}",
                f"separable multiply-accumulates: {k}*{k}*{m}*{o}*{o} + {m}*{n}*{o}*{o} = {dw_m} + {pw_m} = "
                f"{v['macs_separable']}",
                f"ratio: {v['macs_separable']}/{v['macs_standard']} = 1/{n} + 1/{k * k} = "
                f"{fmt_fraction_and_decimal(v['ratio'])}",
            ]
        return (
            Text("A standard convolution has $D_K^2 M N$ weights applied at $D_F^2$ positions; the depthwise step "
                 "has $D_K^2 M$ and the pointwise step $M N$. The ratio of the costs is $1/N + 1/D_K^2$."),
            Steps("\n".join(lines)),
        )


    def misconceptions(self, params, answers):
        m, n = params.input_shape[0], params.out_channels
        values = self._values(params)
        return arch.keep_recognisable(self.slots(params), answers, [
            ("depthwise-with-all-filters", "gave the depthwise step M*N filters, as a standard convolution has",
             "The depthwise step has one D_K x D_K filter per input channel: D_K*D_K*M weights in all.",
             self._values(params, depthwise_filters=m * n)),
            ("forgot-pointwise", "left out the pointwise 1x1 convolution",
             "A depthwise separable convolution is depthwise then pointwise: add the M*N 1x1 weights.",
             self._values(params, pointwise=False)),
            ("forgot-depthwise", "left out the depthwise convolution",
             "Add the depthwise step: D_K*D_K*M weights, applied at every output position.",
             self._values(params, depthwise=False)),
            ("ratio-inverted", "divided the standard cost by the separable cost",
             "The ratio asked is separable / standard = 1/N + 1/D_K^2, less than 1.",
             {"ratio": Fraction(values["macs_standard"], values["macs_separable"])}),
        ])


TEMPLATE = MobileNetSeparable()
