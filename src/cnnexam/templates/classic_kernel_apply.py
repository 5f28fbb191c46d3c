"""Apply one classic kernel (identity, Sobel, Scharr, Prewitt, edge detection, sharpen, box or Gaussian
blur) to a small image, as a CNN layer does (cross-correlation).

Blur kernels have fractional weights (1/9, 1/16): the output is the integer weighted sum divided exactly,
so the key is exact Fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnexam.model import HIDDEN_SIZE_WEIGHT, Steps, AnswerBox, ArrayAnswer, Matrix, Misconception, Params, Slot, Template, Text
from cnnexam.model.numbers import freeze
from cnnexam.solutions import conv2d, convolve2d
from cnnexam.solutions.worked import conv2d_steps

from ._classic_kernels import KERNELS
from cnnexam.model.misconceptions import distinct

# difficulty -> kernels to draw from, input size, zero padding, pixel values
LEVELS = {
    "easy": dict(kernels=("identity", "sobel-x", "sobel-y", "edge-8", "sharpen-4", "box"), size=4, padding=0,
                 values=(0, 5)),
    "medium": dict(kernels=tuple(k for k in KERNELS if k != "identity"), size=5, padding=0, values=(0, 5)),
    "hard": dict(kernels=tuple(k for k in KERNELS if k != "identity"), size=4, padding=1, values=(0, 5)),
}


@dataclass(frozen=True)
class KernelApplyParams(Params):
    input: tuple[tuple[int, ...], ...]
    kernel: str  # key of KERNELS
    padding: int

    @property
    def classic(self):
        return KERNELS[self.kernel]

    def to_json(self) -> dict:
        # torch.nn.functional.conv2d's arguments (the exact key is conv2d(input, weight_numerator) / divisor).
        return {"input": [[list(map(list, self.input))]], **self.classic.weight_json(), "bias": None, "stride": 1,
                "padding": self.padding, "kernel": self.classic.name}


def apply(params, kernel: np.ndarray | None = None, divisor: int | None = None, flip: bool = False, **changes):
    """The classic kernel (or a stand-in) applied through the engine, divided exactly by its divisor."""
    k = params.classic
    args = dict(input=np.array(params.input), weight=k.integer if kernel is None else kernel, padding=params.padding)
    args.update(changes)
    sums = convolve2d(**args) if flip else conv2d(**args)
    divisor = k.divisor if divisor is None else divisor
    return freeze([[Fraction(int(v), divisor) for v in row] for row in sums])


class ClassicKernelApply(Template):
    id = "classic-kernel-apply"
    title = "Apply a classic image kernel"
    topic = "convolution"
    version = 1
    answer_kinds = ("array",)
    summary = "Apply a named classic kernel (Sobel, Scharr, edge, sharpen, box or Gaussian blur ...) to a small image."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        lo, hi = level["values"]
        return KernelApplyParams(input=freeze(rng.integers(lo, hi + 1, size=(level["size"], level["size"]))),
                                 kernel=str(rng.choice(level["kernels"])), padding=level["padding"])

    def solve(self, params):
        return {"output": apply(params)}

    def _size(self, params) -> int:
        return len(params.input) + 2 * params.padding - 2

    def slots(self, params):
        o = self._size(params)
        element = "fraction" if params.classic.divisor > 1 else "integer"
        return (Slot("output", ArrayAnswer(shape=(o, o), element=element, shape_given=False),
                     HIDDEN_SIZE_WEIGHT, "filtered image"),)

    def question(self, params):
        k, n = params.classic, len(params.input)
        padding = ("with zero padding 1 (one ring of zeros around the image)" if params.padding
                   else "without padding (only positions where the kernel fits inside the image)")
        exact = " Give exact values (fractions such as 7/3 where needed)." if k.divisor > 1 else ""
        return (
            Text(f"The {k.in_text} kernel is applied to a grayscale image as a CNN layer applies a kernel: a "
                 "cross-correlation (as `torch.nn.functional.conv2d` computes it, without flipping the "
                 f"kernel), stride 1, {padding}, no bias."),
            Matrix(f"Image X ({n}x{n})", params.input),
            Matrix(k.label, k.numerator),
            Text("Compute the filtered image." + exact),
            AnswerBox("output"),
        )

    def solution(self, params, answers):
        k, n, p = params.classic, len(params.input), params.padding
        o = self._size(params)
        blocks = [Text(f"Output size: $({n} + 2 \\cdot {p} - 3) + 1 = {o}$ in each direction.")]
        if p:
            blocks.append(Matrix(f"Image with zero padding {p}", freeze(np.pad(np.array(params.input), p))))
        steps = conv2d_steps(np.array(params.input), k.integer, padding=p)
        if k.divisor == 1:
            blocks.append(Text("Each output cell is the sum of the window's products with the kernel:"))
            blocks.append(Steps("\n".join(step.text() for step in steps)))
        else:
            blocks.append(Text(f"Multiply each window by the integer matrix, add, then divide by {k.divisor}:"))
            blocks.append(Steps("\n".join(
                f"out[{step.position[0]},{step.position[1]}] = ({step.expression()})/{k.divisor} = "
                f"{step.value}/{k.divisor} = {Fraction(step.value, k.divisor)}" for step in steps)))
        blocks.append(Matrix(f"Filtered image ({o}x{o})", answers["output"]))
        return tuple(blocks)

    def misconceptions(self, params, answers):
        k = params.classic
        found = []
        if not k.symmetric:
            found.append(Misconception(
                "kernel-flipped", "flipped the kernel (computed the true convolution)",
                "A CNN layer computes a cross-correlation: multiply each window by the kernel as it is shown.",
                {"output": apply(params, flip=True)}))
        if k.divisor > 1:
            found.append(Misconception(
                "forgot-normalisation", f"forgot to divide by {k.divisor}",
                f"The kernel is 1/{k.divisor} times the matrix: divide each weighted sum by {k.divisor}.",
                {"output": apply(params, divisor=1)}))
        if (k.integer < 0).any():
            found.append(Misconception(
                "dropped-minus-signs", "ignored the minus signs of the kernel's weights",
                "Multiply by the negative weights as they are: those products are subtracted.",
                {"output": apply(params, kernel=np.abs(k.integer))}))
        if params.padding:
            found.append(Misconception(
                "ignored-padding", "ignored the zero padding",
                "Surround the image with one ring of zeros first, so the output keeps the image's size.",
                {"output": apply(params, padding=0)}))
        else:
            found.append(Misconception(
                "padded-input", "padded the image with zeros to keep its size",
                "Without padding the kernel only visits positions where it fits inside the image.",
                {"output": apply(params, padding=1)}))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        out = np.array(answers["output"], dtype=object)
        if not out.any():
            return "all-zero output"
        if len(set(out.ravel())) < max(2, out.size // 2):
            return "too few distinct output values"
        return None


TEMPLATE = ClassicKernelApply()
