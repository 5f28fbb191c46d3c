"""Backward pass of average pooling: each window sends upstream/k^2 to every cell it covers, and a cell
in several windows (overlapping windows, medium) adds up their shares; with zero padding (hard) the
divisor stays k^2 (torch's default count_include_pad=True). Exact fractions.

The forward input X is shown although the gradient does not depend on it: that makes the max-pooling
routing a recognisable mistake. ``to_json`` gives torch's arguments:
``avg_pool2d(input, kernel_size, stride, padding).backward(grad_output)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import AnswerBox, ArrayAnswer, Matrix, Misconception, Params, Slot, Steps, Template, Text
from cnnexam.model.numbers import fmt, freeze
from cnnexam.solutions import avg_pool2d_backward, max_pool2d_backward, pool_output_size
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import overwritten_backward, torch_image

# difficulty -> (input size, kernel_size, stride, padding) configurations
LEVELS = {
    "easy": ((4, 2, 2, 0), (6, 3, 3, 0), (6, 2, 2, 0)),
    "medium": ((4, 2, 1, 0), (5, 3, 2, 0), (3, 2, 1, 0)),
    "hard": ((4, 2, 2, 1), (5, 3, 2, 1), (3, 3, 1, 1), (4, 3, 2, 1)),
}
GRADS = (-4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 8, 9)


@dataclass(frozen=True)
class AvgPoolBackwardParams(Params):
    input: tuple[tuple[int, ...], ...]
    grad_output: tuple[tuple[int, ...], ...]
    kernel_size: int
    stride: int
    padding: int

    def to_json(self) -> dict:
        return {"input": torch_image(self.input), "grad_output": torch_image(self.grad_output),
                "kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}

    def backward(self, input, grad_output, **changes) -> np.ndarray:
        args = dict(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding, exact=True)
        args.update(changes)
        return avg_pool2d_backward(np.asarray(input), np.asarray(grad_output), **args)


class AvgPoolBackward(Template):
    id = "avgpool-backward"
    title = "Backward pass of average pooling"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("array",)
    summary = "Spread the upstream gradient of average pooling over each window (1/k^2 each), adding up overlaps."

    def generate(self, rng, difficulty):
        n, k, s, p = LEVELS[difficulty][rng.integers(len(LEVELS[difficulty]))]
        o = pool_output_size(n, k, s, p)
        # distinct values, so that the max-pooling routing mistake never depends on a tie
        x = rng.choice(np.arange(0, max(30, n * n + 4)), size=(n, n), replace=False)
        return AvgPoolBackwardParams(input=freeze(x),
                                     grad_output=freeze(rng.choice(GRADS, size=(o, o))),
                                     kernel_size=int(k), stride=int(s), padding=int(p))

    def solve(self, params):
        return {"grad_input": freeze(params.backward(params.input, params.grad_output))}

    def slots(self, params):
        n = len(params.input)
        return (Slot("grad_input", ArrayAnswer(shape=(n, n), element="fraction"), max(1, n * n // 8), "dL/dX"),)

    def question(self, params):
        n, k, s, p, o = len(params.input), params.kernel_size, params.stride, params.padding, len(params.grad_output)
        call = f"torch.nn.functional.avg_pool2d(input, kernel_size={k}, stride={s}, padding={p})"
        blocks = [Text(f"An average-pooling layer with {k}x{k} windows, stride {s} and "
                       + (f"zero padding {p}" if p else "no padding")
                       + f", as `{call}` computes it, turned the {n}x{n} input X into a {o}x{o} output Y."
                       + (" The windows overlap." if s < k else "")),
                  Matrix(f"Input X ({n}x{n})", params.input),
                  Matrix(f"Upstream gradient G = dL/dY ({o}x{o})", params.grad_output)]
        if p:
            blocks.append(Text(f"As in PyTorch's default (count_include_pad=True), every window's sum was divided by "
                               f"{k * k}, padded zeros included."))
        return (*blocks, Text(f"Compute the gradient dL/dX (a {n}x{n} matrix) as exact fractions."),
                AnswerBox("grad_input"))

    def solution(self, params, answers):
        k, s, p = params.kernel_size, params.stride, params.padding
        n, g = len(params.input), params.grad_output
        lines = []
        for i, row in enumerate(g):
            for j, value in enumerate(row):
                r0, c0 = i * s - p, j * s - p
                rows, cols = range(max(r0, 0), min(r0 + k, n)), range(max(c0, 0), min(c0 + k, n))
                lines.append(f"G[{i},{j}]/{k * k} = {value}/{k * k} goes to X rows {rows.start}..{rows.stop - 1}, "
                             f"columns {cols.start}..{cols.stop - 1}")
        blocks = [Text(f"Y[i,j] is the sum of its window divided by {k * k}, so dY[i,j]/dX = 1/{k * k} for every "
                       f"cell of the window (the values of X do not matter). Each window sends G[i,j]/{k * k} to each "
                       "of its cells" + (" (shares that land on the padding are dropped):" if p else ":")),
                  Steps("\n".join(lines))]
        if s < k:
            blocks += [Text("A cell in several windows adds up their shares:"), Steps("\n".join(self._sums(params)))]
        return (*blocks, Matrix("dL/dX", answers["grad_input"]))

    @staticmethod
    def _sums(params) -> list[str]:
        """dX[r,c] = G[i,j]/k^2 + ... for every cell, the windows that reach it found through the engine."""
        g, k2 = np.array(params.grad_output), params.kernel_size**2
        terms: dict[tuple[int, int], list[str]] = {}
        for index in np.ndindex(g.shape):
            one = np.zeros(g.shape, dtype=np.int64)
            one[index] = 1
            for r, c in np.argwhere(params.backward(params.input, one)):
                share = f"({g[index]})/{k2}" if g[index] < 0 else f"{g[index]}/{k2}"
                terms.setdefault((int(r), int(c)), []).append(share)
        total = params.backward(params.input, g)
        return [f"dX[{r},{c}] = {' + '.join(terms[r, c])} = {fmt(total[r, c])}" for r, c in sorted(terms)]

    def misconceptions(self, params, answers):
        x, g, k, s, p = (np.array(params.input), np.array(params.grad_output), params.kernel_size, params.stride,
                         params.padding)
        found = [
            Misconception("whole-gradient-to-each-cell", "gave every cell of a window the window's whole upstream "
                          "gradient", f"The output is the window's mean, so each cell gets G[i,j]/{k * k}.",
                          {"grad_input": freeze(params.backward(x, g, divisor_override=1))}),
            Misconception("max-pool-routing", "sent each gradient to the window's maximum (the max-pooling rule)",
                          "Average pooling uses every cell of the window equally: each gets an equal share.",
                          {"grad_input": freeze(max_pool2d_backward(x, g, k, s, p))}),
        ]
        if s < k:
            found.append(Misconception("forgot-to-accumulate", "overwrote the shares where windows overlap instead of "
                                       "adding them", "A cell covered by several windows receives the sum of their "
                                       "shares.", {"grad_input": freeze(overwritten_backward(params.backward, x, g))}))
        if p:
            found.append(Misconception("excluded-padding", "divided by the number of input cells in each window "
                                       "(count_include_pad=False)", f"With count_include_pad=True every window's "
                                       f"divisor is {k * k}, padded zeros included.",
                                       {"grad_input": freeze(params.backward(x, g, count_include_pad=False))}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        if params.stride < params.kernel_size:
            covered = params.backward(params.input, np.ones(np.shape(params.grad_output), dtype=np.int64),
                                      divisor_override=1)
            if max(covered.ravel()) < 2:
                return "overlapping windows but no cell in two of them"
        return None


TEMPLATE = AvgPoolBackward()
