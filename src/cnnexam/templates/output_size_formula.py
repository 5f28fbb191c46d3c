"""Write the output-size formula itself: convolution (slides: (N-F)/S + 1 and floor((n + 2p - f)/s) + 1),
pooling with its default stride, dilated convolution, and transposed convolution ((n-1)s - 2p + f).

The answer is a formula checked with sympy at valid configurations (every size at least 1) chosen so
that each named mistake gives a different value at one of them at least.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, NamedTuple

from cnnexam.model import Steps, AnswerBox, Bullets, Misconception, Params, Slot, SymbolicAnswer, Template, Text
from cnnexam.solutions import conv_output_size, conv_transpose_output_size, pool_output_size
from cnnexam.solutions.worked import output_size_steps

N_POINTS = 6


class Formula(NamedTuple):
    """A formula as the student would write it ({n}, {p}, ... stand for the variables' names, as in the
    mistakes' descriptions and fixes) and its value at integer arguments."""

    text: str
    value: Callable[..., int | Fraction]


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


# kind -> (variables, engine, key, [(mistake name, description, fix, formula)])
KINDS = {
    "conv-unit-stride": (("n", "p", "f"), lambda n, p, f: conv_output_size(n, f, 1, p),
                         Formula("{n} + 2*{p} - {f} + 1", lambda n, p, f: n + 2 * p - f + 1), (
        ("forgot-plus-one", "forgot the +1", "Count the first position too: add 1.",
         Formula("{n} + 2*{p} - {f}", lambda n, p, f: n + 2 * p - f)),
        ("padded-one-side", "added the padding once ({p} instead of 2{p})", "Padding goes on both sides: {n} + 2{p}.",
         Formula("{n} + {p} - {f} + 1", lambda n, p, f: n + p - f + 1)),
        ("ignored-padding", "left out the padding", "The padded input has {n} + 2{p} cells per side.",
         Formula("{n} - {f} + 1", lambda n, p, f: n - f + 1)))),
    "conv-valid": (("n", "f", "s"), lambda n, f, s: conv_output_size(n, f, s),
                   Formula("floor(({n} - {f})/{s}) + 1", lambda n, f, s: (n - f) // s + 1), (
        ("forgot-plus-one", "forgot the +1", "Count the first position too: add 1.",
         Formula("floor(({n} - {f})/{s})", lambda n, f, s: (n - f) // s)),
        ("forgot-floor", "left out the rounding down", "Only whole windows count: round the division down.",
         Formula("({n} - {f})/{s} + 1", lambda n, f, s: Fraction(n - f, s) + 1)),
        ("ceil-instead-of-floor", "rounded up instead of down", "A window must fit completely: round down.",
         Formula("ceil(({n} - {f})/{s}) + 1", lambda n, f, s: _ceil(n - f, s) + 1)))),
    "pool-valid": (("n", "f", "s"), lambda n, f, s: pool_output_size(n, f, s),
                   Formula("floor(({n} - {f})/{s}) + 1", lambda n, f, s: (n - f) // s + 1), (
        ("stride-one-assumed", "used stride 1", "Divide by the stride: windows are {s} cells apart.",
         Formula("{n} - {f} + 1", lambda n, f, s: n - f + 1)),
        ("forgot-plus-one", "forgot the +1", "Count the first window too: add 1.",
         Formula("floor(({n} - {f})/{s})", lambda n, f, s: (n - f) // s)),
        ("ceil-instead-of-floor", "rounded up instead of down", "By default a window must fit completely: round down.",
         Formula("ceil(({n} - {f})/{s}) + 1", lambda n, f, s: _ceil(n - f, s) + 1)))),
    "conv": (("n", "p", "f", "s"), lambda n, p, f, s: conv_output_size(n, f, s, p),
             Formula("floor(({n} + 2*{p} - {f})/{s}) + 1", lambda n, p, f, s: (n + 2 * p - f) // s + 1), (
        ("forgot-plus-one", "forgot the +1", "Count the first position too: add 1.",
         Formula("floor(({n} + 2*{p} - {f})/{s})", lambda n, p, f, s: (n + 2 * p - f) // s)),
        ("padded-one-side", "added the padding once ({p} instead of 2{p})", "Padding goes on both sides: {n} + 2{p}.",
         Formula("floor(({n} + {p} - {f})/{s}) + 1", lambda n, p, f, s: (n + p - f) // s + 1)),
        ("forgot-floor", "left out the rounding down", "Only whole windows count: round the division down.",
         Formula("({n} + 2*{p} - {f})/{s} + 1", lambda n, p, f, s: Fraction(n + 2 * p - f, s) + 1)),
        ("ceil-instead-of-floor", "rounded up instead of down", "A window must fit completely: round down.",
         Formula("ceil(({n} + 2*{p} - {f})/{s}) + 1", lambda n, p, f, s: _ceil(n + 2 * p - f, s) + 1)))),
    "pool": (("n", "p", "f"), lambda n, p, f: pool_output_size(n, f, None, p),
             Formula("floor(({n} + 2*{p} - {f})/{f}) + 1", lambda n, p, f: (n + 2 * p - f) // f + 1), (
        ("stride-one-assumed", "used stride 1", "Pooling's stride defaults to the kernel size: divide by {f}.",
         Formula("{n} + 2*{p} - {f} + 1", lambda n, p, f: n + 2 * p - f + 1)),
        ("forgot-plus-one", "forgot the +1", "Count the first window too: add 1.",
         Formula("floor(({n} + 2*{p} - {f})/{f})", lambda n, p, f: (n + 2 * p - f) // f)),
        ("ceil-instead-of-floor", "rounded up instead of down", "By default a window must fit completely: round down.",
         Formula("ceil(({n} + 2*{p} - {f})/{f}) + 1", lambda n, p, f: _ceil(n + 2 * p - f, f) + 1)))),
    "transpose": (("n", "s", "p", "f"), lambda n, s, p, f: conv_transpose_output_size(n, f, s, p),
                  Formula("({n} - 1)*{s} - 2*{p} + {f}", lambda n, s, p, f: (n - 1) * s - 2 * p + f), (
        ("used-n-not-n-minus-one", "multiplied {n} (not {n} - 1) by the stride",
         "The {n} input positions are {n} - 1 strides apart: ({n} - 1){s}.",
         Formula("{n}*{s} - 2*{p} + {f}", lambda n, s, p, f: n * s - 2 * p + f)),
        ("padded-one-side", "subtracted the padding once ({p} instead of 2{p})", "Padding crops both sides: - 2{p}.",
         Formula("({n} - 1)*{s} - {p} + {f}", lambda n, s, p, f: (n - 1) * s - p + f)),
        ("added-padding", "added the padding", "A transposed convolution's padding crops the output: subtract 2{p}.",
         Formula("({n} - 1)*{s} + 2*{p} + {f}", lambda n, s, p, f: (n - 1) * s + 2 * p + f)))),
    "dilated": (("n", "p", "f", "s", "d"), lambda n, p, f, s, d: conv_output_size(n, f, s, p, d),
                Formula("floor(({n} + 2*{p} - {d}*({f} - 1) - 1)/{s}) + 1",
                        lambda n, p, f, s, d: (n + 2 * p - d * (f - 1) - 1) // s + 1), (
        ("ignored-dilation", "ignored the dilation", "A dilated kernel spans {d}({f} - 1) + 1 cells.",
         Formula("floor(({n} + 2*{p} - {f})/{s}) + 1", lambda n, p, f, s, d: (n + 2 * p - f) // s + 1)),
        ("dilated-span-d-times-f", "took the dilated span as {d}*{f}",
         "The taps are {d} apart: the span is {d}({f} - 1) + 1.",
         Formula("floor(({n} + 2*{p} - {d}*{f})/{s}) + 1", lambda n, p, f, s, d: (n + 2 * p - d * f) // s + 1)),
        ("forgot-plus-one", "forgot the +1", "Count the first position too: add 1.",
         Formula("floor(({n} + 2*{p} - {d}*({f} - 1) - 1)/{s})",
                 lambda n, p, f, s, d: (n + 2 * p - d * (f - 1) - 1) // s)),
        ("ceil-instead-of-floor", "rounded up instead of down", "A window must fit completely: round down.",
         Formula("ceil(({n} + 2*{p} - {d}*({f} - 1) - 1)/{s}) + 1",
                 lambda n, p, f, s, d: _ceil(n + 2 * p - d * (f - 1) - 1, s) + 1)))),
    "transpose-output-padding": (
        ("n", "s", "p", "f", "a"), lambda n, s, p, f, a: conv_transpose_output_size(n, f, s, p, a),
        Formula("({n} - 1)*{s} - 2*{p} + {f} + {a}", lambda n, s, p, f, a: (n - 1) * s - 2 * p + f + a), (
        ("forgot-output-padding", "left out the output padding",
         "output_padding adds {a} rows and columns at the end: + {a}.",
         Formula("({n} - 1)*{s} - 2*{p} + {f}", lambda n, s, p, f, a: (n - 1) * s - 2 * p + f)),
        ("used-n-not-n-minus-one", "multiplied {n} (not {n} - 1) by the stride",
         "The {n} input positions are {n} - 1 strides apart: ({n} - 1){s}.",
         Formula("{n}*{s} - 2*{p} + {f} + {a}", lambda n, s, p, f, a: n * s - 2 * p + f + a)),
        ("padded-one-side", "subtracted the padding once ({p} instead of 2{p})", "Padding crops both sides: - 2{p}.",
         Formula("({n} - 1)*{s} - {p} + {f} + {a}", lambda n, s, p, f, a: (n - 1) * s - p + f + a)))),
}
LEVELS = {"easy": ("conv-unit-stride", "conv-valid", "pool-valid"), "medium": ("conv", "pool", "transpose"),
          "hard": ("dilated", "transpose-output-padding", "conv")}
# notations: the variables' names (slides: n, p, f, s and W, P, F, S; N, F, S; i, k, s, p as in Dumoulin
# and Visin's convolution arithmetic guide; h, k and L as in PyTorch's H_in, kernel_size and L_in; x)
NOTATIONS = ({"n": "n", "p": "p", "f": "f", "s": "s", "d": "d", "a": "a"},
             {"n": "W", "p": "P", "f": "F", "s": "S", "d": "D", "a": "A"},
             {"n": "N", "p": "P", "f": "F", "s": "S", "d": "D", "a": "A"},
             {"n": "i", "p": "p", "f": "k", "s": "s", "d": "d", "a": "a"},
             {"n": "h", "p": "p", "f": "k", "s": "s", "d": "d", "a": "a"},
             {"n": "L", "p": "P", "f": "K", "s": "S", "d": "D", "a": "A"},
             {"n": "x", "p": "p", "f": "k", "s": "s", "d": "d", "a": "a"})
MEANING = {"n": "the input height (= width)", "p": "the zero padding on each side", "f": "the kernel size",
           "s": "the stride", "d": "the dilation", "a": "the output padding (output_padding)"}
LAYER = {"conv-unit-stride": "a convolution with stride 1", "conv-valid": "a convolution without padding",
         "pool-valid": "a max-pooling layer without padding (ceil_mode=False)",
         "conv": "a convolution",
         "pool": "a max-pooling layer with its default stride (equal to the kernel size) and ceil_mode=False",
         "transpose": "a transposed convolution", "dilated": "a dilated convolution",
         "transpose-output-padding": "a transposed convolution with output padding"}
RANGES = {"n": (2, 16), "p": (0, 3), "f": (1, 6), "s": (1, 4), "d": (1, 3), "a": (0, 3)}


@dataclass(frozen=True)
class OutputFormulaParams(Params):
    kind: str
    names: tuple[str, ...]  # the variables' names, in the order of KINDS[kind][0]
    points: tuple[tuple[int, ...], ...]  # valid configurations at which answers are compared


def formula_text(formula: Formula, params: OutputFormulaParams) -> str:
    return formula.text.format(**dict(zip(KINDS[params.kind][0], params.names)))


def valid(kind: str, point: tuple[int, ...]) -> bool:
    """A configuration torch accepts, with an output of at least 1 (pooling padding at most f/2,
    output padding below the stride)."""
    args = dict(zip(KINDS[kind][0], point))
    if kind == "pool" and args["p"] > args["f"] // 2 or "a" in args and args["a"] >= args["s"]:
        return False
    try:
        return KINDS[kind][1](*point) >= 1
    except ValueError:
        return False


class OutputSizeFormula(Template):
    id = "output-size-formula"
    title = "The output-size formula"
    topic = "convolution"
    version = 1
    answer_kinds = ("symbolic",)
    summary = "Write the output size of a convolution, pooling or transposed convolution as a formula in n, p, f, s."

    def generate(self, rng, difficulty):
        kind = str(rng.choice(LEVELS[difficulty]))
        notation = NOTATIONS[rng.integers(len(NOTATIONS))]
        variables, engine, key, mistakes = KINDS[kind]
        while True:
            points = []
            while len(points) < N_POINTS:
                point = tuple(int(rng.integers(RANGES[v][0], RANGES[v][1] + 1)) for v in variables)
                if valid(kind, point) and point not in points:
                    assert engine(*point) == key.value(*point)
                    points.append(point)
            # the key and every mistake must differ from each other at one point at least, so feedback
            # can name the mistake; the point telling most formulas apart goes first, where sympy
            # checks stop early
            formulas = [key] + [m for *_, m in mistakes]
            if len({tuple(f.value(*pt) for pt in points) for f in formulas}) == len(formulas):
                points.sort(key=lambda pt: -len({f.value(*pt) for f in formulas}))
                return OutputFormulaParams(kind, tuple(notation[v] for v in variables), tuple(points))

    def solve(self, params):
        return {"formula": formula_text(KINDS[params.kind][2], params)}

    def slots(self, params):
        return (Slot("formula", SymbolicAnswer(params.names, params.points), 2, "output size formula"),)

    def question(self, params):
        variables = KINDS[params.kind][0]
        names = dict(zip(variables, params.names))
        meaning = dict(MEANING, p=f"the padding argument (padding={names['p']}, as in ConvTranspose2d)") \
            if params.kind.startswith("transpose") else MEANING
        items = tuple(f"${name}$: {meaning[v]}" for v, name in names.items())
        return (
            Text(f"A layer is {LAYER[params.kind]} on a square input (as in PyTorch)."),
            Bullets(items),
            Text(f"Write the output height (= width) as a formula in {', '.join(params.names)}. Use floor(...) or "
                 "ceil(...) where rounding is needed."),
            AnswerBox("formula"),
        )

    def solution(self, params, answers):
        variables, engine, key, _ = KINDS[params.kind]
        def telling(pt):  # an output of 2 or more, an input no smaller than the kernel, a stride, some padding
            args = dict(zip(variables, pt))
            return engine(*pt) >= 2, args["n"] >= args["f"], args.get("s", 1), 0 < args.get("p", 0) <= args["f"] // 2

        point = max(params.points, key=telling)
        args = dict(zip(variables, point))
        kind = next((k for k in ("pool", "transpose") if params.kind.startswith(k)), "conv")
        step, = output_size_steps(kind, args["n"], args["f"], args.get("s"),
                                  args.get("p", 0), args.get("d", 1), output_padding=args.get("a", 0))
        example = ", ".join(f"{name} = {value}" for name, value in zip(params.names, point))
        return (
            Steps(answers["formula"]),
            Text(f"Check with {example}: {step.text()}" + (" (PyTorch's general form, here with dilation 1)."
                                                             if params.kind != "dilated" else ".")),
        )

    def misconceptions(self, params, answers):
        # generate() made the formulas differ pairwise at the points
        names = dict(zip(KINDS[params.kind][0], params.names))
        return tuple(Misconception(name, "wrote the formula but " + description.format(**names), fix.format(**names),
                                   {"formula": formula_text(formula, params)})
                     for name, description, fix, formula in KINDS[params.kind][3])


TEMPLATE = OutputSizeFormula()
