"""The classic 3x3 image kernels of the lectures, with what each one does.

A kernel is an integer matrix and a divisor (1/9 for the box blur, 1/16 for the Gaussian), so integer
images give exact results: the integer cross-correlation divided exactly. Each entry notes its source.
Orientation words follow the slides: a kernel whose columns change sign (left minus right) responds to
*vertical* edges, one whose rows change sign to *horizontal* edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnexam.model.numbers import freeze

# What a kernel does, as the option text of a choice question.
EFFECTS = {
    "identity": "leaves the image unchanged (identity)",
    "vertical": "detects vertical edges (changes from left to right)",
    "horizontal": "detects horizontal edges (changes from top to bottom)",
    "laplacian": "detects edges in every direction (Laplacian-style)",
    "sharpen": "sharpens the image (boosts each pixel against its neighbours)",
    "box": "blurs the image with equal weights (mean / box filter)",
    "gaussian": "blurs the image with weights that fall off from the centre (Gaussian)",
}


@dataclass(frozen=True)
class ClassicKernel:
    key: str
    name: str
    numerator: tuple[tuple[int, ...], ...]
    divisor: int
    effect: str

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "the box blur kernel", but "the Sobel (vertical edges) kernel"."""
        proper = self.name.split()[0] in ("Sobel", "Scharr", "Prewitt", "Gaussian")
        return self.name if proper else self.name[0].lower() + self.name[1:]

    @property
    def integer(self) -> np.ndarray:
        return np.array(self.numerator, dtype=np.int64)

    @property
    def values(self) -> tuple[tuple[int | Fraction, ...], ...]:
        """The kernel's exact entries (Fractions for the blurs)."""
        return freeze([[Fraction(v, self.divisor) for v in row] for row in self.numerator])

    @property
    def symmetric(self) -> bool:
        """Unchanged by a 180-degree rotation, so flipping it (true convolution) changes nothing."""
        return bool((self.integer == self.integer[::-1, ::-1]).all())

    def weight_json(self) -> dict:
        """torch-ready (1, 1, 3, 3) weight (floats for the blurs) and its exact form numerator / divisor."""
        weight = [[v / self.divisor if self.divisor > 1 else v for v in row] for row in self.numerator]
        return {"weight": [[weight]], "weight_numerator": [[list(map(list, self.numerator))]], "divisor": self.divisor}

    @property
    def label(self) -> str:
        return f"{self.name} kernel" + (f" (1/{self.divisor} times the matrix)" if self.divisor > 1 else "")


def _kernel(key, name, rows, effect, divisor=1) -> ClassicKernel:
    return ClassicKernel(key, name, tuple(tuple(r) for r in rows), divisor, effect)


KERNELS = {k.key: k for k in (
    # Slide 000 ("Sample Convolution Kernels"): identity.
    _kernel("identity", "Identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], "identity"),
    # Slide 000 "Sobel vertical edge detection"; slide 003 f_x; slide 004 "Sobel filter".
    _kernel("sobel-x", "Sobel (vertical edges)", [[1, 0, -1], [2, 0, -2], [1, 0, -1]], "vertical"),
    # Slide 000 "Sobel horizontal edge detection"; slide 003 f_y.
    _kernel("sobel-y", "Sobel (horizontal edges)", [[1, 2, 1], [0, 0, 0], [-1, -2, -1]], "horizontal"),
    # Slide 004 "Scharr filter"; its transpose is Scharr's horizontal kernel (Scharr 2000; OpenCV Scharr).
    _kernel("scharr-x", "Scharr (vertical edges)", [[3, 0, -3], [10, 0, -10], [3, 0, -3]], "vertical"),
    _kernel("scharr-y", "Scharr (horizontal edges)", [[3, 10, 3], [0, 0, 0], [-3, -10, -3]], "horizontal"),
    # Slide 004 "Vertical and Horizontal Edge Detection" (the Prewitt operator, Prewitt 1970).
    _kernel("prewitt-x", "Prewitt (vertical edges)", [[1, 0, -1], [1, 0, -1], [1, 0, -1]], "vertical"),
    _kernel("prewitt-y", "Prewitt (horizontal edges)", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]], "horizontal"),
    # Slide 000 "Edge detection" and slide 002 "Edge detector": the 8-neighbour Laplacian-style kernel.
    _kernel("edge-8", "Edge detection (8-neighbour)", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], "laplacian"),
    # The 4-neighbour version: the negated discrete Laplace operator (slide 003 names the Laplace
    # filter; matrix as in Wikipedia "Kernel (image processing)", ridge/edge detection).
    _kernel("edge-4", "Edge detection (4-neighbour)", [[0, -1, 0], [-1, 4, -1], [0, -1, 0]], "laplacian"),
    # Slide 000 "Sharpen" (identity plus the 4-neighbour edge kernel).
    _kernel("sharpen-4", "Sharpen (4-neighbour)", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "sharpen"),
    # Slide 002 "Sharpening" (identity plus the 8-neighbour edge kernel).
    _kernel("sharpen-8", "Sharpen (8-neighbour)", [[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]], "sharpen"),
    # Slide 000 "Uniform blur", slide 003 "3x3 Mean".
    _kernel("box", "Box blur", [[1, 1, 1], [1, 1, 1], [1, 1, 1]], "box", 9),
    # Slide 000 "Gaussian blur 3x3".
    _kernel("gaussian", "Gaussian blur", [[1, 2, 1], [2, 4, 2], [1, 2, 1]], "gaussian", 16),
)}

# Confusing two effects is a named mistake: (key effect, picked effect) -> (name, description, fix).
_LOW_HIGH = ("confused-blur-and-high-pass",
             "mistook a smoothing (low-pass) kernel for a high-pass one, or the other way round",
             "A kernel with only positive weights averages (blurs); negative neighbour weights around a large "
             "centre pick out differences (edges, sharpening).")
CONFUSIONS = {
    frozenset({"vertical", "horizontal"}): (
        "swapped-edge-orientation", "mixed up vertical and horizontal edges",
        "A kernel whose columns change sign (left minus right) responds to vertical edges; one whose rows "
        "change sign responds to horizontal edges."),
    frozenset({"laplacian", "sharpen"}): (
        "confused-edge-and-sharpen", "mixed up the edge-detection and the sharpen kernels",
        "An edge kernel's weights sum to 0 (flat regions give 0); sharpen adds the identity, so its weights "
        "sum to 1 and flat regions keep their value."),
    frozenset({"box", "gaussian"}): (
        "confused-box-and-gaussian", "mixed up the box (mean) blur and the Gaussian blur",
        "The box blur weights all 9 pixels equally (1/9 each); the Gaussian weights the centre most "
        "(4/16) and the corners least (1/16)."),
    frozenset({"identity", "sharpen"}): (
        "confused-identity-and-sharpen", "mixed up the identity and the sharpen kernels",
        "The identity has a single 1 in the centre and copies the pixel; sharpen also subtracts the "
        "neighbours."),
    frozenset({"identity", "box"}): (
        "confused-identity-and-blur", "mixed up the identity and a blur",
        "The identity copies the centre pixel; a blur mixes in the neighbours."),
    frozenset({"vertical", "laplacian"}): (
        "confused-directional-and-laplacian", "mixed up a directional edge kernel and the Laplacian-style one",
        "Sobel-type kernels compare one side with the other (one direction); the Laplacian-style kernel "
        "compares the centre with all its neighbours."),
    frozenset({"horizontal", "laplacian"}): (
        "confused-directional-and-laplacian", "mixed up a directional edge kernel and the Laplacian-style one",
        "Sobel-type kernels compare one side with the other (one direction); the Laplacian-style kernel "
        "compares the centre with all its neighbours."),
    **{frozenset({low, high}): _LOW_HIGH for low in ("box", "gaussian") for high in ("sharpen", "laplacian")},
}


def confusion(key_effect: str, picked_effect: str):
    """(name, description, fix) of mistaking ``key_effect`` for ``picked_effect``, or None."""
    return CONFUSIONS.get(frozenset({key_effect, picked_effect}))


def confusable(effect: str) -> list[str]:
    """The effects a student may mistake ``effect`` for, with distinct misconception names."""
    seen, out = set(), []
    for other in EFFECTS:
        found = confusion(effect, other) if other != effect else None
        if found and found[0] not in seen:
            seen.add(found[0])
            out.append(other)
    return out
