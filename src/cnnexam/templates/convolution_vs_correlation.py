"""True convolution (flipped kernel) versus the cross-correlation that CNN layers compute.

Easy: three outputs are shown (true convolution, cross-correlation, and a kernel flipped in one direction
only): which is which. Medium: compute the true convolution. Hard: compute both. Every level adds a
true/false statement about what ``torch.nn.functional.conv2d`` computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (Steps, AnswerBox, ArrayAnswer, Matrix, Misconception, Params, SingleChoiceAnswer, Slot,
                           Template, Text, TrueFalseAnswer)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d, convolve2d
from cnnexam.solutions.worked import conv2d_steps

from cnnexam.model.misconceptions import distinct

from ._conv_helpers import permutation

# (statement, truth, why). Sources: slide 001 ("more properly described as a cross-correlation"; the discrete
# convolution sum(f(a,b) g(i-a, j-b))), slide 003 ("mirror filter mask horizontally and vertically"),
# slide 004 (technical note on cross-correlation vs. convolution, associativity), PyTorch's Conv2d
# documentation ("the valid 2D cross-correlation operator"), Goodfellow et al., Deep Learning (2016),
# section 9.1 (libraries implement cross-correlation and call it convolution; learned kernels flip).
STATEMENTS = (
    ("`torch.nn.functional.conv2d` computes a cross-correlation: it slides the kernel over the input "
     "without flipping it.", True, "conv2d, like every CNN layer, uses the kernel as it is."),
    ("`torch.nn.functional.conv2d` flips the kernel top-bottom and left-right before sliding it, as the "
     "convolution of signal processing does.", False, "conv2d, like every CNN layer, uses the kernel as it is."),
    ("The true convolution of X with W equals `conv2d` of X with W rotated by 180 degrees (flipped "
     "top-bottom and left-right).", True, "Flipping both ways is exactly what the true convolution adds, as "
     "the worked solution shows."),
    ("For every kernel W, the true convolution of X with W equals `conv2d` of X with the transposed "
     "kernel W^T.", False, "The true convolution needs W rotated by 180 degrees; the transpose is a different "
     "matrix for most kernels (compare W^T with the rotated kernel above)."),
    ("For a kernel that a 180-degree rotation leaves unchanged (such as the 3x3 box blur), cross-correlation "
     "and true convolution give the same output.", True, "Flipping such a kernel gives the same kernel back."),
    ("Cross-correlation and true convolution give the same output for every kernel.", False,
     "They differ whenever the rotated kernel differs from the kernel, as for W here."),
    ("A CNN computing true convolutions could learn the same functions as one computing cross-correlations: "
     "its learned kernels would simply come out flipped.", True,
     "A learned kernel can take any values, including the flipped ones."),
    ("In most deep-learning libraries, the layer called 'convolution' flips the kernel before applying it.", False,
     "Libraries implement cross-correlation and call it convolution."),
    ("The true convolution is associative, (A * B) * C = A * (B * C), a property cross-correlation lacks "
     "in general.", True, "Associativity follows from the flip in the definition of the convolution; "
     "cross-correlation is not even commutative."),
    ("Flipping the kernel left-to-right only turns a cross-correlation into the true convolution.", False,
     "The kernel must also be flipped top-to-bottom (a 180-degree rotation)."),
)
LEVELS = {"easy": dict(sizes=(3, 4), k=2), "medium": dict(sizes=(4,), k=2), "hard": dict(sizes=(4, 5), k=3)}
LETTERS = "ABC"
# The outputs shown at the easy level: kernel as given, flipped both ways, flipped in one direction only.
FLIPS = {"correlation": (slice(None), slice(None)), "convolution": (slice(None, None, -1), slice(None, None, -1)),
         "rows-flipped": (slice(None, None, -1), slice(None)), "columns-flipped": (slice(None), slice(None, None, -1))}
PARTIAL = {
    "rows-flipped": ("flipped-rows-only", "flipped the kernel top-to-bottom only (reversed the order of its rows)",
                     "The true convolution flips the kernel in both directions: reverse the rows and the columns."),
    "columns-flipped": ("flipped-columns-only", "flipped the kernel left-to-right only (reversed its columns)",
                        "The true convolution flips the kernel in both directions: reverse the columns and the rows."),
}


@dataclass(frozen=True)
class ConvCorrParams(Params):
    input: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    shown: tuple[str, ...]  # easy: what outputs P, Q, R are (keys of FLIPS); empty otherwise
    statement: int  # index into STATEMENTS

    def to_json(self) -> dict:
        # torch.nn.functional.conv2d's arguments for the cross-correlation; the true convolution is
        # conv2d(input, weight.flip(-1, -2)).
        return {"input": [[list(map(list, self.input))]], "weight": [[list(map(list, self.weight))]],
                "shown": list(self.shown), "statement": STATEMENTS[self.statement][0]}


def flipped(weight, how: str) -> np.ndarray:
    return np.ascontiguousarray(np.array(weight)[FLIPS[how]])


class ConvolutionVsCorrelation(Template):
    id = "convolution-vs-correlation"
    title = "True convolution versus cross-correlation"
    topic = "convolution"
    version = 1
    answer_kinds = ("single-choice", "array", "true-false")
    summary = "Tell the true (flipped-kernel) convolution from the cross-correlation conv2d computes, or compute both."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        n, k = int(rng.choice(level["sizes"])), level["k"]
        while True:
            weight = rng.integers(-2, 3, size=(k, k))
            views = [weight[f].tolist() for f in FLIPS.values()]
            if all(views.count(v) == 1 for v in views):  # no flip leaves the kernel unchanged
                break
        shown = ()
        if difficulty == "easy":
            outputs = ("correlation", "convolution", str(rng.choice(tuple(PARTIAL))))
            shown = tuple(outputs[i] for i in permutation(rng, 3))
        return ConvCorrParams(input=freeze(rng.integers(0, 5, size=(n, n))), weight=freeze(weight), shown=shown,
                              statement=int(rng.integers(len(STATEMENTS))))

    def _asked(self, params) -> tuple[str, ...]:
        """The computed outputs the question asks for (none at the easy level)."""
        if params.shown:
            return ()
        return ("convolution",) if len(params.weight) == 2 else ("correlation", "convolution")

    def solve(self, params):
        x = np.array(params.input)
        outputs = {"correlation": freeze(conv2d(x, np.array(params.weight))),
                   "convolution": freeze(convolve2d(x, np.array(params.weight)))}
        answers = {"statement": STATEMENTS[params.statement][1]}
        if params.shown:
            answers.update({name: params.shown.index(name) for name in ("convolution", "correlation")})
        else:
            answers.update({name: outputs[name] for name in self._asked(params)})
        return answers

    def slots(self, params):
        n, k = len(params.input), len(params.weight)
        o = n - k + 1
        slots = []
        if params.shown:
            options = tuple(f"Output {LETTERS[i]}" for i in range(3))
            slots += [Slot("convolution", SingleChoiceAnswer(options), 1, "the true convolution"),
                      Slot("correlation", SingleChoiceAnswer(options), 1, "what conv2d returns")]
        for name in self._asked(params):
            slots.append(Slot(name, ArrayAnswer(shape=(o, o)), o * o / 2, f"the {name} output ({o}x{o})"))
        return (*slots, Slot("statement", TrueFalseAnswer(), 1, "true or false"))

    def question(self, params):
        n, k = len(params.input), len(params.weight)
        o = n - k + 1
        blocks = [Text("The true convolution of signal processing flips the kernel before sliding it over the "
                       "input; the cross-correlation slides it as it is. Both are used here without padding and "
                       "with stride 1."),
                  Matrix(f"Input X ({n}x{n})", params.input), Matrix(f"Kernel W ({k}x{k})", params.weight)]
        if params.shown:
            x = np.array(params.input)
            blocks.append(Text("One of these outputs is the true convolution of X with W, one is the "
                               "cross-correlation, and one comes from flipping W in one direction only."))
            blocks += [Matrix(f"Output {LETTERS[i]} ({o}x{o})", freeze(conv2d(x, flipped(params.weight, how))))
                       for i, how in enumerate(params.shown)]
            blocks += [Text("(a) Which output is the true convolution of X with W?"), AnswerBox("convolution"),
                       Text("(b) Which output does `torch.nn.functional.conv2d(X, W)` return?"), AnswerBox("correlation")]
        else:
            asked = self._asked(params)
            if "correlation" in asked:
                blocks += [Text(f"(a) Compute the cross-correlation that `torch.nn.functional.conv2d(X, W)` returns "
                                f"({o}x{o})."), AnswerBox("correlation")]
            blocks += [Text(f"({'b' if len(asked) == 2 else 'a'}) Compute the true convolution of X with W ({o}x{o})."),
                       AnswerBox("convolution")]
        part = "abc"[len(self.slots(params)) - 1]
        blocks += [Text(f"({part}) True or false? {STATEMENTS[params.statement][0]}"), AnswerBox("statement")]
        return tuple(blocks)

    def solution(self, params, answers):
        x, w = np.array(params.input), np.array(params.weight)
        rotated = flipped(w, "convolution")
        blocks = [Text("Cross-correlation (what `conv2d` and CNN layers compute) multiplies each window by W as it is:"),
                  Steps("\n".join(step.text() for step in conv2d_steps(x, w))),
                  Matrix("Cross-correlation", freeze(conv2d(x, w))),
                  Text("The true convolution flips W top-bottom and left-right (a 180-degree rotation), then slides "
                       "the flipped kernel like a cross-correlation:"),
                  Matrix("Flipped kernel W rotated by 180 degrees", freeze(rotated)),
                  Steps("\n".join(step.text() for step in conv2d_steps(x, rotated))),
                  Matrix("True convolution", freeze(convolve2d(x, w)))]
        if params.shown:
            names = {"correlation": "the cross-correlation", "convolution": "the true convolution",
                     "rows-flipped": "W flipped top-to-bottom only", "columns-flipped": "W flipped left-to-right only"}
            blocks.append(Text("So " + ", ".join(f"Output {LETTERS[i]} is {names[how]}" for i, how in enumerate(params.shown))
                               + f": the true convolution is Output {LETTERS[answers['convolution']]}, and `conv2d` "
                               f"returns Output {LETTERS[answers['correlation']]}."))
        _, truth, why = STATEMENTS[params.statement]
        blocks.append(Text(f"The statement is {truth}: {why}"))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        x, w = np.array(params.input), np.array(params.weight)
        found = []
        if params.shown:
            partial = next(how for how in params.shown if how in PARTIAL)
            found.append(Misconception("did-not-flip", "took the cross-correlation for the true convolution",
                                       "The true convolution flips the kernel in both directions before sliding it.",
                                       {"convolution": params.shown.index("correlation")}))
            name, description, fix = PARTIAL[partial]
            found.append(Misconception(name, description, fix, {"convolution": params.shown.index(partial)}))
            found.append(Misconception("thinks-conv2d-flips", "assumed conv2d flips the kernel",
                                       "conv2d (like every CNN layer) computes a cross-correlation: no flipping.",
                                       {"correlation": params.shown.index("convolution")}))
            return distinct(self.slots(params), answers, found)
        if "correlation" in answers:
            found.append(Misconception("kernel-flipped", "flipped the kernel for the cross-correlation",
                                       "conv2d (like every CNN layer) multiplies each window by the kernel as it is.",
                                       {"correlation": freeze(convolve2d(x, w))}))
        found.append(Misconception("did-not-flip", "did not flip the kernel (computed the cross-correlation)",
                                   "The true convolution flips the kernel top-bottom and left-right before sliding it.",
                                   {"convolution": freeze(conv2d(x, w))}))
        for how, (name, description, fix) in PARTIAL.items():
            found.append(Misconception(name, description, fix, {"convolution": freeze(conv2d(x, flipped(w, how)))}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        x = np.array(params.input)
        outputs = [conv2d(x, flipped(params.weight, how)).tolist() for how in FLIPS]
        if any(outputs.count(out) > 1 for out in outputs):
            return "two flips of the kernel give the same output"
        if any(len(np.unique(out)) < max(2, np.size(out) // 2) for out in outputs):
            return "an output with too few distinct values"
        return None


TEMPLATE = ConvolutionVsCorrelation()
