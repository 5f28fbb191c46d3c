"""Sobel gradient at a pixel (or over a small patch): Gx, Gy, gradient strength and direction (atan2).

Convention of slide 003: x to the right, y downward, strength s = sqrt(Gx^2 + Gy^2), direction
theta = atan2(Gy, Gx). The slides' masks ([[1,0,-1],[2,0,-2],[1,0,-1]] for x) are applied as a true
convolution, which mirrors them; the prompt shows the mirrored masks, applied as ``conv2d`` applies a
kernel, so Gx > 0 where the image gets brighter to the right and Gy > 0 where it gets brighter downward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnexam.model import (Steps, AnswerBox, ArrayAnswer, IntegerAnswer, Matrix, Misconception, NumberAnswer, Params,
                           Slot, Template, Text)
from cnnexam.model.numbers import exact, fmt, freeze
from cnnexam.solutions import conv2d, convolve2d
from cnnexam.solutions.worked import conv2d_steps

from cnnexam.model.misconceptions import distinct

# Cross-correlation kernels: the slides' Sobel masks mirrored (slide 003 f_x, f_y applied as a convolution).
KX = ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1))
KY = ((-1, -2, -1), (0, 0, 0), (1, 2, 1))
LEVELS = {"easy": dict(size=3, values=(0, 5)), "medium": dict(size=3, values=(0, 9)), "hard": dict(size=4, values=(0, 9))}
MAGNITUDE_DECIMALS, ANGLE_DECIMALS = 2, 1


@dataclass(frozen=True)
class SobelParams(Params):
    input: tuple[tuple[int, ...], ...]
    pixel: tuple[int, int]  # (row, column) of the gradient-map cell whose direction is asked
    direction: bool  # whether the direction is asked

    def to_json(self) -> dict:
        # torch.nn.functional.conv2d(input, weight) gives the channels (Gx, Gy).
        return {"input": [[list(map(list, self.input))]], "weight": [[list(map(list, KX))], [list(map(list, KY))]],
                "pixel": list(self.pixel), "direction": self.direction}


def gradients(params, kx=KX, ky=KY, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The Gx and Gy maps through the engine (``flip``: as a true convolution, i.e. kernels mirrored)."""
    apply = convolve2d if flip else conv2d
    x = np.array(params.input)
    return apply(x, np.array(kx)), apply(x, np.array(ky))


def strength(gx: int, gy: int):
    return exact(math.sqrt(gx * gx + gy * gy))


def angle(gy: float, gx: float):
    """atan2 in degrees, in (-180, 180]."""
    return exact(math.degrees(math.atan2(gy, gx)))


def _sq(v: int) -> str:
    return f"({v})^2" if v < 0 else f"{v}^2"


def _cells(fn, *maps):
    return freeze([[fn(*(int(m[i, j]) for m in maps)) for j in range(maps[0].shape[1])] for i in range(maps[0].shape[0])])


class SobelGradient(Template):
    id = "sobel-gradient"
    title = "Sobel gradient: strength and direction"
    topic = "convolution"
    version = 1
    answer_kinds = ("integer", "number", "array")
    summary = "Sobel derivatives Gx, Gy of a small patch, gradient strength sqrt(Gx^2+Gy^2) and direction atan2(Gy, Gx)."

    def generate(self, rng, difficulty):
        level = LEVELS[difficulty]
        lo, hi = level["values"]
        n = level["size"]
        return SobelParams(input=freeze(rng.integers(lo, hi + 1, size=(n, n))),
                           pixel=(int(rng.integers(n - 2)), int(rng.integers(n - 2))), direction=difficulty != "easy")

    def _map(self, params) -> bool:
        return len(params.input) > 3

    def _pack(self, params, gx, gy, fn_strength=strength, fn_angle=angle) -> dict:
        """Slot values from Gx and Gy maps (scalars for a 3x3 patch, maps otherwise)."""
        r, c = params.pixel
        out = {}
        if self._map(params):
            out.update(gx=freeze(gx), gy=freeze(gy), strength=_cells(fn_strength, gx, gy))
        else:
            out.update(gx=int(gx[0, 0]), gy=int(gy[0, 0]), strength=fn_strength(int(gx[0, 0]), int(gy[0, 0])))
        if params.direction:
            out["direction"] = fn_angle(int(gy[r, c]), int(gx[r, c]))
        return out

    def solve(self, params):
        return self._pack(params, *gradients(params))

    def slots(self, params):
        number = NumberAnswer(decimals=MAGNITUDE_DECIMALS)
        if self._map(params):
            o = len(params.input) - 2
            slots = [Slot("gx", ArrayAnswer(shape=(o, o)), 2, "Gx map"), Slot("gy", ArrayAnswer(shape=(o, o)), 2, "Gy map"),
                     Slot("strength", ArrayAnswer(shape=(o, o), element="number", decimals=MAGNITUDE_DECIMALS), 2,
                          "gradient strength map")]
        else:
            slots = [Slot("gx", IntegerAnswer(), 1, "Gx"), Slot("gy", IntegerAnswer(), 1, "Gy"),
                     Slot("strength", number, 1, "gradient strength")]
        if params.direction:
            slots.append(Slot("direction", NumberAnswer(decimals=ANGLE_DECIMALS), 1, "gradient direction in degrees"))
        return tuple(slots)

    def question(self, params):
        n = len(params.input)
        where = ("at the centre pixel of the patch" if not self._map(params) else
                 f"at each of the {(n - 2) ** 2} inner pixels (where the 3x3 kernels fit), as {n - 2}x{n - 2} maps")
        blocks = [
            Text("Image coordinates: x grows to the right, y grows downward. The Sobel derivatives are computed "
                 "as a CNN layer applies a kernel (cross-correlation, as `torch.nn.functional.conv2d` does, no "
                 "flipping) with the kernels Kx and Ky below (texts that apply Sobel masks as a true convolution "
                 "print them mirrored). So Gx > 0 where the image gets brighter to the right, and Gy > 0 where it "
                 "gets brighter downward."),
            Matrix(f"Image patch X ({n}x{n})", params.input),
            Matrix("Kx (derivative in x)", KX), Matrix("Ky (derivative in y)", KY),
            Text(f"Compute, {where}:"),
            Text("(a) Gx" + (" (a matrix)" if self._map(params) else "")), AnswerBox("gx"),
            Text("(b) Gy" + (" (a matrix)" if self._map(params) else "")), AnswerBox("gy"),
            Text(f"(c) the gradient strength (magnitude), rounded to {MAGNITUDE_DECIMALS} decimal places"
                 + (" (a matrix)" if self._map(params) else "")), AnswerBox("strength"),
        ]
        if params.direction:
            r, c = params.pixel
            at = f" at the image pixel in row {r + 2}, column {c + 2} (counting from 1)" if self._map(params) else ""
            blocks += [Text(f"(d) the gradient direction{at}, in degrees, rounded to {ANGLE_DECIMALS} decimal place: "
                            "the angle from the +x axis (right) turning towards +y (down), in the range "
                            "(-180, 180]."), AnswerBox("direction")]
        return tuple(blocks)

    def solution(self, params, answers):
        x = np.array(params.input)
        gx, gy = gradients(params)
        where = (lambda i, j: f"({i + 2},{j + 2})") if self._map(params) else (lambda i, j: "")
        blocks = [Text("Multiply the 3x3 window around the pixel by each kernel and add"
                       + (" (pixels as (row, column) of the image, counting from 1):" if self._map(params) else ":"))]
        for name, kernel in (("Gx", KX), ("Gy", KY)):
            steps = conv2d_steps(x, np.array(kernel))
            blocks.append(Steps("\n".join(f"{name}{where(*s.position)} = {s.expression()} = {s.value}" for s in steps)))
        blocks.append(Text("Gradient strength $s = \\sqrt{G_x^2 + G_y^2}$:"))
        lines = []
        for (i, j) in np.ndindex(gx.shape):
            a, b = int(gx[i, j]), int(gy[i, j])
            value = strength(a, b)
            sign = "=" if isinstance(value, int) else "≈"
            lines.append(f"s{where(i, j)} = sqrt({_sq(a)} + {_sq(b)}) = sqrt({a * a + b * b}) {sign} "
                         f"{fmt(value, MAGNITUDE_DECIMALS)}")
        blocks.append(Steps("\n".join(lines)))
        if params.direction:
            r, c = params.pixel
            a, b = int(gx[r, c]), int(gy[r, c])
            theta = fmt(answers["direction"], ANGLE_DECIMALS)
            if a > 0:
                why, line = "Gx > 0, so atan2 equals atan(Gy/Gx)", f"theta = atan2({b}, {a}) = atan({b}/{a}) ≈ {theta}"
            else:
                sign = "+" if b > 0 else "-"
                base = fmt(exact(math.degrees(math.atan(b / a))), ANGLE_DECIMALS)
                why = f"Gx < 0 and Gy {'>' if b > 0 else '<'} 0: atan2 is atan(Gy/Gx) {sign} 180 degrees"
                line = f"theta = atan2({b}, {a}) = atan({b}/({a})) {sign} 180 ≈ {base} {sign} 180 = {theta}"
            blocks += [Text(f"Direction $\\theta = \\mathrm{{atan2}}(G_y, G_x)$ ({why}):"), Steps(line + " degrees")]
        return tuple(blocks)

    def misconceptions(self, params, answers):
        gx, gy = gradients(params)
        found = [
            Misconception("swapped-gx-gy", "swapped Gx and Gy (used each kernel for the other derivative)",
                          "Kx (columns change sign) gives the derivative in x, Ky (rows change sign) the one in y; "
                          "the direction is atan2(Gy, Gx), y first.", self._pack(params, gy, gx)),
            Misconception("abs-sum-strength", "added |Gx| + |Gy| instead of taking the Euclidean length",
                          "The strength is sqrt(Gx^2 + Gy^2).",
                          {"strength": self._pack(params, gx, gy, fn_strength=lambda a, b: abs(a) + abs(b))["strength"]}),
            Misconception("forgot-square-root", "forgot the square root (gave Gx^2 + Gy^2)",
                          "The strength is the square root of Gx^2 + Gy^2.",
                          {"strength": self._pack(params, gx, gy, fn_strength=lambda a, b: a * a + b * b)["strength"]}),
        ]
        r, c = params.pixel
        a, b = int(gx[r, c]), int(gy[r, c])
        if params.direction and a:
            found += [
                Misconception("atan-not-atan2", "used atan(Gy/Gx), which loses the quadrant when Gx < 0",
                              "Use atan2(Gy, Gx): it adds or subtracts 180 degrees when Gx is negative.",
                              {"direction": exact(math.degrees(math.atan(b / a)))}),
                Misconception("radians", "gave the angle in radians", "Convert to degrees: multiply by 180/pi.",
                              {"direction": exact(math.atan2(b, a))}),
            ]
        # Listed after atan: when Gx < 0, atan(Gy/Gx) equals the direction of (-Gx, -Gy); with Gx and Gy
        # right, that direction is the atan mistake, not flipped kernels.
        found.append(Misconception("kernel-flipped", "flipped the kernels (true convolution): both derivatives changed sign",
                                   "Apply Kx and Ky as shown, without mirroring them again.",
                                   self._pack(params, *gradients(params, flip=True))))
        return distinct(self.slots(params), answers, found)

    def degenerate(self, params, answers):
        gx, gy = gradients(params)
        r, c = params.pixel
        if not (gx[r, c] and gy[r, c]) or abs(gx[r, c]) == abs(gy[r, c]):
            return "Gx or Gy is 0, or |Gx| = |Gy|, at the asked pixel"
        if len(np.unique(gx)) < gx.size // 2 or len(np.unique(gy)) < gy.size // 2:
            return "too few distinct derivative values"
        values = [(strength(int(a), int(b)), MAGNITUDE_DECIMALS) for a, b in zip(gx.ravel(), gy.ravel())]
        if params.direction:
            values.append((answers["direction"], ANGLE_DECIMALS))
        if any(abs((v * 10**d) % 1 - 0.5) < 1e-6 for v, d in values):
            return "a value lies on a rounding boundary"
        return None


TEMPLATE = SobelGradient()
