"""Recognise a classic kernel: from its matrix (what does it do?) or from its effect on an image.

Easy: a kernel matrix is shown; which effect? Medium: an image and its filtered version are shown; which
named kernel? Hard: four candidate matrices (a directional kernel, its 180-degree flip, its transpose and
both) and a filtered image; which kernel did ``conv2d`` use? Wrong picks are named confusions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnexam.model import Steps, AnswerBox, Matrix, Misconception, Params, SingleChoiceAnswer, Slot, Template, Text
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d
from cnnexam.solutions.worked import conv2d_steps

from ._classic_kernels import EFFECTS, KERNELS, confusable, confusion
from cnnexam.model.misconceptions import distinct

from ._conv_helpers import permutation

MODES = {"easy": "describe", "medium": "effect", "hard": "matrix"}
DIRECTIONAL = tuple(k for k, v in KERNELS.items() if v.effect in ("vertical", "horizontal"))
OPTIONS = 4
# Hard level: the candidates are the key kernel transformed (the 180-degree flip of these kernels negates them).
TRANSFORMS = ("as-is", "flipped", "transposed", "flipped-transposed")
TRANSFORM_MISTAKES = {
    "flipped": ("kernel-flipped", "assumed the layer flips the kernel (true convolution)",
                "conv2d multiplies each window by the kernel as it is; the flipped kernel gives the negated output."),
    "transposed": ("swapped-edge-orientation", "mixed up the vertical- and horizontal-edge kernels",
                   "Compute one output cell with each candidate: the transposed kernel responds to the other direction."),
    "flipped-transposed": ("flipped-and-swapped", "picked the kernel flipped and turned to the other direction",
                           "Compute one output cell with each candidate and compare it with the filtered image."),
}
WHY = {
    "identity": "a single 1 in the centre copies the pixel under it, so the output is the image itself (cropped).",
    "vertical": "its columns change sign (left against right), so it responds where brightness changes from left "
                "to right, at vertical edges; its weights sum to 0, so flat regions give 0.",
    "horizontal": "its rows change sign (top against bottom), so it responds where brightness changes from top "
                  "to bottom, at horizontal edges; its weights sum to 0, so flat regions give 0.",
    "laplacian": "a positive centre against negative neighbours on every side, weights summing to 0: flat "
                 "regions give 0 and changes in any direction stand out.",
    "sharpen": "the identity plus an edge detector (weights sum to 1): flat regions keep their value and "
               "differences from the neighbours are boosted.",
    "box": "all nine weights are equal (1/9): every output is the mean of its window.",
    "gaussian": "positive weights summing to 1, largest in the centre (1/4) and smallest in the corners (1/16): "
                "a weighted average.",
}


@dataclass(frozen=True)
class IdentifyParams(Params):
    mode: str  # "describe", "effect" or "matrix"
    kernel: str  # key of KERNELS: the right answer
    sign: int  # describe mode: the kernel is shown times this sign (a negated edge kernel still finds edges)
    options: tuple[str, ...]  # effects (describe), kernel keys (effect) or TRANSFORMS (matrix), in shown order
    input: tuple  # the filtered image (effect and matrix modes), else ()

    def to_json(self) -> dict:
        out = {"mode": self.mode, "options": list(self.options), "kernel": KERNELS[self.kernel].name}
        if self.input:  # torch.nn.functional.conv2d(input, weight) gives the filtered image
            out.update(input=[[list(map(list, self.input))]], **KERNELS[self.kernel].weight_json())
        return out


def transform(kernel: np.ndarray, how: str) -> np.ndarray:
    out = -kernel if how.startswith("flipped") else kernel  # rotating these kernels by 180 degrees negates them
    return np.ascontiguousarray(out.T if how.endswith("transposed") else out)


def filtered(image, kernel_key: str, weight: np.ndarray | None = None):
    """The image filtered through the engine (exact: integer sums divided by the kernel's divisor)."""
    k = KERNELS[kernel_key]
    sums = conv2d(np.array(image), k.integer if weight is None else weight)
    return freeze([[Fraction(int(v), k.divisor) for v in row] for row in sums])


def rectangle_image(rng) -> np.ndarray:
    """A 6x6 image: a bright rectangle on a flat dark background, with a few pixels one level brighter,
    so that edges, flat regions and isolated details are all visible in the filtered image."""
    image = np.full((6, 6), int(rng.integers(0, 3)))
    r0, c0 = (int(v) for v in rng.integers(0, 3, size=2))
    r1, c1 = (int(v) for v in rng.integers(3, 6, size=2))
    image[r0:r1 + 1, c0:c1 + 1] += int(rng.integers(5, 8))
    for r, c in rng.integers(0, 6, size=(4, 2)):
        image[r, c] += 1
    return image


class ClassicKernelIdentify(Template):
    id = "classic-kernel-identify"
    title = "Recognise a classic image kernel"
    topic = "convolution"
    version = 1
    answer_kinds = ("single-choice",)
    summary = "Say what a classic kernel does from its matrix, or which kernel produced a filtered image."

    def generate(self, rng, difficulty):
        mode = MODES[difficulty]
        if mode == "matrix":
            return IdentifyParams(mode, str(rng.choice(DIRECTIONAL)), 1,
                                  tuple(TRANSFORMS[i] for i in permutation(rng, 4)),
                                  freeze(rng.integers(0, 6, size=(int(rng.choice((4, 5))),) * 2)))
        key = KERNELS[str(rng.choice(tuple(KERNELS)))]
        near = confusable(key.effect)
        rest = [e for e in EFFECTS if e != key.effect and e not in near]
        picked = list(rng.permutation(near)[:OPTIONS - 1])
        picked += list(rng.permutation(rest)[:OPTIONS - 1 - len(picked)])
        effects = [key.effect, *map(str, picked)]
        if mode == "describe":
            options = effects
            sign = int(rng.choice((-1, 1))) if key.effect in ("vertical", "horizontal") else 1
            image = ()
        else:
            options = [key.key] + [str(rng.choice([k for k, v in KERNELS.items() if v.effect == e])) for e in effects[1:]]
            sign, image = 1, freeze(rectangle_image(rng))
        return IdentifyParams(mode, key.key, sign, tuple(options[i] for i in permutation(rng, OPTIONS)), image)

    def _key_option(self, params) -> str:
        if params.mode == "describe":
            return KERNELS[params.kernel].effect
        return params.kernel if params.mode == "effect" else "as-is"

    def solve(self, params):
        return {"choice": params.options.index(self._key_option(params))}

    def _option_text(self, params, option: str) -> str:
        if params.mode == "describe":
            return EFFECTS[option][0].upper() + EFFECTS[option][1:]
        return KERNELS[option].name + " kernel" if params.mode == "effect" else f"Kernel {'ABCD'[params.options.index(option)]}"

    def slots(self, params):
        options = tuple(self._option_text(params, o) for o in params.options)
        return (Slot("choice", SingleChoiceAnswer(options), 2, "the kernel"),)

    def _output_matrix(self, params) -> Matrix:
        out = filtered(params.input, params.kernel)
        exact = all(isinstance(v, int) for row in out for v in row)
        return Matrix(f"Filtered image Y ({len(out)}x{len(out)})" + ("" if exact else ", rounded to 2 decimals"),
                      out, None if exact else 2)

    def question(self, params):
        k = KERNELS[params.kernel]
        if params.mode == "describe":
            shown = freeze(np.array(k.values, dtype=object) * params.sign)
            return (Text("This 3x3 kernel is slid over a grayscale image (as a CNN layer applies a kernel)."),
                    Matrix("Kernel K", shown), Text("What does it do?"), AnswerBox("choice"))
        n = len(params.input)
        blocks = [Text("The grayscale image X was filtered with one 3x3 kernel, as `torch.nn.functional.conv2d` "
                       "applies it (cross-correlation, stride 1, no padding), giving Y."),
                  Matrix(f"Image X ({n}x{n})", params.input), self._output_matrix(params)]
        if params.mode == "effect":
            blocks.append(Text("Which classic image kernel was it?"))
        else:
            blocks.append(Text("Which of these kernels was it?"))
            blocks += [Matrix(f"Kernel {'ABCD'[i]}", freeze(transform(k.integer, how)))
                       for i, how in enumerate(params.options)]
        return (*blocks, AnswerBox("choice"))

    def solution(self, params, answers):
        k = KERNELS[params.kernel]
        answer = f"{'ABCD'[answers['choice']]}) {self._option_text(params, params.options[answers['choice']])}"
        if params.mode == "describe":
            sign = " (shown negated, which only swaps which side of an edge gives positive values)" if params.sign < 0 else ""
            return (Text(f"This is the {k.in_text} kernel{sign}: {WHY[k.effect]}"), Text(f"Answer: {answer}."))
        x = np.array(params.input)
        if params.mode == "effect":
            steps = conv2d_steps(x, k.integer)
            divide = f", divided by {k.divisor}" if k.divisor > 1 else ""
            return (Text(f"Y is the image filtered with the {k.in_text} kernel: {WHY[k.effect]}"),
                    Matrix(k.label, k.numerator),
                    Text(f"Check one cell{divide}: {steps[0].text()}" + (f", /{k.divisor} = "
                         f"{Fraction(steps[0].value, k.divisor)}" if k.divisor > 1 else "") + "."),
                    Text(f"Answer: {answer}."))
        cell = self._telling_cell(params)
        lines = []
        for i, how in enumerate(params.options):
            step = conv2d_steps(x, transform(k.integer, how))[cell]
            lines.append(f"Kernel {'ABCD'[i]}: {step.text()}")
        r, c = step.position
        return (Text(f"Compute cell ({r},{c}) of Y (counting from 0), {filtered(params.input, params.kernel)[r][c]}, "
                     "with each candidate (multiply the window by the kernel as it is, no flipping):"),
                Steps("\n".join(lines)),
                Text(f"Only the {k.in_text} kernel (as shown) reproduces it. Answer: {answer}."))

    def _telling_cell(self, params) -> int | None:
        """Index (row-major) of the first output cell where the four candidates give four different values."""
        x, k = np.array(params.input), KERNELS[params.kernel].integer
        outputs = np.stack([conv2d(x, transform(k, how)).ravel() for how in TRANSFORMS])
        for index in range(outputs.shape[1]):
            if len(set(outputs[:, index].tolist())) == len(TRANSFORMS):
                return index
        return None

    def misconceptions(self, params, answers):
        found = []
        key_effect = KERNELS[params.kernel].effect
        for index, option in enumerate(params.options):
            if params.mode == "matrix":
                mistake = TRANSFORM_MISTAKES.get(option)
            else:
                effect = option if params.mode == "describe" else KERNELS[option].effect
                mistake = confusion(key_effect, effect) if effect != key_effect else None
            if mistake and mistake[0] not in {m.name for m in found}:
                found.append(Misconception(*mistake, {"choice": index}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        if not params.input:
            return None
        out = filtered(params.input, params.kernel)
        if len({v for row in out for v in row}) < 3:
            return "the filtered image has too few distinct values"
        k = KERNELS[params.kernel]
        if params.mode == "effect":
            others = [filtered(params.input, o) for o in params.options if o != params.kernel]
        else:
            others = [filtered(params.input, params.kernel, transform(k.integer, how)) for how in TRANSFORMS[1:]]
        if out in others:
            return "another candidate gives the same filtered image"
        if params.mode == "matrix" and self._telling_cell(params) is None:
            return "no output cell tells the four candidates apart"
        return None


TEMPLATE = ClassicKernelIdentify()
