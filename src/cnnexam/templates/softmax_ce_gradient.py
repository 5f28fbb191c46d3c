"""Softmax cross-entropy: probabilities, loss (natural log) and the gradient p - onehot with respect to the
logits, for one sample (easy: 3 classes, no gradient; medium: 3-4 classes) or a batch of two (hard: the
mean loss of ``torch.nn.functional.cross_entropy``, so the gradient is divided by 2).

``to_json`` gives ``input`` (N, C) logits and ``target`` (N,) class indices: ``cross_entropy(input, target)``
and its gradient reproduce the keys. Answers are rounded to stated decimals, computed from unrounded values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnexam.model import (
    AnswerBox, ArrayAnswer, Matrix, Misconception, NumberAnswer, Params, Slot, SlotRef, Steps, Table, Template,
    Text)
from cnnexam.model.numbers import fmt
from cnnexam.solutions import softmax_cross_entropy
from cnnexam.model.misconceptions import distinct
from cnnexam.templates._fwdbwd import near_rounding_tie

DECIMALS = 3
MAX_SPREAD = 3  # largest logit minus smallest: keeps every probability above 0.01
# difficulty -> (samples, class counts, logit range, what is asked)
LEVELS = {
    "easy": dict(samples=1, classes=(3,), logits=(-1, 3), asked=("probs", "loss")),
    "medium": dict(samples=1, classes=(3, 4), logits=(-2, 3), asked=("probs", "loss", "grad")),
    "hard": dict(samples=2, classes=(3,), logits=(-2, 3), asked=("loss", "grad")),
}


@dataclass(frozen=True)
class SoftmaxParams(Params):
    input: tuple[tuple[int, ...], ...]  # (N, C) logits
    target: tuple[int, ...]  # (N,) class indices
    asked: tuple[str, ...]  # "probs", "loss", "grad"

    def solve(self, logits=None):
        """(loss, gradient (N, C), probabilities (N, C)) from the engine; the probabilities are N*grad + onehot."""
        z = np.array(self.input if logits is None else logits)
        loss, grad = softmax_cross_entropy(z, np.array(self.target))
        onehot = np.eye(z.shape[1])[list(self.target)]
        return loss, grad, len(z) * grad + onehot


class SoftmaxCeGradient(Template):
    id = "softmax-ce-gradient"
    title = "Softmax cross-entropy: probabilities, loss and gradient"
    topic = "forward-backward"
    version = 1
    answer_kinds = ("number", "array")
    summary = "Softmax of a few logits, the cross-entropy loss (natural log) and its gradient p - onehot."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        c = int(rng.choice(level["classes"]))
        lo, hi = level["logits"]
        n = level["samples"]
        return SoftmaxParams(input=tuple(tuple(int(v) for v in row) for row in rng.integers(lo, hi + 1, size=(n, c))),
                             target=tuple(int(t) for t in rng.integers(0, c, size=n)), asked=level["asked"])

    def solve(self, params):
        loss, grad, probs = params.solve()
        answers = {"loss": loss}
        if params.asked[0] == "probs":
            answers.update({f"p{j}": float(v) for j, v in enumerate(probs[0])})
        if "grad" in params.asked:
            if len(params.input) == 1:
                answers.update({f"g{j}": float(v) for j, v in enumerate(grad[0])})
            else:
                answers["grad"] = tuple(tuple(float(v) for v in row) for row in grad)
        return answers

    def slots(self, params):
        n, c = len(params.input), len(params.input[0])
        number = NumberAnswer(decimals=DECIMALS)
        if n > 1:
            found = [Slot("loss", number, 1, "loss L")]
            if "grad" in params.asked:
                found.append(Slot("grad", ArrayAnswer(shape=(n, c), element="number", decimals=DECIMALS), n * c / 2,
                                  "dL/dz"))
            return tuple(found)
        found = []  # in the order the table asks for them, row by row, then the loss below it
        for j in range(c):
            if "probs" in params.asked:
                found.append(Slot(f"p{j}", number, 0.5, f"p_{j}"))
            if "grad" in params.asked:
                found.append(Slot(f"g{j}", number, 0.5, f"dL/dz_{j}"))
        return (*found, Slot("loss", number, 1, "loss L"))

    def question(self, params):
        n, c = len(params.input), len(params.input[0])
        rounding = Text(f"Round every answer to {DECIMALS} decimal places, but keep full precision in intermediate "
                        "steps. Use the natural logarithm.")
        if n == 1:
            probs, grads = "probs" in params.asked, "grad" in params.asked
            header = ("class $j$", "logit $z_j$") + (("$p_j = \\mathrm{softmax}(z)_j$",) if probs else ())
            header += ("$\\partial L / \\partial z_j$",) if grads else ()
            rows = tuple((str(j), z) + ((SlotRef(f"p{j}"),) if probs else ()) + ((SlotRef(f"g{j}"),) if grads else ())
                         for j, z in enumerate(params.input[0]))
            # The rounding comes before the table: in the notebook, the table's answer cells follow it at once.
            return (Text("A classifier outputs the logits below for one image whose true class is "
                         f"$y = {params.target[0]}$. It is trained with softmax cross-entropy, $L = -\\ln p_y$ with "
                         "$p = \\mathrm{softmax}(z)$."),
                    rounding, Text("Fill in the table:"), Table(header, rows), Text("Give the loss L:"), AnswerBox("loss"))
        targets = ", ".join(map(str, params.target))
        return (Text(f"A classifier outputs the logits below for a batch of {n} images (row $n$ holds the {c} logits of "
                     f"image $n$); their true classes are $y = ({targets})$. The loss is the mean softmax "
                     "cross-entropy over the batch, as `torch.nn.functional.cross_entropy(z, y)` computes it: "
                     f"$L = \\frac{{1}}{{{n}}} \\sum_n -\\ln p_{{n, y_n}}$ with $p$ the softmax of each row."),
                Matrix(f"Logits z ({n}x{c})", params.input), rounding,
                Text("(a) Compute the loss L."), AnswerBox("loss"),
                Text(f"(b) Compute the gradient $\\partial L / \\partial z$ (a {n}x{c} matrix)."), AnswerBox("grad"))

    def solution(self, params, answers):
        loss, grad, probs = params.solve()
        n = len(params.input)
        batch = (f" averaged over the {n} images", f", divided by {n}.") if n > 1 else ("", ".")
        blocks = [Text("Softmax: $p_j = e^{z_j} / \\sum_k e^{z_k}$; loss $L = -\\ln p_y$" + batch[0]
                       + "; gradient $\\partial L / \\partial z_j = p_j - [j = y]$" + batch[1])]
        losses = [-math.log(probs[i][y]) for i, y in enumerate(params.target)]
        for i, (row, y) in enumerate(zip(params.input, params.target)):
            exps = [math.exp(z) for z in row]
            total = sum(exps)
            name = f"image {i}: " if n > 1 else ""
            powers = ", ".join(f"e^{z if z >= 0 else f'({z})'} = {e:.4f}" for z, e in zip(row, exps))
            shares = ", ".join(f"{e:.4f}/{total:.4f} = {fmt(p, DECIMALS + 1)}" for e, p in zip(exps, probs[i]))
            gradient = ", ".join(fmt(g, DECIMALS + 1) for g in grad[i])
            blocks.append(Steps("\n".join([
                f"{name}e^z = {powers}; sum = {total:.4f}",
                f"{name}p = {shares}",
                f"{name}-ln p_{y} = -ln {fmt(probs[i][y], DECIMALS + 2)} = {fmt(losses[i], DECIMALS + 1)}",
                f"{name}dL/dz = p - onehot({y})" + (f", divided by {n}" if n > 1 else "") + f" = {gradient}"])))
        if n > 1:
            terms = " + ".join(fmt(v, DECIMALS + 1) for v in losses)
            blocks.append(Steps(f"L = ({terms})/{n} = {fmt(loss, DECIMALS)}"))
        blocks.append(Text(f"Rounded to {DECIMALS} decimal places: " + "; ".join(
            f"{s.label} = {s.type.format(answers[s.id])}" for s in self.slots(params)) + "."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        loss, grad, probs = params.solve()
        n = len(params.input)
        p_target = np.mean([probs[i][y] for i, y in enumerate(params.target)])

        def grads(g):
            if n == 1:
                return {f"g{j}": float(v) for j, v in enumerate(g[0])} if "grad" in params.asked else {}
            return {"grad": tuple(tuple(float(v) for v in row) for row in g)}

        found = [
            Misconception("gradient-sign", "took onehot - p as the gradient (the sign is flipped)",
                          "dL/dz_j = p_j - [j = y]: the true class's logit gets a negative gradient.", grads(-grad)),
            Misconception("forgot-onehot", "forgot to subtract the one-hot target from the probabilities",
                          "dL/dz_j = p_j - [j = y]: subtract 1 at the true class.", grads(probs / n)),
            Misconception("log-base-10", "used the base-10 logarithm", "Cross-entropy uses the natural logarithm ln.",
                          {"loss": loss / math.log(10)}),
            Misconception("loss-negative-probability", "took -p_y as the loss instead of -ln p_y",
                          "The loss is the negative natural log of the true class's probability.",
                          {"loss": float(-p_target)}),
        ]
        if n > 1:
            found += [Misconception("loss-summed", "added the losses of the images instead of averaging them",
                                    f"cross_entropy averages over the batch by default: divide the sum by {n}.",
                                    {"loss": loss * n}),
                      Misconception("gradient-not-averaged", "forgot to divide the gradient by the batch size",
                                    f"The loss is a mean over {n} images, so every gradient is divided by {n}.",
                                    grads(grad * n))]
        found = [m for m in found if m.answers]
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        if any(len(set(row)) == 1 or max(row) - min(row) > MAX_SPREAD for row in params.input):
            return "equal logits, or logits so far apart that a probability rounds to almost nothing"
        values = [v for a in answers.values() for v in np.ravel(a)]
        if any(near_rounding_tie(v, DECIMALS) for v in values):
            return "an answer halfway between two roundings"
        return None


TEMPLATE = SoftmaxCeGradient()
