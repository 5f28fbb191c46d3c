"""Backward pass of max pooling: each window sends its upstream gradient to the position of its maximum
and nothing to the other cells; where windows overlap (hard), the gradients reaching a cell add up.

Every window has a unique maximum (and minimum), so the routing never depends on a tie-breaking rule.
``to_json`` gives torch's arguments: ``max_pool2d(input, kernel_size, stride).backward(grad_output)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import AnswerBox, ArrayAnswer, Matrix, Misconception, Params, Slot, Steps, Template, Text
from cnnexam.model.numbers import freeze
from cnnexam.solutions import avg_pool2d_backward, max_pool2d_backward, pool_output_size
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import overwritten_backward, torch_image

# difficulty -> (input size, kernel_size, stride) configurations
LEVELS = {
    "easy": ((4, 2, 2),),
    "medium": ((6, 2, 2), (6, 3, 3), (4, 2, 2)),
    "hard": ((4, 2, 1), (5, 3, 1), (5, 3, 2), (5, 2, 1)),
}
GRADS = (-3, -2, -1, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class MaxPoolBackwardParams(Params):
    input: tuple[tuple[int, ...], ...]
    grad_output: tuple[tuple[int, ...], ...]
    kernel_size: int
    stride: int

    def to_json(self) -> dict:
        return {"input": torch_image(self.input), "grad_output": torch_image(self.grad_output),
                "kernel_size": self.kernel_size, "stride": self.stride}

    def backward(self, input, grad_output) -> np.ndarray:
        return max_pool2d_backward(np.asarray(input), np.asarray(grad_output), self.kernel_size, self.stride)

    def windows(self):
        """(i, j) and the window's values for every output position, row-major."""
        x, k, s = np.array(self.input), self.kernel_size, self.stride
        o = pool_output_size(len(x), k, s)
        for i in range(o):
            for j in range(o):
                yield (i, j), x[i * s:i * s + k, j * s:j * s + k]


class MaxPoolBackward(Template):
    id = "maxpool-backward"
    title = "Backward pass of max pooling"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("array",)
    summary = "Route the upstream gradient of max pooling to each window's maximum; overlapping windows accumulate."

    def generate(self, rng, difficulty):
        n, k, s = LEVELS[difficulty][rng.integers(len(LEVELS[difficulty]))]
        o = pool_output_size(n, k, s)
        # distinct values, so that no window has a tie for its maximum (or its minimum); negatives past easy
        low = 0 if difficulty == "easy" else -9
        values = rng.choice(np.arange(low, low + max(20, n * n + 4)), size=n * n, replace=False)
        return MaxPoolBackwardParams(input=freeze(values.reshape(n, n)),
                                     grad_output=freeze(rng.choice(GRADS, size=(o, o))), kernel_size=int(k),
                                     stride=int(s))

    def solve(self, params):
        return {"grad_input": freeze(params.backward(params.input, params.grad_output))}

    def slots(self, params):
        n = len(params.input)
        # Fractions are read so that an evenly spread answer is recognised as that mistake.
        return (Slot("grad_input", ArrayAnswer(shape=(n, n), element="fraction"), max(1, n * n // 8), "dL/dX"),)

    def question(self, params):
        n, k, s, o = len(params.input), params.kernel_size, params.stride, len(params.grad_output)
        overlap = " The windows overlap." if s < k else ""
        return (Text(f"A max-pooling layer with {k}x{k} windows and stride {s} (no padding), as "
                     f"`torch.nn.functional.max_pool2d(input, kernel_size={k}, stride={s})` computes it, turns the "
                     f"{n}x{n} input X into a {o}x{o} output Y.{overlap} The upstream gradient G = dL/dY comes back."),
                Matrix(f"Input X ({n}x{n})", params.input),
                Matrix(f"Upstream gradient G = dL/dY ({o}x{o})", params.grad_output),
                Text(f"Compute the gradient dL/dX (a {n}x{n} matrix)."), AnswerBox("grad_input"))

    def solution(self, params, answers):
        lines = []
        for (i, j), window in params.windows():
            one = np.zeros(np.shape(params.grad_output), dtype=np.int64)
            one[i, j] = 1
            r, c = np.argwhere(params.backward(params.input, one))[0]
            values = ", ".join(str(v) for v in window.ravel().tolist())
            lines.append(f"Y[{i},{j}] = max({values}) = {params.input[r][c]} at X[{r},{c}]: "
                         f"dX[{r},{c}] += G[{i},{j}] = {params.grad_output[i][j]}")
        overlap = params.stride < params.kernel_size
        accumulate = ". A cell that is the maximum of several windows adds up their gradients:" if overlap else ":"
        return (Text("Only the maximum of a window influences the window's output, so the whole upstream gradient of "
                     "that output goes to the maximum's position; every other cell of the window gets nothing"
                     + accumulate),
                Steps("\n".join(lines)),
                Text("Cells that are no window's maximum get 0."),
                Matrix("dL/dX", answers["grad_input"]))

    def misconceptions(self, params, answers):
        x, g, k, s = np.array(params.input), np.array(params.grad_output), params.kernel_size, params.stride
        found = [
            Misconception("spread-evenly", "spread each upstream gradient evenly over its window (the average-pooling "
                          "rule)", "Max pooling sends a window's whole gradient to its maximum only.",
                          {"grad_input": freeze(avg_pool2d_backward(x, g, k, s, exact=True))}),
            Misconception("routed-to-minimum", "sent each gradient to the window's smallest value",
                          "The gradient goes to the position of the window's largest value, the one that was "
                          "passed on.",
                          {"grad_input": freeze(params.backward(-x, g))}),
        ]
        if s < k:
            found.append(Misconception("overwrote-overlaps", "overwrote the gradient where windows overlap instead of "
                                       "adding", "A cell that is the maximum of several windows receives the sum of "
                                       "their upstream gradients.",
                                       {"grad_input": freeze(overwritten_backward(params.backward, x, g))}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        for _, window in params.windows():
            values = window.ravel()
            if (values == values.max()).sum() > 1 or (values == values.min()).sum() > 1:
                return "a tie for a window's maximum or minimum"
        if params.stride < params.kernel_size:
            routed = params.backward(params.input, np.ones_like(np.array(params.grad_output)))
            if routed.max() < 2:
                return "overlapping windows but no cell is the maximum of two of them"
        return None


TEMPLATE = MaxPoolBackward()
