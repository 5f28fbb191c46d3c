"""Inverse problems on the output-size formula: which padding gives a 'same' output (slides: F = 3, 5, 7
need padding 1, 2, 3), which padding, stride or kernel size gives a target output size.

The unknown is a whole number in a range stated in the prompt; generation checks by brute force over
that range that exactly one value gives the target, so the key is unique.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from cnnexam.model import Steps, AnswerBox, IntegerAnswer, Params, Slot, Table, Template, Text
from cnnexam.solutions import conv_output_size, same_padding
from cnnexam.solutions.worked import output_size_steps
from cnnexam.templates._layer_arith import Mistakes, ceil_size

# the unknown -> its allowed range (low, high), stated in the prompt
RANGES = {"padding": (0, 10), "stride": (1, 6), "kernel_size": (1, 15)}
# difficulty -> (kind, weight) with kind 'same' (padding for a same-size output) or the unknown's name
KINDS = {"easy": (("same", 1), ("kernel_size", 1)),
         "medium": (("same", 1), ("padding", 1), ("stride", 2), ("kernel_size", 2)),
         "hard": (("same", 1), ("padding", 1), ("stride", 2), ("kernel_size", 2))}
DILATIONS = {"easy": (1,), "medium": (1,), "hard": (1, 2, 2, 3)}


@dataclass(frozen=True)
class InverseParams(Params):
    """A square conv layer with one unknown argument (None) and the output size it must give."""

    unknown: str  # 'padding', 'stride' or 'kernel_size'
    same: bool  # the target is the input size at stride 1 ('same' padding)
    size: int
    output_size: int
    kernel_size: int | None
    stride: int | None
    padding: int | None
    dilation: int
    low: int
    high: int
    odd_only: bool

    def candidates(self) -> list[int]:
        return [v for v in range(self.low, self.high + 1) if not self.odd_only or v % 2]

    def output(self, value: int, mistake=None) -> int | None:
        """The output size with the unknown set to ``value``, computed the right way or with a student's
        ``mistake`` (a function rewriting the arguments); None when the layer is impossible."""
        args = dict(size=self.size, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                    dilation=self.dilation, extra=0)
        args[self.unknown] = value
        if mistake is not None:
            args = mistake(args)
        extra = args.pop("extra")
        size = _output_size(**args)
        return None if size is None else size + extra

    def solutions(self, mistake=None) -> list[int]:
        """Every allowed value of the unknown that gives the target (brute force over the range)."""
        return [v for v in self.candidates() if self.output(v, mistake) == self.output_size]


@lru_cache(maxsize=1 << 16)
def _output_size(size: int, kernel_size: int, stride: int, padding: int, dilation: int) -> int | None:
    """conv_output_size, or None when the layer is impossible; cached because the brute-force searches
    of the key and of every mistake ask for the same sizes again and again."""
    try:
        return conv_output_size(size, kernel_size, stride, padding, dilation)
    except ValueError:
        return None


# A student's mistakes, as rewrites of the layer's arguments.
def padded_one_side(args):
    return {**args, "size": args["size"] + args["padding"], "padding": 0}


def ignored_padding(args):
    return {**args, "padding": 0}


def forgot_plus_one(args):
    return {**args, "extra": args["extra"] - 1}


def rounded_up(args):
    return {**args, "size": ceil_size(args["size"], args["stride"])}


def ignored_dilation(args):
    return {**args, "dilation": 1}


def ignored_stride(args):
    return {**args, "stride": 1}


class ConvInverseDesign(Template):
    id = "conv-inverse-design"
    title = "Choosing padding, stride or kernel size for a target output size"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer",)
    summary = "Inverse output-size problems: 'same' padding, or the padding, stride or kernel size for a target size."

    def generate(self, rng, difficulty):
        kinds, weights = zip(*KINDS[difficulty])
        kind = str(rng.choice(kinds, p=[w / sum(weights) for w in weights]))
        unknown = "padding" if kind == "same" else kind
        while True:
            d = int(rng.choice(DILATIONS[difficulty]))
            k = int(rng.choice((3, 5, 7) if d > 1 else (1, 3, 5, 7, 9, 11)))
            if kind == "same":
                values = dict(kernel_size=k, stride=1, padding=None, size=int(rng.integers(8, 65)))
            else:
                s = 1 if difficulty == "easy" else int(rng.integers(1, 5))
                # strides are coarse: most mistakes only change the answer when there is padding to get wrong
                p = int(rng.integers(1 if kind == "stride" else 0, 3 if difficulty == "easy" else 4))
                size = int(rng.integers(6, 33 if difficulty == "easy" else 129))
                values = dict(kernel_size=k, stride=s, padding=p, size=size)
                values[unknown] = None
            low, high = RANGES[unknown]
            # with a stride, kernel sizes k and k+1 often give the same size: allow odd sizes only
            odd_only = unknown == "kernel_size" and values["stride"] > 1
            params = InverseParams(unknown, kind == "same", values["size"], 0, values["kernel_size"], values["stride"],
                                   values["padding"], d, low, high, odd_only)
            truth = int(rng.choice(self._pleasant(params))) if kind != "same" else None
            target = params.size if kind == "same" else params.output(truth)
            if target is None or target < 2:
                continue
            params = replace(params, output_size=target)
            answers = params.solutions()
            # a unique answer (not the trivial 'same' padding 0 of a 1x1 kernel), and at least one
            # mistake that leads to a recognisable wrong answer
            if len(answers) == 1 and (answers[0] > 0 or not params.same):
                if self.misconceptions(params, {"value": answers[0]}):
                    return params

    @staticmethod
    def _pleasant(params) -> list[int]:
        """Values the unknown may really take: padding at most half the window, odd kernels (not a
        dilated 1x1)."""
        if params.unknown == "padding":
            return list(range(0, min(params.high, (params.dilation * (params.kernel_size - 1) + 1) // 2) + 1))
        if params.unknown == "kernel_size":
            return [v for v in params.candidates() if v % 2 and (v > 1 or params.dilation == 1)]
        return params.candidates()

    def solve(self, params):
        (value,) = params.solutions()
        if params.same:  # the closed form agrees with the search
            assert same_padding(params.kernel_size, params.dilation) == (value, value)
        return {"value": value}

    def slots(self, params):
        return (Slot("value", IntegerAnswer(), 2, params.unknown.replace("_", " ")),)

    def question(self, params):
        n, o, d = params.size, params.output_size, params.dilation
        known = []
        if params.kernel_size is not None:
            known.append(f"a {params.kernel_size}x{params.kernel_size} kernel")
        if params.stride is not None:
            known.append(f"stride {params.stride}")
        if params.padding is not None:
            known.append(f"zero padding {params.padding} on every side" if params.padding else "no padding")
        if d > 1:
            known.append(f"dilation {d}")
        allowed = f"{'an odd' if params.odd_only else 'a'} whole number from {params.low} to {params.high}"
        ask = {"padding": f"Which zero padding p (added on every side; {allowed})",
               "stride": f"Which stride s ({allowed})",
               "kernel_size": f"Which kernel size k (a k x k kernel; {allowed})"}[params.unknown]
        goal = (f"makes the output {o}x{o} as well, i.e. keeps the size ('same' padding)" if params.same
                else f"gives an output of size {o}x{o}")
        return (
            Text(f"A convolutional layer with {_listed(known)} is applied to an input of height and width {n}."),
            Text(f"{ask} {goal}? Exactly one value in that range works."),
            AnswerBox("value"),
        )

    def solution(self, params, answers):
        value = answers["value"]
        blocks = [Text("Output size: $o = \\lfloor (n + 2p - d(k-1) - 1)/s \\rfloor + 1$ (with d = 1: "
                       "$\\lfloor (n + 2p - k)/s \\rfloor + 1$).")]
        n, o, d, p = params.size, params.output_size, params.dilation, params.padding
        if params.same:
            span = d * (params.kernel_size - 1)
            blocks.append(Text(f"At stride 1, o = n needs 2p = d(k-1) = {span}, so p = {span}/2 = {value}."))
        elif params.unknown == "padding" and params.stride == 1:
            span = d * (params.kernel_size - 1)
            blocks.append(Text(f"At stride 1 there is nothing to round: o = n + 2p - d(k-1), so "
                               f"p = (o - n + d(k-1))/2 = ({o} - {n} + {span})/2 = {value}."))
        elif params.unknown == "kernel_size" and params.stride == 1:
            blocks.append(Text(f"At stride 1 there is nothing to round: o = n + 2p - d(k-1), so "
                               f"k = (n + 2p - o)/d + 1 = ({n} + {2 * p} - {o})/{d} + 1 = {value}."))
        else:
            rows = tuple((v, "impossible" if params.output(v) is None else params.output(v))
                         for v in params.candidates())
            blocks.append(Text(f"Try every allowed {params.unknown.replace('_', ' ')} (the floor makes neighbouring "
                               "values give close sizes, so check them all):"))
            blocks.append(Table((params.unknown.replace("_", " "), "output size"), rows))
        chosen = {"size": params.size, "kernel_size": params.kernel_size, "stride": params.stride,
                  "padding": params.padding, "dilation": params.dilation, params.unknown: value}
        steps = output_size_steps("conv", **chosen)
        blocks.append(Steps("\n".join(step.text() for step in steps)))
        blocks.append(Text(f"Answer: {params.unknown.replace('_', ' ')} = {value}."))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        found = Mistakes(self.slots(params))
        key = answers["value"]

        def solve_with(mistake):
            def compute():
                values = params.solutions(mistake)
                if len(values) != 1 or values[0] == key:
                    raise ValueError("this mistake gives no single answer in the range, or the right one")
                return {"value": values[0]}
            return compute

        s = params.stride
        if params.unknown == "padding" or params.padding:
            found.add("padded-one-side", "added the padding on one side only (p instead of 2p)",
                      "Zero padding p goes on both sides: the padded size is n + 2p.", solve_with(padded_one_side))
        if params.unknown != "padding" and params.padding:
            found.add("ignored-padding", "ignored the zero padding", "Add the padding on both sides: n + 2p.",
                      solve_with(ignored_padding))
        found.add("forgot-plus-one", "forgot the +1 in the output-size formula",
                  "The formula is o = floor((n + 2p - k)/s) + 1: count the first window position too.",
                  solve_with(forgot_plus_one))
        if params.unknown == "stride" or s > 1:
            found.add("ceil-instead-of-floor", "rounded the division up instead of down",
                      "Only windows that fit completely count: round (n + 2p - k)/s down.", solve_with(rounded_up))
        if params.dilation > 1:
            found.add("ignored-dilation", "ignored the dilation (used the kernel size as the window size)",
                      "A dilated kernel spans d(k-1) + 1 cells.", solve_with(ignored_dilation))
        if params.unknown != "stride" and s > 1:
            found.add("ignored-stride", "ignored the stride (solved as if it were 1)",
                      "Divide by the stride: o = floor((n + 2p - k)/s) + 1.", solve_with(ignored_stride))
        return found.result()


TEMPLATE = ConvInverseDesign()


def _listed(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
