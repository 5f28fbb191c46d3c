"""One value of AlexNet's local response normalization (slide 001, Krizhevsky et al. 2012, Sect. 3.3):

    b^i = a^i / (k + alpha * sum_{j = max(0, i - n/2)}^{min(N - 1, i + n/2)} (a^j)^2)^beta

at one channel i of a column of N activations at one position. Constants friendly to hand computation
(easy: k = 1, alpha = 1, beta = 1, n = 3; medium: k = 2, alpha = 0.1, beta = 0.5) and the paper's own
(hard: k = 2, n = 5, alpha = 1e-4, beta = 0.75).

Params keep the paper's names (n, k, alpha, beta). torch's ``local_response_norm`` divides alpha by its
``size``, so ``to_json`` adds its arguments under ``torch``:
``local_response_norm(input, **torch)[0, channel, 0, 0]`` reproduces the key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import AnswerBox, Math, Misconception, NumberAnswer, Params, Slot, Steps, Table, Template, Text
from cnnexam.model.numbers import fmt
from cnnexam.solutions import alexnet_local_response_norm, local_response_norm
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import near_rounding_tie

DECIMALS = 3
# difficulty -> channel counts, window sizes n, constants (k, alpha, beta) and the activation range
LEVELS = {
    "easy": dict(channels=(5, 6), sizes=(3,), constants=(1, 1.0, 1.0), values=(0, 3)),
    "medium": dict(channels=(5, 6, 7), sizes=(3, 5), constants=(2, 0.1, 0.5), values=(0, 5)),
    "hard": dict(channels=(6, 7, 8), sizes=(5,), constants=(2, 1e-4, 0.75), values=(0, 60)),
}


@dataclass(frozen=True)
class LrnParams(Params):
    input: tuple[int, ...]  # a^0 .. a^(N-1): the channels of one position
    channel: int  # i
    n: int
    k: int
    alpha: float
    beta: float

    def to_json(self) -> dict:
        out = {"input": [[[[a]] for a in self.input]], "channel": self.channel, "n": self.n, "k": self.k,
               "alpha": self.alpha, "beta": self.beta}
        out["torch"] = {"size": self.n, "alpha": self.alpha * self.n, "beta": self.beta, "k": self.k}
        return out

    def column(self) -> np.ndarray:
        return np.array(self.input, dtype=np.int64).reshape(-1, 1, 1)

    def window(self) -> range:
        return range(max(0, self.channel - self.n // 2), min(len(self.input), self.channel + self.n // 2 + 1))

    def value(self, **changes) -> float:
        args = dict(n=self.n, k=self.k, alpha=self.alpha, beta=self.beta)
        args.update(changes)
        return float(alexnet_local_response_norm(self.column(), **args)[self.channel, 0, 0])


class LrnValue(Template):
    id = "lrn-value"
    title = "Local response normalization (AlexNet)"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("number",)
    summary = "Normalize one activation across neighbouring channels with AlexNet's LRN formula."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        c = int(rng.choice(level["channels"]))
        k, alpha, beta = level["constants"]
        lo, hi = level["values"]
        return LrnParams(input=tuple(int(v) for v in rng.integers(lo, hi + 1, size=c)), channel=int(rng.integers(c)),
                         n=int(rng.choice(level["sizes"])), k=k, alpha=alpha, beta=beta)

    def solve(self, params):
        return {"b": params.value()}

    def slots(self, params):
        return (Slot("b", NumberAnswer(decimals=DECIMALS), 2, f"b for channel {params.channel}"),)

    def question(self, params):
        c, i = len(params.input), params.channel
        return (
            Text(f"AlexNet normalizes each activation $a^i$ (channel $i$, at one position $x, y$) by the activations of the "
                 f"neighbouring channels, where N = {c} is the number of channels (numbered 0 to {c - 1}):"),
            Math("b^i = a^i / \\left( k + \\alpha \\sum_{j=\\max(0, i-n/2)}^{\\min(N-1, i+n/2)} (a^j)^2 "
                 "\\right)^\\beta"),
            Text(f"with $n/2$ rounded down, and the constants $k = {params.k}$, $n = {params.n}$, "
                 f"$\\alpha = {params.alpha:g}$, $\\beta = {params.beta:g}$. At one position the {c} channels hold "
                 "these activations:"),
            Table(("channel $j$",) + tuple(str(j) for j in range(c)), (("$a^j$",) + params.input,)),
            Text(f"Compute $b^{{{i}}}$ (channel {i}), rounded to {DECIMALS} decimal places."),
            AnswerBox("b"),
        )

    def solution(self, params, answers):
        a, i, window = params.input, params.channel, params.window()
        total = sum(a[j] ** 2 for j in window)
        base = params.k + params.alpha * total
        lines = [(f"window: channels {window.start}..{window.stop - 1} (i - n/2 = {i - params.n // 2}, "
                  f"i + n/2 = {i + params.n // 2}, kept inside 0..{len(a) - 1})"),
                 "sum of squares = " + " + ".join(f"{a[j]}^2" for j in window) + f" = {total}",
                 f"base = {params.k} + {params.alpha:g}*{total} = {base:.6g}",
                 (f"b^{i} = {a[i]} / {base:.6g}^{params.beta:g} = {a[i]} / {base ** params.beta:.6g} = "
                  f"{fmt(answers['b'], DECIMALS + 2)}")]
        return (Text("Add the squares of the activations in the window of n channels centred on i, scale by alpha, add "
                     "k and raise to the power beta:"),
                Steps("\n".join(lines)),
                Text(f"Rounded to {DECIMALS} decimal places: $b^{{{i}}} = {fmt(answers['b'], DECIMALS)}$."))

    def misconceptions(self, params, answers):
        a, i, window = params.input, params.channel, params.window()
        plain_sum = sum(a[j] for j in window)
        found = [
            Misconception("summed-all-channels", "added the squares of all channels, not only the n neighbours of i",
                          f"Only the n = {params.n} channels i - n/2 .. i + n/2 (inside 0..N-1) enter the sum.",
                          {"b": params.value(n=2 * len(a) + 1)}),
            Misconception("forgot-square", "added the activations instead of their squares",
                          "Square each activation in the window before adding.",
                          {"b": a[i] / (params.k + params.alpha * plain_sum) ** params.beta}),
            Misconception("alpha-divided-by-n", "divided alpha by n (PyTorch's convention, not the paper's formula)",
                          "In AlexNet's formula alpha multiplies the sum directly; torch's local_response_norm uses "
                          "alpha/n instead.",
                          {"b": float(local_response_norm(params.column(), params.n, params.alpha, params.beta,
                                                          params.k)[i, 0, 0])}),
        ]
        if params.beta != 1:
            found.append(Misconception("forgot-beta", "forgot to raise the denominator to the power beta",
                                       f"Raise k + alpha * (sum of squares) to beta = {params.beta:g} before dividing.",
                                       {"b": params.value(beta=1.0)}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        a, i = params.input, params.channel
        if a[i] == 0 or not any(a[j] for j in params.window() if j != i):
            return "a zero activation, or no non-zero neighbour in the window"
        if near_rounding_tie(answers["b"], DECIMALS):
            return "an answer halfway between two roundings"
        if len(self.misconceptions(params, answers)) < 2:
            return "fewer than two recognisable mistakes"
        return None


TEMPLATE = LrnValue()
