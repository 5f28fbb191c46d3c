"""Forward pass conv -> ReLU -> max pool on tiny integers: the convolution output (with bias), the ReLU
output and the pooled output.

Levels: a 2x2 kernel on a 5x5 input and 2x2/2 pooling (easy); a 3x3 kernel and 2x2 pooling with stride 1
(medium); a strided convolution (hard). "ReLU applied after pooling" is no misconception here: ReLU and
max pooling commute (both are monotone), so that order gives the right answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import HIDDEN_SIZE_WEIGHT, AnswerBox, ArrayAnswer, Matrix, Misconception, Params, Slot, Steps, Template, Text
from cnnexam.model.numbers import freeze
from cnnexam.solutions import avg_pool2d_exact, conv2d, convolve2d, max_pool2d, relu
from cnnexam.solutions.worked import conv2d_steps, max_pool2d_steps
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import torch_image

# difficulty -> (input size, kernel size, conv stride, pool kernel, pool stride) configurations
LEVELS = {
    "easy": ((5, 2, 1, 2, 2),),
    "medium": ((5, 3, 1, 2, 1), (4, 2, 1, 2, 1)),
    "hard": ((7, 3, 2, 2, 1), (6, 2, 2, 2, 1), (7, 2, 2, 2, 1)),
}
VALUES, WEIGHTS, BIASES = (-2, 3), (-1, 2), (-3, -2, -1, 1, 2, 3)


@dataclass(frozen=True)
class ConvReluPoolParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    bias: int
    stride: int
    pool_kernel_size: int
    pool_stride: int

    def to_json(self) -> dict:
        # conv2d's arguments, then max_pool2d's: F.max_pool2d(F.relu(F.conv2d(input, weight, bias, stride)), ...)
        return {"input": torch_image(self.input), "weight": torch_image(self.weight), "bias": [self.bias],
                "stride": self.stride, "max_pool2d": {"kernel_size": self.pool_kernel_size, "stride": self.pool_stride}}

    def conv(self, flipped: bool = False, bias: bool = True) -> np.ndarray:
        return (convolve2d if flipped else conv2d)(np.array(self.input), np.array(self.weight),
                                                   np.array([self.bias]) if bias else None, self.stride)

    def pool(self, x, average: bool = False) -> np.ndarray:
        return (avg_pool2d_exact if average else max_pool2d)(x, self.pool_kernel_size, self.pool_stride)


class ForwardConvReluPool(Template):
    id = "forward-conv-relu-pool"
    title = "Forward pass: convolution, ReLU, max pooling"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("array",)
    summary = "Push a tiny image through conv (with bias) -> ReLU -> max pool and write down every stage."

    def generate(self, rng, difficulty):
        n, k, s, pk, ps = LEVELS[difficulty][rng.integers(len(LEVELS[difficulty]))]
        return ConvReluPoolParams(input=freeze(rng.integers(VALUES[0], VALUES[1] + 1, size=(n, n))),
                                  weight=freeze(rng.integers(WEIGHTS[0], WEIGHTS[1] + 1, size=(k, k))),
                                  bias=int(rng.choice(BIASES)), stride=int(s), pool_kernel_size=int(pk),
                                  pool_stride=int(ps))

    def solve(self, params):
        z = params.conv()
        a = relu(z)
        return {"conv": freeze(z), "relu": freeze(a), "pooled": freeze(params.pool(a))}

    def slots(self, params):
        z = params.conv()
        pooled = params.pool(z).shape
        return (Slot("conv", ArrayAnswer(shape=z.shape, element="integer", shape_given=False),
                     HIDDEN_SIZE_WEIGHT, "convolution output Z"),
                Slot("relu", ArrayAnswer(shape=z.shape, element="integer", shape_given=False), 1, "ReLU output A"),
                # Fractions are read so that an average-pooled answer is recognised as that mistake.
                Slot("pooled", ArrayAnswer(shape=pooled, element="fraction", shape_given=False),
                     HIDDEN_SIZE_WEIGHT / 2, "pooled output P"))

    def question(self, params):
        n, k, s = len(params.input), len(params.weight), params.stride
        pk, ps = params.pool_kernel_size, params.pool_stride
        return (
            Text("A tiny CNN stage computes Z = conv2d(X, W) + b (a cross-correlation, as "
                 f"`torch.nn.functional.conv2d` computes it: the kernel is not flipped), with stride {s} and no "
                 f"padding; then A = ReLU(Z); then P = max pooling of A with {pk}x{pk} windows and stride {ps}."),
            Matrix(f"Input X ({n}x{n})", params.input),
            Matrix(f"Kernel W ({k}x{k})", params.weight),
            Text(f"Bias: $b = {params.bias}$."),
            Text("(a) Compute the convolution output Z (bias included)."), AnswerBox("conv"),
            Text("(b) Compute A = ReLU(Z)."), AnswerBox("relu"),
            Text("(c) Compute the pooled output P."), AnswerBox("pooled"),
        )

    def solution(self, params, answers):
        z, a = np.array(answers["conv"]), np.array(answers["relu"])
        steps = conv2d_steps(np.array(params.input), np.array(params.weight), np.array([params.bias]), params.stride)
        pool_steps = max_pool2d_steps(a, params.pool_kernel_size, params.pool_stride)
        return (
            Text("Each cell of Z is the sum of the window's products with the kernel, plus the bias:"),
            Steps("\n".join(step.text().replace("out[", "Z[", 1) for step in steps)),
            Matrix(f"Z ({z.shape[0]}x{z.shape[1]})", answers["conv"]),
            Text("ReLU replaces every negative value by 0 and keeps the rest:"),
            Matrix(f"A = ReLU(Z) ({a.shape[0]}x{a.shape[1]})", answers["relu"]),
            Text("Max pooling keeps the largest value of each window of A:"),
            Steps("\n".join(step.text().replace("out[", "P[", 1) for step in pool_steps)),
            Matrix("P", answers["pooled"]),
            Text("(Pooling first and applying ReLU afterwards gives the same P: both keep the order of values.)"),
        )

    def misconceptions(self, params, answers):
        def chain(z, a=None):
            a = relu(z) if a is None else a
            return {"conv": freeze(z), "relu": freeze(a), "pooled": freeze(params.pool(a))}

        unbiased = params.conv(bias=False)
        found = [
            Misconception("forgot-bias", "forgot to add the bias",
                          "Add the bias to every cell of the convolution output, before the ReLU.", chain(unbiased)),
            Misconception("kernel-flipped", "flipped the kernel (computed the true convolution)",
                          "CNN layers compute a cross-correlation: multiply each window by the kernel as it is.",
                          chain(params.conv(flipped=True))),
            # max(z - b, 0) + b = max(z, b): the ReLU clipped at the bias instead of at 0
            Misconception("relu-before-bias", "applied the ReLU before adding the bias (so values were clipped at the "
                          "bias instead of at 0)", "Add the bias first, then set the negative sums to 0.",
                          {"relu": freeze(relu(unbiased) + params.bias),
                           "pooled": freeze(params.pool(relu(unbiased) + params.bias))}),
            Misconception("average-pooled", "averaged each pooling window instead of taking its maximum",
                          "Max pooling keeps the largest value of each window.",
                          {"pooled": freeze(params.pool(np.array(answers["relu"]), average=True))}),
        ]
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        z = np.array(answers["conv"])
        if (z < 0).sum() < max(2, z.size // 4) or (z > 0).sum() < max(2, z.size // 4):
            return "too few negative or positive convolution outputs for the ReLU to matter"
        if not np.array(answers["pooled"]).any():
            return "all-zero pooled output"
        return None


TEMPLATE = ForwardConvReluPool()
