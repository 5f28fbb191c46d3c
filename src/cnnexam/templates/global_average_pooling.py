"""Global average pooling: its output shape and values on a small C x H x W tensor (exact fractions),
then (medium, hard) why it can replace the fully connected layers of a classifier head and the parameter
counts of a flatten + fully connected head against a GAP + fully connected one.

``to_json`` gives ``input`` as (1, C, H, W) and ``kernel_size`` = (H, W): ``avg_pool2d(input, kernel_size)``
(or ``adaptive_avg_pool2d(input, 1)``) gives the values; the head's sizes are plain integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (
    AnswerBox, Bullets, FractionAnswer, IntegerAnswer, Matrix, Misconception, Params, ShapeAnswer, SingleChoiceAnswer,
    Slot, SlotRef, Steps, Table, Template, Tensor, Text, slot_letters)
from cnnexam.model.numbers import fmt_fraction_and_decimal, freeze
from cnnexam.solutions import avg_pool2d_exact, linear_params
from cnnexam.solutions.worked import avg_pool2d_steps, linear_params_steps
from cnnexam.model.misconceptions import distinct

NIN = "Lin, Chen & Yan, Network in Network (ICLR 2014), Sect. 3.2"
# Why global average pooling can replace the fully connected layers: every reason is from NIN.
REASONS = {
    "no-params": "It has no parameters to learn, so overfitting is avoided at this layer.",
    "translation": "It sums out the spatial information, so the classifier is more robust to spatial translations "
                   "of the input.",
    "confidence-maps": "With one feature map per class, the average of each map can serve directly as that class's "
                       "confidence.",
}
# Wrong reasons; the first three are the misconceptions of the same names.
WRONG = {
    "counted-gap-weights": "It learns one weight per channel, far fewer than a fully connected layer needs.",
    "gap-keeps-hw": "It keeps the height and width of the feature maps, so no spatial detail is lost.",
    "averaged-over-channels": "It averages over the channels, merging all feature maps into a single map.",
    "nonlinear": "It adds a nonlinearity that fully connected layers lack.",
    "capacity": "It gives the classifier more parameters, and so more capacity, than fully connected layers.",
}
# difficulty -> channels, (H, W) sizes, value range, head? (feature-map channels, sizes, classes, hidden sizes)
LEVELS = {
    "easy": dict(channels=(2, 3), sizes=((2, 2), (2, 3), (3, 3)), values=(0, 9), head=False, hidden=(0,)),
    "medium": dict(channels=(2, 3), sizes=((2, 2), (2, 3), (3, 3)), values=(0, 9), head=True, hidden=(0,)),
    "hard": dict(channels=(3, 4), sizes=((2, 3), (3, 3), (2, 4)), values=(-3, 9), head=True, hidden=(256, 512, 1024)),
}
HEAD_CHANNELS, HEAD_SIZES, CLASSES = (256, 512, 1024, 2048), (4, 7, 8), (10, 100, 200, 1000)


@dataclass(frozen=True)
class GapParams(Params):
    input: tuple[tuple[tuple[int, ...], ...], ...]  # (C, H, W)
    head_channels: int  # the head's input is head_channels x head_size x head_size (0: parts (c), (d) not asked)
    head_size: int
    classes: int
    hidden: int  # width of the hidden fully connected layer of the flatten head (0: none)
    why: tuple[str, ...]  # the choice's options in display order: one key of REASONS, three of WRONG

    def to_json(self) -> dict:
        out = {"input": [[[list(row) for row in channel] for channel in self.input]],
               "kernel_size": [len(self.input[0]), len(self.input[0][0])]}
        out.update({f: getattr(self, f) for f in ("head_channels", "head_size", "classes", "hidden", "why")})
        return out

    def head_params(self, in_features: int, bias: bool = True) -> int:
        """Parameters of [Linear(in_features, hidden) ->] Linear(., classes)."""
        if not self.hidden:
            return linear_params(in_features, self.classes, bias)
        return linear_params(in_features, self.hidden, bias) + linear_params(self.hidden, self.classes, bias)


class GlobalAveragePooling(Template):
    id = "global-average-pooling"
    title = "Global average pooling"
    topic = "pooling"
    version = 1
    answer_kinds = ("shape", "fraction", "integer", "single-choice")
    summary = "Global average pooling on a small tensor, why it replaces fully connected layers, head parameters."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        c = int(rng.choice(level["channels"]))
        h, w = level["sizes"][rng.integers(len(level["sizes"]))]
        lo, hi = level["values"]
        x = freeze(rng.integers(lo, hi + 1, size=(c, h, w)))
        if not level["head"]:
            return GapParams(x, 0, 0, 0, 0, ())
        options = [str(rng.choice(list(REASONS)))] + [str(o) for o in rng.choice(list(WRONG), size=3, replace=False)]
        return GapParams(x, int(rng.choice(HEAD_CHANNELS)), int(rng.choice(HEAD_SIZES)), int(rng.choice(CLASSES)),
                         int(rng.choice(level["hidden"])), tuple(options[i] for i in rng.permutation(4)))

    def solve(self, params):
        _, h, w = np.shape(params.input)
        gap = avg_pool2d_exact(np.array(params.input), (h, w))
        answers = {"shape": gap.shape, **{f"gap{i}": v for i, v in enumerate(freeze(gap.reshape(-1)))}}
        if params.head_channels:
            answers.update(fc_params=params.head_params(params.head_channels * params.head_size**2),
                           gap_params=linear_params(params.head_channels, params.classes),
                           why=next(i for i, o in enumerate(params.why) if o in REASONS))
        return answers

    def slots(self, params):
        found = [Slot("shape", ShapeAnswer(ndim=3), 1, "output shape (C, H, W)")]
        found += [Slot(f"gap{i}", FractionAnswer(), 0.5, f"channel {i + 1}") for i in range(len(params.input))]
        if params.head_channels:
            options = tuple(REASONS.get(o) or WRONG[o] for o in params.why)
            found += [Slot("why", SingleChoiceAnswer(options), 1, "why GAP can replace fully connected layers"),
                      Slot("fc_params", IntegerAnswer(), 1, "parameters of the flatten head"),
                      Slot("gap_params", IntegerAnswer(), 1, "parameters of the GAP head")]
        return tuple(found)

    def question(self, params):
        c, h, w = np.shape(params.input)
        blocks = [Text(f"Global average pooling is applied to the feature map X of shape (C, H, W) = ({c}, {h}, {w}), "
                       f"as `torch.nn.functional.avg_pool2d(X, kernel_size=({h}, {w}))` computes it."),
                  Tensor(f"X ({c} channels of {h}x{w})", tuple(Matrix(f"Channel {i + 1}", ch)
                                                             for i, ch in enumerate(params.input))),
                  Text("(a) What is the shape (C, H, W) of the output (keep dimensions of size 1)?"),
                  AnswerBox("shape"),
                  Text("(b) Give the output value of every channel as an exact fraction."),
                  Table(("channel", "output value"), tuple((str(i + 1), SlotRef(f"gap{i}")) for i in range(c)))]
        if not params.head_channels:
            return tuple(blocks)
        n, s, k = params.head_channels, params.head_size, params.classes
        part = slot_letters(self.slots(params))
        flatten = ["Flatten the feature map into a vector"]
        if params.hidden:
            flatten.append(f"a fully connected layer with {params.hidden} outputs (with bias), then ReLU")
        flatten.append(f"a fully connected layer with {k} outputs (with bias)")
        return (*blocks,
                Text(f"({part['why']}) Why can global average pooling (GAP) replace the fully connected layers at the "
                     "top of a CNN classifier, as proposed in Network in Network?"), AnswerBox("why"),
                Text(f"The last convolutional layer of a classifier for {k} classes outputs a feature map of shape "
                     f"({n}, {s}, {s}). Compare two heads:"),
                Bullets(("Head A: " + ", then ".join(flatten) + ".",
                         f"Head B: global average pooling, then a fully connected layer with {k} outputs (with "
                         "bias).")),
                Text(f"({part['fc_params']}) How many learnable parameters does head A have?"), AnswerBox("fc_params"),
                Text(f"({part['gap_params']}) How many learnable parameters does head B have?"),
                AnswerBox("gap_params"))

    def solution(self, params, answers):
        c, h, w = np.shape(params.input)
        steps = avg_pool2d_steps(np.array(params.input), (h, w))
        blocks = [Text(f"GAP averages each channel over all {h}*{w} = {h * w} positions: one value per channel, so the "
                       f"output shape is ({c}, 1, 1)."),
                  Steps("\n".join(f"channel {i + 1}: {step.expression()} = {fmt_fraction_and_decimal(step.value)}"
                                  for i, step in enumerate(steps)))]
        if not params.head_channels:
            return tuple(blocks)
        n, s, k = params.head_channels, params.head_size, params.classes
        right = params.why[answers["why"]]
        part = slot_letters(self.slots(params))
        head_a = [linear_params_steps(n * s * s, params.hidden or k)] + (
            [linear_params_steps(params.hidden, k)] if params.hidden else [])
        return (*blocks,
                Text(f"({part['why']}) {REASONS[right]} ({NIN}.) GAP itself has no weights; it is a fixed average."),
                Text(f"({part['fc_params']}) Head A flattens {n}*{s}*{s} = {n * s * s} values; a fully connected layer has "
                     "inputs*outputs weights plus one bias per output:"),
                Steps("\n".join(step.text() for step in head_a) + f"\nhead A: {answers['fc_params']}"),
                Text(f"({part['gap_params']}) Head B: GAP leaves {n} values (no parameters), then:"),
                Steps(linear_params_steps(n, k).text()),
                Text(f"Head A has about {answers['fc_params'] / answers['gap_params']:.0f} times as many parameters as "
                     "head B."))

    def misconceptions(self, params, answers):
        c, h, w = np.shape(params.input)
        summed = avg_pool2d_exact(np.array(params.input), (h, w), divisor_override=1).reshape(-1)
        found = [Misconception("summed-not-averaged", "added the values of each channel without dividing by H*W",
                               f"An average: divide each channel's sum by {h}*{w} = {h * w}.",
                               {f"gap{i}": int(v) for i, v in enumerate(summed)})]
        n, s, k = params.head_channels, params.head_size, params.classes
        head = bool(n)  # the head parts (d) and the choice (c) are asked past easy only
        wrong = {
            "gap-keeps-hw": ("thought global average pooling keeps the height and width",
                             "GAP averages each channel over all positions: (C, H, W) becomes (C, 1, 1).",
                             {"shape": (c, h, w)} | ({"gap_params": linear_params(n * s * s, k)} if head else {})),
            "averaged-over-channels": ("averaged over the channels instead of over the positions",
                                       "GAP averages each channel separately over its H x W positions.",
                                       {"shape": (1, h, w)}
                                       | ({"gap_params": linear_params(s * s, k)} if head else {})),
            "counted-gap-weights": ("counted learnable weights in the global average pooling",
                                    "GAP is a fixed average with no parameters.",
                                    {"gap_params": linear_params(n, k) + n} if head else {}),
        }
        for name, (description, fix, changed) in wrong.items():
            if name in params.why:
                changed = {**changed, "why": params.why.index(name)}
            if changed:
                found.append(Misconception(name, description, fix, changed))
        if head:
            found += [Misconception("forgot-bias", "left out the biases", "A fully connected layer has one bias per "
                                    "output besides its inputs*outputs weights.",
                                    {"fc_params": params.head_params(n * s * s, bias=False),
                                     "gap_params": linear_params(n, k, bias=False)}),
                      Misconception("flattened-one-channel", "flattened only the H*W positions of one channel",
                                    f"Flattening keeps every channel: {n}*{s}*{s} = {n * s * s} inputs.",
                                    {"fc_params": params.head_params(s * s)})]
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        values = [answers[f"gap{i}"] for i in range(len(params.input))]
        if len(set(values)) < len(values) or all(v == int(v) for v in values):
            return "equal channel averages, or only whole-number averages"
        return None


TEMPLATE = GlobalAveragePooling()
