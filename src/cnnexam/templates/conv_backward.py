"""Gradients of a single-channel convolution (cross-correlation) given the upstream gradient G = dL/dY:
dL/dW (easy), then also dL/db and dL/dX (medium), with stride 2 (hard).

dL/dW[a,b] = sum_ij G[i,j] X[s*i + a, s*j + b] (X correlated with G, G's cells s apart); dL/db = sum G;
dL/dX scatters G[i,j] * W onto the window of output (i, j), i.e. G fully convolved with W (the kernel
flipped). ``to_json`` gives ``input``, ``weight``, ``grad_output`` and ``stride`` as torch tensors' nested
lists: ``conv2d(input, weight, bias, stride).backward(grad_output)`` reproduces every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnexam.model import (
    AnswerBox, ArrayAnswer, FractionAnswer, Matrix, Misconception, Params, Slot, Steps, Template, Text)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d_backward, conv_output_size, convolve2d
from cnnexam.solutions.worked import conv2d_steps, conv_transpose2d_steps
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import torch_image

# difficulty -> (input size, kernel size, stride) configurations and the gradients asked for
LEVELS = {
    "easy": dict(configs=((3, 2, 1), (4, 2, 1)), asked=("dw",)),
    "medium": dict(configs=((3, 2, 1), (4, 2, 1)), asked=("dw", "db", "dx")),
    "hard": dict(configs=((4, 2, 2), (5, 2, 2), (5, 3, 2)), asked=("dw", "db", "dx")),
}
VALUES, WEIGHTS, GRADS = (-2, 3), (-1, 2), (-2, 2)


@dataclass(frozen=True)
class ConvBackwardParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    grad_output: tuple[tuple[int, ...], ...]
    stride: int
    asked: tuple[str, ...]  # which of "dw", "db", "dx" the question asks for

    def to_json(self) -> dict:
        return {"input": torch_image(self.input), "weight": torch_image(self.weight),
                "grad_output": torch_image(self.grad_output), "stride": self.stride, "asked": list(self.asked)}

    def covered(self) -> np.ndarray:
        """The part of the input that some window reaches (a stride that does not fit leaves the rest out)."""
        span = (len(self.grad_output) - 1) * self.stride + len(self.weight)
        return np.array(self.input)[:span, :span]

    def grads(self, weight=None, grad_output=None) -> dict:
        """The engine's (dX, dW, db) as a slot dict, optionally with another weight or upstream gradient."""
        w = np.array(self.weight if weight is None else weight)
        g = np.array(self.grad_output if grad_output is None else grad_output)
        dx, dw, db = conv2d_backward(np.array(self.input), w, g, self.stride)
        return {"dw": freeze(dw), "db": int(db[0]), "dx": freeze(dx)}


class ConvBackward(Template):
    id = "conv-backward"
    title = "Backward pass of a convolution"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("array", "fraction")
    summary = "Gradients of a single-channel convolution w.r.t. its weights, bias and input from an upstream gradient."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        n, k, s = level["configs"][rng.integers(len(level["configs"]))]
        o = conv_output_size(n, k, s)
        return ConvBackwardParams(input=freeze(rng.integers(VALUES[0], VALUES[1] + 1, size=(n, n))),
                                  weight=freeze(rng.integers(WEIGHTS[0], WEIGHTS[1] + 1, size=(k, k))),
                                  grad_output=freeze(rng.integers(GRADS[0], GRADS[1] + 1, size=(o, o))),
                                  stride=int(s), asked=level["asked"])

    def solve(self, params):
        grads = params.grads()
        return {slot: grads[slot] for slot in params.asked}

    def slots(self, params):
        n, k = len(params.input), len(params.weight)
        found = {"dw": Slot("dw", ArrayAnswer(shape=(k, k), element="integer"), k * k / 2, "dL/dW"),
                 # exact fractions are read so that an averaged answer is recognised as that mistake
                 "db": Slot("db", FractionAnswer(), 1, "dL/db"),
                 "dx": Slot("dx", ArrayAnswer(shape=(n, n), element="integer"), max(1, n * n // 8), "dL/dX")}
        return tuple(found[slot] for slot in params.asked)

    def question(self, params):
        n, k, o, s = len(params.input), len(params.weight), len(params.grad_output), params.stride
        parts = {"dw": f"the gradient dL/dW with respect to the kernel ({k}x{k})",
                 "db": "the gradient dL/db with respect to the bias (one number)",
                 "dx": f"the gradient dL/dX with respect to the input ({n}x{n})"}
        blocks = [Text(f"A convolutional layer computes Y = conv2d(X, W) + b: a cross-correlation, as "
                       f"`torch.nn.functional.conv2d` computes it, with stride {s}, no padding and a scalar bias b. "
                       f"Its {o}x{o} output Y feeds the rest of the network, which sends back the upstream gradient "
                       "G = dL/dY."),
                  Matrix(f"Input X ({n}x{n})", params.input), Matrix(f"Kernel W ({k}x{k})", params.weight),
                  Matrix(f"Upstream gradient G = dL/dY ({o}x{o})", params.grad_output)]
        for letter, slot in zip("abc", params.asked):
            blocks += [Text(f"({letter}) Compute {parts[slot]}."), AnswerBox(slot)]
        return tuple(blocks)

    def solution(self, params, answers):
        x, w, g, s = (np.array(params.input), np.array(params.weight), np.array(params.grad_output), params.stride)
        blocks = [Text("Every output Y[i,j] = b + sum_ab W[a,b] X[s*i + a, s*j + b] uses W[a,b] once, so by the chain "
                       "rule dL/dW[a,b] = sum_ij G[i,j] X[s*i + a, s*j + b]: X correlated with G"
                       + (f", whose cells sit {s} apart in X (a dilation of {s})." if s > 1 else ".")),
                  Steps("\n".join(step.text().replace("out[", "dW[", 1)
                                  for step in conv2d_steps(params.covered(), g, dilation=s))),
                  Matrix("dL/dW", answers["dw"])]
        if "db" in params.asked:
            total = " + ".join(f"({v})" if v < 0 else str(v) for v in g.ravel().tolist())
            blocks += [Text("The bias is added to every output, so its gradient is the sum of all upstream gradients:"),
                       Steps(f"dL/db = {total} = {answers['db']}")]
        if "dx" in params.asked:
            n, k, o = len(x), len(w), len(g)
            extra = n - ((o - 1) * s + k)  # input rows and columns no window reaches: gradient 0
            blocks += [Text("Each output Y[i,j] sends G[i,j]*W back onto the window of X it was computed from, and the "
                            "contributions add up where windows overlap (a transposed convolution of G with W; "
                            "equivalently, the zero-padded G correlated with W rotated by 180 degrees)"
                            + (". Cells that no window reaches get 0" if extra else "") + ":"),
                       Steps("\n".join(step.text().replace("out[", "dX[", 1)
                                       for step in conv_transpose2d_steps(g, w, stride=s, output_padding=extra)
                                       if step.terms)),
                       Matrix("dL/dX", answers["dx"])]
        return tuple(blocks)

    def misconceptions(self, params, answers):
        w, g, s = np.array(params.weight), np.array(params.grad_output), params.stride
        found = [
            Misconception("dw-true-convolution", "flipped G when computing dL/dW (a true convolution of X with G)",
                          "dL/dW[a,b] = sum_ij G[i,j] X[s*i + a, s*j + b]: slide G over X as it is, without "
                          "flipping it.",
                          {"dw": freeze(convolve2d(params.covered(), g, dilation=s))}),
            Misconception("ignored-upstream-gradient", "left out the upstream gradient (as if every G[i,j] were 1)",
                          "Chain rule: weight each output's contribution by its upstream gradient G[i,j].",
                          params.grads(grad_output=np.ones_like(g))),
            Misconception("db-mean", "averaged the upstream gradients instead of adding them",
                          "The bias is added to every output, so dL/db is the sum of all G[i,j].",
                          {"db": Fraction(int(g.sum()), g.size)}),
            Misconception("dx-kernel-not-flipped", "correlated the zero-padded G with W as it is (for dL/dX the "
                          "kernel must be rotated by 180 degrees)", "dL/dX is the full convolution of G with W: "
                          "scatter G[i,j]*W onto each output's window, or slide the rotated kernel over the "
                          "zero-padded G.",
                          {"dx": params.grads(weight=w[::-1, ::-1])["dx"]}),
        ]
        asked = [Misconception(m.name, m.description, m.fix, {k: v for k, v in m.answers.items() if k in params.asked})
                 for m in found]
        return distinct(self.slots(params), answers, asked)

    def degenerate(self, params, answers):
        g = np.array(params.grad_output)
        if (g == 0).sum() > g.size // 4:
            return "too many zeros in the upstream gradient"
        if any(not np.array(answers[k]).any() for k in ("dw", "dx") if k in answers):
            return "an all-zero gradient"
        w = np.array(params.weight)
        if (w == 0).sum() > w.size // 4 or (w == w[::-1, ::-1]).all():
            return "a kernel with too many zeros, or one that equals its flip"
        if answers.get("db") == 0:
            return "a zero bias gradient"
        if len(self.misconceptions(params, answers)) < 2:
            return "fewer than two recognisable mistakes"
        return None


TEMPLATE = ConvBackward()
