"""Pooling concepts: no parameters, what max and average pooling keep, global average pooling, invariance.

Concept questions from a bank of claims (each with its source) mixed with computed parts: the
parameter count of a pooling layer (0, against k*k, k*k*C and a conv layer's count), the output shape
of global average pooling, and its values on a small map as exact fractions (``avg_pool2d_exact`` with
a window covering the whole map, as ``torch.nn.functional.avg_pool2d(input, kernel_size=(H, W))``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnexam.model import (Steps, 
    AnswerBox, FractionAnswer, IntegerAnswer, Matrix, Params, ShapeAnswer, Slot, SlotRef, Table, Tensor, Text)
from cnnexam.model.numbers import freeze
from cnnexam.solutions import avg_pool2d_exact, conv_params, max_pool2d, pool_output_size
from cnnexam.solutions.worked import avg_pool2d_steps, conv_params_steps, output_size_steps
from cnnexam.templates._concept_quiz import (
    Belief, Choice, Claim, ConceptTemplate, Option, Part, decode, draw, draw_claims, entry, index, subset_order)

WEIGHTS = Belief("pooling-has-weights", "thought a pooling layer has learnable weights",
                 "Max and average pooling are fixed functions of each window: a pooling layer has no parameters.")
MIXES = Belief("pooling-mixes-channels", "thought pooling combines the channels",
               "Pooling works on each channel separately and keeps the number of channels.")
MAX_AVG = Belief("max-vs-average", "mixed up max pooling and average pooling",
                 "Max pooling keeps each window's largest value; average pooling its mean.")
NO_GRADIENT = Belief("no-params-no-gradient", "thought a layer without parameters passes no gradient back",
                     "Pooling has nothing to learn, but gradients still flow through it: to each window's maximum "
                     "(max pooling) or evenly over the window (average pooling).")
GAP_HW = Belief("gap-keeps-hw", "thought global average pooling keeps the height and width",
                "Global average pooling averages each channel over all positions: C x H x W becomes C x 1 x 1.")
FULL = Belief("pooling-full-invariance", "believed pooling makes the network invariant to any shift",
              "Pooling absorbs only small shifts, within a window.")
STRIDE = Belief("stride-equals-window", "thought the pooling stride must equal the window size",
                "Any stride works: slide 000 pools 2x2 windows with stride 1, AlexNet 3x3 windows with stride 2.")

NONE = "slide 004 (Summary of pooling: no parameters to learn); slide 003 (number of weights: none); slide 002"
GAP = "Szegedy et al. 2014, Sect. 5 and Table 1; He et al. 2015, Sect. 3.3 and Table 1"
BACKWARD = "the derivative of max and of the mean (the engine's max_pool2d_backward / avg_pool2d_backward, as torch's)"

CLAIMS = index([
    Claim("none", "A max-pooling or average-pooling layer has no learnable parameters.", True,
          "Max and mean are fixed functions; there is nothing to learn.", NONE, WEIGHTS, ("params",)),
    Claim("kk", "A k x k max-pooling layer learns k*k weights for each channel.", False,
          "A pooling window has no weights: it takes the maximum (or mean) of its values.", NONE, WEIGHTS, ("params",)),
    Claim("per-channel", "Pooling processes each channel separately, so it keeps the number of channels.", True,
          "n_H x n_W x n_C becomes floor((n_H - f)/s + 1) x floor((n_W - f)/s + 1) x n_C.",
          "slide 003 (each activation map is processed separately; D' = D); slide 004", MIXES, ("channels",)),
    Claim("mixes", "Pooling combines all channels of its input into a single output channel.", False,
          "Each channel is pooled on its own; the number of channels stays the "
          "same.", "slide 003; slide 004", MIXES, ("channels",)),
    Claim("max-keeps", "Max pooling keeps the largest value of each window: whether a feature was detected, not "
                       "exactly where.", True,
          "Once a feature has been detected, its exact location becomes less "
          "important.", "slide 003 (MAX-pooling); LeCun et al. 1998, Sect. II.A",
          MAX_AVG, ("keeps",)),
    Claim("max-mean", "Max pooling outputs the mean of the values in each window.", False,
          "That is average pooling; max pooling outputs the largest "
          "value.", "slide 003; slide 002 (max and average pooling example)",
          MAX_AVG, ("keeps",)),
    Claim("avg-all", "In average pooling every value of a window contributes to its output.", True,
          "The output is the sum of the window divided by the number of "
          "values.", "slide 003 (Average-Pooling); slide 004", None, ("avg",)),
    Claim("avg-member", "Average pooling always outputs one of the values of its window.", False,
          "The mean of 1, 2, 2 and 4 is 9/4, which is none of "
          "them.", "slide 004 (average pooling example: 3.75)", None, ("avg",)),
    Claim("max-grad", "Max pooling passes each output's gradient back only to the largest input of its window; the "
                      "other inputs get zero.", True,
          "The derivative of max is 1 for the maximum and 0 for the rest.", BACKWARD, NO_GRADIENT, ("gradient",)),
    Claim("no-grad", "Max pooling passes no gradient back to the layer before it, because it has no parameters.", False,
          "Gradients flow through pooling to the window maxima; only weights need "
          "parameters.", BACKWARD, NO_GRADIENT, ("gradient",)),
    Claim("avg-grad", "Average pooling with k x k windows (no padding, no overlap) gives each input of a window 1/k^2 "
                      "of that window's output gradient.", True,
          "The output is the mean of k^2 inputs, so each has derivative "
          "1/k^2.", BACKWARD, NO_GRADIENT, ("gradient-avg",)),
    Claim("gap-shape", "Global average pooling turns a C x H x W feature map into one value per channel, a C x 1 x 1 "
                       "output.", True,
          "It averages each channel over all H*W positions.", GAP, GAP_HW, ("gap-shape",)),
    Claim("gap-keeps", "Global average pooling keeps the height and width of the feature map and averages over the "
                       "channels.", False,
          "It averages over height and width, per channel: C x H x W becomes C x 1 x 1.", GAP, GAP_HW, ("gap-shape",)),
    Claim("gap-googlenet", "GoogLeNet replaced the fully connected layers at the top of the network by average "
                           "pooling, which improved top-1 accuracy by about 0.6%.", True,
          "Following Network in Network; dropout remained "
          "essential.", "Szegedy et al. 2014, Sect. 5", None, ("gap-use",)),
    Claim("gap-resnet", "ResNet ends with global average pooling followed by a single 1000-way fully connected "
                        "layer.", True,
          "After the last 7x7 stage; no stack of big fully connected layers as in "
          "VGG.", "He et al. 2015, Sect. 3.3 and Table 1",
          None, ("gap-use",)),
    Claim("gap-weights", "Global average pooling learns one weight per channel.", False,
          "It has no parameters: each output is a plain average.", f"{GAP}; {NONE}", WEIGHTS, ("params",)),
    Claim("small-shifts", "Max pooling makes the output approximately invariant to small shifts of the input.", True,
          "A feature that moves within a window leaves the window's maximum unchanged.",
          "Goodfellow, Bengio & Courville 2016, Sect. 9.3; LeCun et al. 1998, Sect. II.A", None, ("invariance",)),
    Claim("any-shift", "Pooling makes a CNN invariant to translations of any size.", False,
          "Only shifts within a pooling window are "
          "absorbed.", "Goodfellow, Bengio & Courville 2016, Sect. 9.3", FULL, ("invariance",)),
    Claim("halves", "2x2 max pooling with stride 2 halves the height and width of an even-sized map and discards 75% "
                    "of the activations.", True,
          "floor((2n - 2)/2) + 1 = n per dimension, so one value in four is "
          "kept.", "slide 003 (typical F = 2, S = 2)", None, ("halves",)),
    Claim("overlap", "Pooling windows overlap when the stride is smaller than the window, as in AlexNet (3x3 windows, "
                     "stride 2).", True,
          "With stride s < window z neighbouring windows share z - s rows or columns (one, in AlexNet).",
          "Krizhevsky et al. 2012, Sect. 3.4; slide 001",
          STRIDE, ("stride",)),
    Claim("stride-must", "The stride of a pooling layer must equal its window size.", False,
          "Any stride works: 2x2 windows with stride 1 (slide 000), 3x3 windows with stride 2 (AlexNet).",
          "slide 000 (pooling example iv); Krizhevsky et al. 2012, Sect. 3.4", STRIDE, ("stride",)),
    Claim("lenet", "LeNet-5's subsampling layers had trainable parameters: a coefficient and a bias per feature map "
                   "(12 in S2, 32 in S4).", True,
          "Unlike today's max and average pooling: each unit adds its four inputs (2x2), multiplies the sum by the "
          "coefficient, adds the bias and applies a sigmoid.",
          "LeCun et al. 1998, Sect. II.B", None, ("lenet",)),
    Claim("compute", "Pooling shrinks the feature maps and so reduces the computation of later layers.", True,
          "Fewer positions mean fewer multiply-adds "
          "downstream.", "slide 002 (Pooling: reduce computation)", None, ("compute",)),
])


def _choice(id, prompt, options, why, source, *groups):
    return Choice(id, prompt, tuple(Option(*o) if isinstance(o, tuple) else Option(o) for o in options), why, source, groups)


CHOICES = index([
    _choice("max-out", "What does a max-pooling layer output for each window?",
            ["the largest value in the "
             "window", ("the mean of the window's values", MAX_AVG), "the sum of the window's values",
             "the value at the centre of the window"], "Max pooling keeps the strongest "
                                                       "response.", "slide 003; slide 002", "keeps"),
    _choice("gap-out", "What does global average pooling output for a feature map with C channels of size H x W?",
            ["one average per channel: a C x 1 x 1 output", ("an H x W map averaged over the channels: 1 x H x "
                                                             "W", GAP_HW),
             ("one number: the average of the whole tensor", Belief(
                 "gap-one-number", "averaged all channels together", "Global average pooling averages each channel "
                                                                     "separately: C channels give C values.")),
             "the map unchanged: C x H x W"], "Each channel is averaged over its H*W positions.", GAP, "gap-shape"),
    _choice("gap-replaces", "What did GoogLeNet replace by average pooling, following Network in Network?",
            ["the fully connected layers before the "
             "classifier", "the first convolution layers", "the softmax classifier",
             "the max-pooling layers between the Inception modules"],
            "Moving from fully connected layers to average pooling improved top-1 accuracy by about 0.6%.",
            "Szegedy et al. 2014, Sect. 5", "gap-use"),
    _choice("one-input", "Which layer passes each output's gradient back to exactly one input of its window?",
            ["max pooling", "average pooling", "global average pooling",
             ("none: pooling layers have no parameters, so no gradient passes through them", NO_GRADIENT)],
            "Only the maximum influences a max-pooling output.", BACKWARD, "gradient", "gradient-avg"),
    _choice("channels", "How does a pooling layer treat the channels of its input?",
            ["it pools each channel separately and keeps the number of "
             "channels", ("it adds the channels into one", MIXES),
             "it keeps only the channel with the largest values", "it doubles the number of channels"],
            "Each activation map is processed separately.", "slide 003; slide 004", "channels"),
    _choice("overlapping", "Which pooling configuration has overlapping windows?",
            ["3x3 windows with stride 2", "2x2 windows with stride 2", "3x3 windows with stride 3",
             "1x1 windows with stride 1"],
            "Windows overlap when the stride is smaller than the "
            "window.", "Krizhevsky et al. 2012, Sect. 3.4", "stride"),
    _choice("why-invariant", "Why does max pooling give some invariance to small translations?",
            ["a feature that moves within a window leaves the window's maximum unchanged",
             ("the pooling layer learns weights that undo the shift", WEIGHTS), "pooling flips the feature map",
             "pooling enlarges the feature map"], "Only the strongest response in each window matters, not its "
                                                  "position.",
            "Goodfellow, Bengio & Courville 2016, Sect. 9.3; LeCun et al. 1998, Sect. II.A", "invariance"),
])


class PoolingParameters(Part):
    """How many learnable parameters a pooling layer has: none (slides 002-004), whatever its size."""

    def __init__(self, kind: str, kernel_size: int, stride: int, channels: int):
        self.kind, self.k, self.stride, self.c = kind, kernel_size, stride, channels

    def slots(self, tag):
        return [Slot(tag, IntegerAnswer(), 1, "learnable parameters")]

    def keys(self, tag):
        return {tag: 0}

    def question(self, tag):
        return [Text(f"({tag}) A {self.k}x{self.k} {self.kind} pooling layer with stride {self.stride} is applied to a "
                     f"feature map with {self.c} channels. How many learnable parameters does the layer have?"),
                AnswerBox(tag)]

    def solution(self, tag):
        what = "maximum" if self.kind == "max" else "mean"
        conv = conv_params_steps(self.c, self.c, self.k).text()
        return [Text(f"({tag}) 0. The layer takes the {what} of each {self.k}x{self.k} window of each channel: there is "
                     f"no weight and no bias to learn. (A {self.k}x{self.k} convolution from {self.c} to {self.c} channels "
                     f"would have {conv} parameters.) (Source: {NONE}.)")]

    def beliefs(self, tag):
        k, c = self.k, self.c
        return [
            (Belief("pool-window-weights", f"counted one weight per window position ({k}x{k})",
                    "A pooling window has no weights: it only takes the maximum or the mean of its values."),
             {tag: conv_params(1, 1, k, bias=False)}),
            (Belief("pool-weights-per-channel", f"counted a {k}x{k} kernel for each of the {c} channels",
                    "Pooling is a fixed function of each window, applied to each channel: nothing to learn."),
             {tag: conv_params(c, c, k, bias=False, groups=c)}),
            (Belief("pool-as-conv", "counted the layer's parameters as if it were a convolution",
                    "Only convolution and dense layers have weights and biases; pooling has none."),
             {tag: conv_params(c, c, k)}),
        ]


class GapShape(Part):
    """The output shape of global average pooling on a (C, H, W) map: (C, 1, 1)."""

    def __init__(self, shape: tuple[int, int, int]):
        self.c, self.h, self.w = shape

    def _shape(self, kernel_size) -> tuple[int, int, int]:
        return (self.c, *pool_output_size((self.h, self.w), kernel_size))

    def slots(self, tag):
        return [Slot(tag, ShapeAnswer(ndim=3), 1, "output shape")]

    def keys(self, tag):
        return {tag: self._shape((self.h, self.w))}

    def question(self, tag):
        return [Text(f"({tag}) Global average pooling is applied to a feature map of shape ({self.c}, {self.h}, {self.w}) "
                     f"(channels, height, width), as `torch.nn.functional.avg_pool2d(x, kernel_size=({self.h}, {self.w}))` "
                     "computes it. What is the shape of the output (keep the dimensions of size 1)?"),
                AnswerBox(tag)]

    def solution(self, tag):
        steps = output_size_steps("pool", (self.h, self.w), (self.h, self.w))
        return [Text(f"({tag}) {self._shape((self.h, self.w))}. One window covers the whole map, so each of the {self.c} "
                     "channels is averaged to a single value:"),
                Steps("\n".join(step.text() for step in steps))]

    def beliefs(self, tag):
        return [(GAP_HW, {tag: self._shape(1)}),
                (Belief("gap-as-2x2", "pooled with an ordinary 2x2 window instead of one covering the whole map",
                        f"Global pooling uses a {self.h}x{self.w} window: one output per channel."), {tag: self._shape(2)})]


class GapValues(Part):
    """The values of global average pooling on a small (C, H, W) integer map, one exact fraction per channel."""

    def __init__(self, x: tuple):
        self.x = np.array(x)
        self.c, self.h, self.w = self.x.shape
        hw = (self.h, self.w)
        self.out = avg_pool2d_exact(self.x, hw)
        # The mistakes: summing without dividing, taking the maximum.
        self.summed, self.maxed = avg_pool2d_exact(self.x, hw, divisor_override=1), max_pool2d(self.x, hw)

    def _ids(self, tag):
        return [f"{tag}{i + 1}" for i in range(self.c)]

    def _by_channel(self, tag, out) -> dict:
        return {slot: freeze(out[i, 0, 0]) for i, slot in enumerate(self._ids(tag))}

    def slots(self, tag):
        return [Slot(slot, FractionAnswer(), 1, f"channel {i + 1} output") for i, slot in enumerate(self._ids(tag))]

    def keys(self, tag):
        return self._by_channel(tag, self.out)

    def question(self, tag):
        channels = tuple(Matrix(f"Channel {i + 1}", freeze(self.x[i])) for i in range(self.c))
        return [Text(f"({tag}) Apply global average pooling (`avg_pool2d` with a {self.h}x{self.w} window) to this "
                     f"{self.c} x {self.h} x {self.w} feature map. Give each output value as an exact fraction."),
                Tensor(f"Feature map ({self.c} x {self.h} x {self.w})", channels),
                Table(("Channel", "Output"), tuple((f"Channel {i + 1}", SlotRef(s)) for i, s in enumerate(self._ids(tag))))]

    def solution(self, tag):
        steps = avg_pool2d_steps(self.x, (self.h, self.w))
        return [Text(f"({tag}) Each channel's {self.h * self.w} values are summed and divided by {self.h * self.w}; the "
                     f"output has shape ({self.c}, 1, 1):"),
                Steps("\n".join(step.text() for step in steps))]

    def beliefs(self, tag):
        return [(Belief("gap-summed", "added the values of each channel but did not divide by their number",
                        f"Average: divide each channel's sum by H*W = {self.h * self.w}."),
                 self._by_channel(tag, self.summed)),
                (MAX_AVG, self._by_channel(tag, self.maxed))]


@dataclass(frozen=True)
class PoolingConceptsParams(Params):
    questions: tuple[tuple, ...]                 # concept entries (see _concept_quiz.entry) and computed parts
    pooling: tuple[str, int, int, int] | None    # (kind, kernel_size, stride, channels) for the parameter count
    gap_shape: tuple[int, int, int] | None       # (C, H, W) for the output shape of global average pooling
    input: tuple | None                          # a (C, H, W) integer map for global average pooling values
    kernel_size: tuple[int, int] | None          # its (H, W): avg_pool2d(input, kernel_size) is the global average


class PoolingConcepts(ConceptTemplate):
    id = "pooling-concepts"
    title = "Pooling: no parameters, max vs average, global average pooling"
    version = 1
    answer_kinds = ("true-false", "single-choice", "multiple-choice", "integer", "shape", "fraction")
    summary = "Why pooling has no parameters, what max and average pooling keep, global average pooling, invariance."
    intro = "Questions about pooling layers."

    def generate(self, rng, difficulty):
        claims, choices = list(CLAIMS.values()), list(CHOICES.values())
        # The computed questions answer some claims (0 parameters; one output per channel): keep those out.
        taken = {"params"} if difficulty != "hard" else set()
        if difficulty != "easy":
            taken.add("gap-shape")
        pooling = shape = x = None
        if difficulty == "hard":
            statements = draw_claims(rng, claims, 5, (2, 3), taken)
            questions = [entry("mc", "", tuple(c.id for c in statements)), entry("gap-shape")]
            shape = (int(rng.choice([64, 128, 256, 512, 1024, 2048])), int(rng.integers(4, 9)), int(rng.integers(4, 9)))
        else:
            n = 2 if difficulty == "easy" else 1
            questions = [entry("tf", c.id) for c in draw_claims(rng, claims, n, (n - 1, 1), taken)]
            (choice,) = draw(rng, choices, 1, taken)
            questions += [entry("sc", choice.id, subset_order(rng, len(choice.options), len(choice.options))),
                          entry("params")]
            k = int(rng.choice([2, 3]))
            pooling = (str(rng.choice(["max", "average"])), k, int(rng.choice(sorted({1, 2, k}))),
                       int(rng.choice([3, 8, 16, 32, 64, 96, 128])))
        if difficulty != "easy":
            x = _gap_input(rng, 2 if difficulty == "medium" else 3, (0, 5) if difficulty == "medium" else (-3, 3))
            questions.append(entry("gap-values"))
        return PoolingConceptsParams(tuple(questions), pooling, shape, x, None if x is None else tuple(np.shape(x)[1:]))

    def parts(self, params):
        computed = {"params": lambda: PoolingParameters(*params.pooling), "gap-shape": lambda: GapShape(params.gap_shape),
                    "gap-values": lambda: GapValues(params.input)}
        return [computed[q[0]]() if q[0] in computed else decode(q, CLAIMS, CHOICES) for q in params.questions]


def _gap_input(rng, channels: int, values: tuple[int, int]) -> tuple:
    """A small map whose channels are not constant and whose sums differ from 0 and from their maxima (so that
    the average, the sum and the maximum of a channel all differ), not all with whole averages."""
    while True:
        h, w = [(2, 2), (2, 3), (3, 2), (3, 3)][int(rng.integers(4))] if channels == 2 else \
            [(2, 3), (3, 2), (3, 3), (2, 4)][int(rng.integers(4))]
        x = rng.integers(values[0], values[1] + 1, size=(channels, h, w))
        sums = x.sum(axis=(1, 2))
        maxima = x.max(axis=(1, 2))
        if (maxima > x.min(axis=(1, 2))).all() and sums.all() and (sums != maxima).all() and (sums % (h * w)).any():
            return freeze(x)


TEMPLATE = PoolingConcepts()
