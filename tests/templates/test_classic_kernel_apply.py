"""classic-kernel-apply: the kernel bank against the slides, keys by plain loops over exact fractions, the
slides' edge-detection examples, misconceptions."""

from fractions import Fraction

import pytest

from cnnexam.model.grading import grade_variant
from cnnexam.templates._classic_kernels import KERNELS
from cnnexam.templates.classic_kernel_apply import LEVELS, TEMPLATE, KernelApplyParams

SEEDS = range(60)

# The matrices as the slides print them (slide 000 "Sample Convolution Kernels", 002, 003, 004).
SLIDES = {
    "identity": ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], 1),
    "sobel-x": ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], 1),
    "sobel-y": ([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], 1),
    "scharr-x": ([[3, 0, -3], [10, 0, -10], [3, 0, -3]], 1),
    "prewitt-x": ([[1, 0, -1], [1, 0, -1], [1, 0, -1]], 1),
    "prewitt-y": ([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], 1),
    "edge-8": ([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], 1),
    "sharpen-4": ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1),
    "sharpen-8": ([[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]], 1),
    "box": ([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9),
    "gaussian": ([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16),
}


def filtered(image, kernel, padding):
    """Plain loops with the kernel's exact fractional weights: sum of window * weight."""
    n = len(image)
    size = n + 2 * padding

    def pixel(r, c):
        r, c = r - padding, c - padding
        return image[r][c] if 0 <= r < n and 0 <= c < n else 0

    return [[sum(pixel(i + a, j + b) * kernel[a][b] for a in range(3) for b in range(3)) for j in range(size - 2)]
            for i in range(size - 2)]


@pytest.mark.parametrize("key", sorted(SLIDES))
def test_bank_matches_the_slides(key):
    rows, divisor = SLIDES[key]
    assert [list(r) for r in KERNELS[key].numerator] == rows and KERNELS[key].divisor == divisor


def test_derived_kernels():
    sobel, scharr, prewitt = (KERNELS[k].integer for k in ("sobel-x", "scharr-x", "prewitt-x"))
    assert (KERNELS["sobel-y"].integer == sobel.T).all() and (KERNELS["scharr-y"].integer == scharr.T).all()
    assert (KERNELS["prewitt-y"].integer == prewitt.T).all()
    identity = KERNELS["identity"].integer
    assert (KERNELS["sharpen-4"].integer == identity + KERNELS["edge-4"].integer).all()
    assert (KERNELS["sharpen-8"].integer == identity + KERNELS["edge-8"].integer).all()


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_key_matches_plain_loops_with_fractions(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p = v.params
        kernel = [[Fraction(w, p.classic.divisor) for w in row] for row in p.classic.numerator]
        assert [list(r) for r in v.answers["output"]] == filtered(p.input, kernel, p.padding)
        assert p.kernel in LEVELS[difficulty]["kernels"]


def test_slides_vertical_and_horizontal_edge_examples():
    # Slide 004: a 6x6 image, bright left half, with the vertical-edge kernel gives rows of [0, 30, 30, 0];
    # the image with bright top-left and bottom-right blocks and the horizontal kernel gives
    # [[0,0,0,0],[30,10,-10,-30],[30,10,-10,-30],[0,0,0,0]] (both checked by hand).
    left = tuple((10, 10, 10, 0, 0, 0) for _ in range(6))
    answers = TEMPLATE.solve(KernelApplyParams(input=left, kernel="prewitt-x", padding=0))
    assert [list(r) for r in answers["output"]] == [[0, 30, 30, 0]] * 4
    blocks = tuple([(10, 10, 10, 0, 0, 0)] * 3 + [(0, 0, 0, 10, 10, 10)] * 3)
    answers = TEMPLATE.solve(KernelApplyParams(input=blocks, kernel="prewitt-y", padding=0))
    assert [list(r) for r in answers["output"]] == [[0, 0, 0, 0], [30, 10, -10, -30], [30, 10, -10, -30], [0, 0, 0, 0]]


def test_blurs_are_exact_fractions_and_keep_flat_images():
    flat = tuple((4,) * 5 for _ in range(5))
    for key in ("box", "gaussian"):
        out = TEMPLATE.solve(KernelApplyParams(input=flat, kernel=key, padding=0))["output"]
        assert out == ((4,) * 3,) * 3
    ramp = ((0, 1, 2, 3), (1, 2, 3, 4), (0, 0, 0, 1), (2, 2, 2, 2))
    out = TEMPLATE.solve(KernelApplyParams(input=ramp, kernel="box", padding=0))["output"]
    assert out[0][0] == Fraction(0 + 1 + 2 + 1 + 2 + 3 + 0 + 0 + 0, 9) == Fraction(1)
    assert out[1][1] == Fraction(2 + 3 + 4 + 0 + 0 + 1 + 2 + 2 + 2, 9)


def test_flipped_sobel_is_recognised_as_the_true_convolution():
    v = next(v for s in range(100) if (v := TEMPLATE.variant(s, "medium")).params.kernel == "sobel-x")
    negated = [[-c for c in row] for row in v.answers["output"]]
    (result,) = grade_variant(v, {"output": str(negated)})
    assert result.misconception == "kernel-flipped" and result.earned < result.points


def test_forgot_normalisation_is_recognised():
    v = next(v for s in range(100) if (v := TEMPLATE.variant(s, "medium")).params.kernel == "box")
    sums = [[int(c * 9) for c in row] for row in v.answers["output"]]
    (result,) = grade_variant(v, {"output": str(sums)})
    assert result.misconception == "forgot-normalisation"


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert {"kernel-flipped", "forgot-normalisation", "dropped-minus-signs"} <= names
