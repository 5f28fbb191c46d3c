"""sobel-gradient: Gx, Gy from the slides' masks applied as a true convolution, the direction convention,
strength and angle by an independent formula, rounding, misconceptions."""

import cmath
import math
from fractions import Fraction

import pytest

from cnnexam.model.grading import grade_variant, key_as_raw
from cnnexam.model.numbers import fmt
from cnnexam.templates.sobel_gradient import TEMPLATE, SobelParams

SEEDS = range(80)
# Slide 003: f_x and f_y masks, applied as a convolution (the mask mirrored horizontally and vertically).
SLIDE_FX = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
SLIDE_FY = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]


def slide_convolution(image, mask, y, x):
    """Slide 003: f'(x, y) = sum_{i,j} f(x - i, y - j) g(i, j), (0, 0) at the mask centre, i right, j down."""
    return sum(image[y - j][x - i] * mask[j + 1][i + 1] for i in (-1, 0, 1) for j in (-1, 0, 1))


def maps(image):
    inner = range(1, len(image) - 1)
    gx = [[slide_convolution(image, SLIDE_FX, y, x) for x in inner] for y in inner]
    gy = [[slide_convolution(image, SLIDE_FY, y, x) for x in inner] for y in inner]
    return gx, gy


@pytest.mark.parametrize("difficulty", TEMPLATE.difficulties)
def test_keys_follow_the_slides_definitions(difficulty):
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, difficulty)
        p, a = v.params, v.answers
        gx, gy = maps(p.input)
        if difficulty == "hard":
            assert [list(r) for r in a["gx"]] == gx and [list(r) for r in a["gy"]] == gy
            strength = [[abs(complex(x, y)) for x, y in zip(rx, ry)] for rx, ry in zip(gx, gy)]
            assert all(abs(float(s) - t) < 1e-9 for rs, rt in zip(a["strength"], strength) for s, t in zip(rs, rt))
        else:
            assert (a["gx"], a["gy"]) == (gx[0][0], gy[0][0])
            assert abs(float(a["strength"]) - abs(complex(gx[0][0], gy[0][0]))) < 1e-9
        if p.direction:
            r, c = p.pixel
            # cmath.phase is atan2 of the complex number Gx + i*Gy: y down, angle from +x towards +y.
            assert abs(float(a["direction"]) - math.degrees(cmath.phase(complex(gx[r][c], gy[r][c])))) < 1e-9
        else:
            assert "direction" not in a


def test_direction_convention_on_simple_edges():
    def solve(image):
        return TEMPLATE.solve(SobelParams(input=image, pixel=(0, 0), direction=True))

    right = solve(((0, 0, 4), (0, 0, 4), (0, 0, 4)))  # brighter to the right
    assert (right["gx"], right["gy"], right["direction"]) == (16, 0, 0)
    down = solve(((0, 0, 0), (0, 0, 0), (4, 4, 4)))  # brighter downward (+y)
    assert (down["gx"], down["gy"], down["direction"]) == (0, 16, 90)
    left = solve(((4, 0, 0), (4, 0, 0), (4, 0, 0)))
    assert left["direction"] == 180 and left["strength"] == 16


def test_rounded_answers_are_accepted_and_no_value_sits_on_a_rounding_boundary():
    for seed in SEEDS:
        v = TEMPLATE.variant(seed, "medium")
        s, d = Fraction(v.answers["strength"]), Fraction(v.answers["direction"])
        assert abs((s * 100) % 1 - Fraction(1, 2)) > Fraction(1, 10**6)
        raw = {"strength": fmt(s, 2), "direction": fmt(d, 1), "gx": str(v.answers["gx"]), "gy": str(v.answers["gy"])}
        assert all(r.earned == r.points for r in grade_variant(v, raw))


def test_asked_pixel_is_not_degenerate():
    for seed in range(150):
        for difficulty in TEMPLATE.difficulties:
            v = TEMPLATE.variant(seed, difficulty)
            gx, gy = maps(v.params.input)
            r, c = v.params.pixel
            assert gx[r][c] and gy[r][c] and abs(gx[r][c]) != abs(gy[r][c])


def test_atan_mistake_is_named_when_gx_is_negative():
    v = next(v for s in range(200) if (v := TEMPLATE.variant(s, "medium")).answers["gx"] < 0)
    raw = key_as_raw(v)
    raw["direction"] = fmt(Fraction(math.degrees(math.atan(v.answers["gy"] / v.answers["gx"]))), 1)
    result = {r.slot: r for r in grade_variant(v, raw)}["direction"]
    assert result.misconception == "atan-not-atan2" and result.earned == 0


def test_misconception_names_appear():
    names = {m.name for d in TEMPLATE.difficulties for s in SEEDS for m in TEMPLATE.variant(s, d).misconceptions}
    assert names == {"swapped-gx-gy", "kernel-flipped", "abs-sum-strength", "forgot-square-root", "atan-not-atan2",
                     "radians"}
