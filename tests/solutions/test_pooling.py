"""max_pool2d, avg_pool2d and their backward passes against the loop oracles, exact Fractions, finite
differences, the tie rule, the slides' pooling examples and every argument error."""

from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import numerical_gradient
from oracle_layers import (
    OnlyPadding,
    avg_pool2d_backward_naive,
    avg_pool2d_naive,
    max_pool2d_backward_naive,
    max_pool2d_naive,
    window_starts,
)

from cnnexam.solutions import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_exact,
    max_pool2d,
    max_pool2d_backward,
)

MANY = settings(max_examples=200, deadline=None)
FAST = settings(max_examples=60, deadline=None)


class Pool(NamedTuple):
    x: np.ndarray
    kernel_size: tuple
    stride: tuple | None
    padding: tuple
    dilation: tuple
    ceil_mode: bool


@st.composite
def pools(draw, dilated=True, floats=False):
    """A random 4-D input and pooling geometry whose output is not empty."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.none() | st.tuples(st.integers(1, 4), st.integers(1, 4)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilated else (1, 1)
    ceil_mode = draw(st.booleans())
    sizes = []
    for k, p, d in zip(kernel, padding, dilation):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        sizes.append(draw(st.integers(smallest, smallest + 7)))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *sizes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # small integers make ties common, which exercises the first-maximum rule
    x = rng.standard_normal(shape) if floats else rng.integers(-3, 4, shape)
    return Pool(x, kernel, stride, padding, dilation, ceil_mode)


def args(p: Pool):
    return p.kernel_size, p.stride, p.padding, p.dilation, p.ceil_mode


def avg_args(p: Pool):
    return p.kernel_size, p.stride, p.padding, p.ceil_mode


def has_empty_window(p: Pool) -> bool:
    try:
        max_pool2d_naive(p.x, *args(p))
    except OnlyPadding:
        return True
    return False


# ---- max pooling against the oracle ----


@MANY
@given(p=pools())
def test_max_pool2d_matches_the_oracle(p):
    if has_empty_window(p):
        with pytest.raises(ValueError, match="dilation: .* some window holds only padding"):
            max_pool2d(p.x, *args(p))
        return
    out = max_pool2d(p.x, *args(p))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, max_pool2d_naive(p.x, *args(p))[0])
    floats = p.x + np.random.default_rng(0).random(p.x.shape)
    np.testing.assert_array_equal(max_pool2d(floats, *args(p)), max_pool2d_naive(floats, *args(p))[0])


@MANY
@given(p=pools(), integral=st.booleans())
def test_max_pool2d_backward_matches_the_oracle_with_ties(p, integral):
    if has_empty_window(p):
        return  # the forward test asserts the error
    out, _ = max_pool2d_naive(p.x, *args(p))
    rng = np.random.default_rng(1)
    g = rng.integers(-5, 6, out.shape) if integral else rng.standard_normal(out.shape)
    grad = max_pool2d_backward(p.x, g, *args(p))
    assert grad.dtype == g.dtype
    np.testing.assert_array_equal(grad, max_pool2d_backward_naive(p.x, g, *args(p)))


def test_max_pool2d_large_input_with_many_ties():
    x = np.random.default_rng(2).integers(-9, 10, (2, 16, 20, 20))
    g = np.random.default_rng(3).standard_normal((2, 16, 20, 20))
    np.testing.assert_array_equal(max_pool2d(x, 3, 1, 1), max_pool2d_naive(x, 3, 1, 1)[0])
    np.testing.assert_array_equal(max_pool2d_backward(x, g, 3, 1, 1), max_pool2d_backward_naive(x, g, 3, 1, 1))


def test_the_oracle_window_rule_is_torchs_ceil_mode():
    # 5 wide, kernel 2, stride 2, padding 1: ceil mode would add a window starting in the right padding
    assert window_starts(5, 2, 2, 1, 1, True) == [-1, 1, 3]
    assert window_starts(6, 3, 2, 0, 1, True) == [0, 2, 4]  # the last window hangs one past the input
    assert window_starts(6, 3, 2, 0, 1, False) == [0, 2]


def test_max_pool2d_ceil_mode_window_may_hang_past_the_input():
    x = np.arange(6).reshape(1, 6)
    np.testing.assert_array_equal(max_pool2d(x, (1, 3), 2, ceil_mode=True), [[2, 4, 5]])
    np.testing.assert_array_equal(max_pool2d(x, (1, 3), 2), [[2, 4]])
    # a window longer than the input is fine in ceil mode when it starts inside it (torch agrees)
    np.testing.assert_array_equal(max_pool2d([[5, 7]], (1, 3), 2, ceil_mode=True), [[7]])


def test_max_pool2d_pads_with_minus_infinity():
    x = -np.arange(1, 10).reshape(3, 3)  # all negative: a zero pad would win every border window
    np.testing.assert_array_equal(max_pool2d(x, 3, 1, 1), [[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]])


# ---- max pooling: the tie rule (first maximum in row-major order) ----


def test_tie_goes_to_the_first_maximum_in_row_major_order():
    np.testing.assert_array_equal(max_pool2d_backward([[1, 1], [1, 1]], [[5]], 2), [[5, 0], [0, 0]])
    np.testing.assert_array_equal(max_pool2d_backward([[0, 2], [2, 0]], [[5]], 2), [[0, 5], [0, 0]])
    np.testing.assert_array_equal(max_pool2d_backward([[0, 1], [3, 3]], [[5]], 2), [[0, 0], [5, 0]])
    # float ties, and a tie between a row's end and the next row's start
    np.testing.assert_array_equal(max_pool2d_backward([[0.0, 2.5], [2.5, 1.0]], [[1.5]], 2), [[0, 1.5], [0, 0]])


def test_overlapping_windows_accumulate_on_a_shared_maximum():
    x = [[1, 2, 1], [2, 9, 2], [1, 2, 1]]
    np.testing.assert_array_equal(max_pool2d_backward(x, [[1, 2], [3, 4]], 2, 1), [[0, 0, 0], [0, 10, 0], [0, 0, 0]])
    # a plateau of ties: every window takes its own first cell
    np.testing.assert_array_equal(
        max_pool2d_backward(np.zeros((3, 3), int), np.ones((2, 2), int), 2, 1), [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    )


def test_padding_never_takes_the_gradient():
    # the first tap of the corner windows is padding; the gradient must reach an input cell
    x = np.full((2, 2), -7)
    np.testing.assert_array_equal(max_pool2d_backward(x, np.ones((3, 3), int), 2, 1, 1), [[4, 2], [2, 1]])


@FAST
@given(p=pools(floats=True))
def test_max_pool2d_backward_matches_finite_differences_without_ties(p):
    if has_empty_window(p):
        return
    # distinct values at least 1/size apart: a step of 1e-6 never changes which element wins
    rng = np.random.default_rng(4)
    x = rng.permutation(p.x.size).reshape(p.x.shape) / p.x.size
    g = rng.standard_normal(max_pool2d(x, *args(p)).shape)
    numeric = numerical_gradient(lambda v: float((max_pool2d(v, *args(p)) * g).sum()), x)
    np.testing.assert_allclose(max_pool2d_backward(x, g, *args(p)), numeric, atol=1e-7)


# ---- average pooling against the oracle ----


@MANY
@given(p=pools(dilated=False), count_include_pad=st.booleans(), divisor_override=st.sampled_from([None, 3, -2]))
def test_avg_pool2d_is_the_exact_average_rounded(p, count_include_pad, divisor_override):
    expected = avg_pool2d_naive(p.x, *avg_args(p), count_include_pad, divisor_override)
    exact = avg_pool2d_exact(p.x, *avg_args(p), count_include_pad, divisor_override)
    assert exact.dtype == object and all(type(v) is Fraction for v in exact.flat)
    np.testing.assert_array_equal(exact, expected)
    out = avg_pool2d(p.x, *avg_args(p), count_include_pad, divisor_override)
    assert out.dtype == np.float64
    # integer input: one division of exact integers, so the float is the exact average correctly rounded
    np.testing.assert_array_equal(out, expected.astype(float))


@MANY
@given(p=pools(dilated=False, floats=True), count_include_pad=st.booleans())
def test_avg_pool2d_of_floats_matches_the_oracle(p, count_include_pad):
    expected = avg_pool2d_naive(p.x, *avg_args(p), count_include_pad).astype(float)
    np.testing.assert_allclose(avg_pool2d(p.x, *avg_args(p), count_include_pad), expected, rtol=1e-13, atol=1e-15)
    # floats are taken exactly by the exact variant
    np.testing.assert_array_equal(
        avg_pool2d_exact(p.x, *avg_args(p), count_include_pad), avg_pool2d_naive(p.x, *avg_args(p), count_include_pad)
    )


@MANY
@given(p=pools(dilated=False), count_include_pad=st.booleans(), divisor_override=st.sampled_from([None, 4]))
def test_avg_pool2d_backward_matches_the_oracle(p, count_include_pad, divisor_override):
    out_shape = avg_pool2d(p.x, *avg_args(p)).shape
    g = np.random.default_rng(5).integers(-6, 7, out_shape)
    expected = avg_pool2d_backward_naive(p.x, g, *avg_args(p), count_include_pad, divisor_override)
    exact = avg_pool2d_backward(p.x, g, *avg_args(p), count_include_pad, divisor_override, exact=True)
    assert all(type(v) is Fraction for v in exact.flat)
    np.testing.assert_array_equal(exact, expected)
    grad = avg_pool2d_backward(p.x, g, *avg_args(p), count_include_pad, divisor_override)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, expected.astype(float), rtol=1e-14, atol=1e-14)


@FAST
@given(p=pools(dilated=False, floats=True), count_include_pad=st.booleans())
def test_avg_pool2d_backward_matches_finite_differences(p, count_include_pad):
    a = avg_args(p) + (count_include_pad,)
    g = np.random.default_rng(6).standard_normal(avg_pool2d(p.x, *a).shape)
    numeric = numerical_gradient(lambda v: float((avg_pool2d(v, *a) * g).sum()), p.x)
    np.testing.assert_allclose(avg_pool2d_backward(p.x, g, *a), numeric, atol=1e-7)


def test_avg_pool2d_divisors_follow_torch():
    x = np.ones((3, 3), int)
    # padding 1, kernel 2, stride 2: every window has a padded row or column
    np.testing.assert_array_equal(
        avg_pool2d_exact(x, 2, 2, 1), [[Fraction(1, 4), Fraction(1, 2)], [Fraction(1, 2), Fraction(1)]]
    )
    np.testing.assert_array_equal(avg_pool2d_exact(x, 2, 2, 1, count_include_pad=False), np.ones((2, 2)))
    # ceil mode: the part of a window past the padded border is not counted, even with count_include_pad
    y = np.arange(1, 6).reshape(1, 5)
    np.testing.assert_array_equal(avg_pool2d_exact(y, (1, 2), 2, ceil_mode=True), [[Fraction(3, 2), Fraction(7, 2), 5]])
    # width 4, kernel 3, stride 2, padding 1: the last window covers input 3, padding 4 and nothing at 5
    z = [[1, 2, 3, 4]]
    np.testing.assert_array_equal(avg_pool2d_exact(z, (1, 3), 2, (0, 1), ceil_mode=True), [[1, 3, 2]])
    np.testing.assert_array_equal(
        avg_pool2d_exact(z, (1, 3), 2, (0, 1), ceil_mode=True, count_include_pad=False), [[Fraction(3, 2), 3, 4]]
    )
    np.testing.assert_array_equal(avg_pool2d_exact(x, 3, divisor_override=2), [[Fraction(9, 2)]])


def test_exact_average_of_fractions_and_integers():
    x = [[Fraction(1, 3), 1], [2, Fraction(1, 2)]]
    assert avg_pool2d_exact(x, 2)[0, 0] == Fraction(23, 24)
    assert avg_pool2d_exact([[1, 2], [2, 2]], 2)[0, 0] == Fraction(7, 4)
    assert avg_pool2d_exact([[0.5, 0.25]], (1, 2))[0, 0] == Fraction(3, 8)
    grad = avg_pool2d_backward([[1, 2, 3]], [[Fraction(1, 3)]], (1, 3), exact=True)
    np.testing.assert_array_equal(grad, [[Fraction(1, 9)] * 3])


# ---- ranks and dtypes ----


def test_ranks_are_kept_and_integers_stay_exact():
    x = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    for rank_input in (x, x[0], x[0, 0]):
        for pool in (max_pool2d, avg_pool2d, avg_pool2d_exact):
            out = pool(rank_input, 2)
            assert out.shape == rank_input.shape[:-2] + (2, 2)
        g = np.ones(rank_input.shape[:-2] + (2, 2), int)
        assert max_pool2d_backward(rank_input, g, 2).shape == rank_input.shape
        assert avg_pool2d_backward(rank_input, g, 2).shape == rank_input.shape
    assert max_pool2d(x[0, 0], 2).dtype == np.int64
    assert max_pool2d(x[0, 0].tolist(), 2).tolist() == [[5, 7], [13, 15]]
    assert max_pool2d(np.array([[True, False], [False, False]]), 2).dtype == np.int64
    assert avg_pool2d(x, 2).dtype == np.float64
    assert max_pool2d_backward(x, np.ones((2, 3, 2, 2)), 2).dtype == np.float64


# ---- the slides' worked examples (checked by hand) ----


def test_slides_max_pooling_2x2_stride_2():
    # 000 (i), (ii), (iii): 4x4 inputs, 2x2 windows, stride 2
    assert max_pool2d([[4, 6, 1, 3], [0, 8, 12, 9], [2, 3, 16, 100], [1, 46, 74, 27]], 2).tolist() == [
        [8, 12],
        [46, 100],
    ]
    assert max_pool2d([[9, 7, 3, 2], [26, 37, 14, 1], [15, 29, 16, 0], [8, 6, 54, 2]], 2).tolist() == [
        [37, 14],
        [29, 54],
    ]
    assert max_pool2d([[35, 19, 25, 6], [13, 22, 16, 63], [4, 3, 7, 10], [9, 8, 1, 3]], 2).tolist() == [
        [35, 63],
        [9, 10],
    ]


def test_slides_overlapping_max_pooling_stride_1():
    # 000 (iv): the same 4x4 input, 2x2 windows with stride 1
    x = [[35, 19, 25, 6], [13, 22, 16, 63], [4, 3, 7, 10], [9, 8, 1, 3]]
    assert max_pool2d(x, 2, 1).tolist() == [[35, 25, 63], [22, 22, 63], [9, 8, 10]]
    # 001: 2x2 max pooling of 0..8 (3x3) gives 2x2, so stride 1
    assert max_pool2d(np.arange(9).reshape(3, 3), 2, 1).tolist() == [[4, 5], [7, 8]]


def test_slides_max_pooling_f3_s1_on_5x5():
    # 004: the OCR lost five cells of the input (rows 1-3); they are restored from the original
    # deeplearning.ai slide this example comes from, and every output cell was re-checked by hand.
    x = [[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]]
    assert max_pool2d(x, 3, 1).tolist() == [[9, 9, 5], [9, 9, 5], [8, 6, 9]]


def test_slides_average_pooling():
    # 004: f = 2, s = 2 on a 4x4 input
    x = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]]
    assert avg_pool2d(x, 2).tolist() == [[3.75, 1.25], [4.0, 2.0]]
    assert avg_pool2d_exact(x, 2).tolist() == [[Fraction(15, 4), Fraction(5, 4)], [4, 2]]
    # 002: max vs average pooling of one 4x4 input
    y = [[3, 13, 17, 11], [5, 3, 1, 23], [7, 1, 2, 3], [11, 17, 1, 4]]
    assert max_pool2d(y, 2).tolist() == [[13, 23], [17, 4]]
    assert avg_pool2d_exact(y, 2).tolist() == [[6, 13], [9, Fraction(5, 2)]]


# ---- argument errors ----

X = np.arange(25).reshape(5, 5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel_size": 0}, "kernel_size: must be at least 1"),
        ({"kernel_size": (2, 2, 2)}, "kernel_size: expected an int or a pair of ints"),
        ({"kernel_size": 2.0}, "kernel_size: expected an int or a pair of ints"),
        ({"kernel_size": 2, "stride": 0}, "stride: must be at least 1"),
        ({"kernel_size": 2, "padding": -1}, "padding: must be at least 0"),
        ({"kernel_size": 3, "padding": 2}, "padding: must be at most half the kernel size"),
        ({"kernel_size": (3, 1), "padding": (1, 1)}, "padding: must be at most half the kernel size"),
        ({"kernel_size": 6}, r"kernel_size: the dilated kernel \(6\) is larger than the padded input \(5\)"),
        ({"kernel_size": 2, "ceil_mode": "yes"}, "ceil_mode: expected True or False"),
    ],
)
def test_pooling_argument_errors(kwargs, message):
    for pool in (max_pool2d, avg_pool2d, avg_pool2d_exact):
        with pytest.raises(ValueError, match=message):
            pool(X, **kwargs)


def test_max_pool_specific_errors():
    with pytest.raises(ValueError, match="dilation: must be at least 1"):
        max_pool2d(X, 2, dilation=0)
    with pytest.raises(ValueError, match=r"kernel_size: the dilated kernel \(7\)"):
        max_pool2d(X, 2, dilation=6)
    # a 2-wide row, kernel 2 with dilation 3 and padding 1: taps at -1 and 2, both outside
    with pytest.raises(ValueError, match="dilation: with dilation 3 and padding 1 some window holds only padding"):
        max_pool2d([[5, 7]], (1, 2), 1, (0, 1), (1, 3))


def test_avg_pool_specific_errors():
    with pytest.raises(ValueError, match="count_include_pad: expected True or False"):
        avg_pool2d(X, 2, count_include_pad=1)
    with pytest.raises(ValueError, match="divisor_override: must not be zero"):
        avg_pool2d(X, 2, divisor_override=0)
    with pytest.raises(ValueError, match="divisor_override: expected None or an integer"):
        avg_pool2d_exact(X, 2, divisor_override=2.5)
    with pytest.raises(ValueError, match="exact: expected True or False"):
        avg_pool2d_backward(X, np.ones((2, 2)), 2, exact="yes")


@pytest.mark.parametrize(
    "value, message",
    [
        ([[1.0, np.nan], [0.0, 1.0]], "input: contains NaN or infinity"),
        ([[1.0, np.inf], [0.0, 1.0]], "input: contains NaN or infinity"),
        ([[1, 2], [3]], "input: not a rectangular array of numbers"),
        ([["a", "b"], ["c", "d"]], "input: expected real numbers"),
        ([1, 2, 3, 4], r"input: expected a 2-D \(H, W\), 3-D \(C, H, W\) or 4-D \(N, C, H, W\) array, got 1-D"),
        (np.zeros((1, 1, 1, 2, 2)), "input: expected a 2-D .* got 5-D"),
        (np.zeros((0, 2)), "input: height and width must be at least 1"),
    ],
)
def test_bad_inputs(value, message):
    for pool in (max_pool2d, avg_pool2d):
        with pytest.raises(ValueError, match=message):
            pool(value, 1)


@pytest.mark.parametrize(
    "value, message",
    [
        ([[1, Fraction(1, 2)], [3]], "input: not a rectangular array of numbers"),
        ([[1, float("nan")]], "input: contains NaN or infinity"),
        ([[1, "x"]], "input: expected real numbers, got an array of dtype <U"),
        ([[Fraction(1), "x"]], "input: expected real numbers, got 'x'"),
        ([[1, 1j]], "input: expected real numbers, got an array of dtype complex"),
        ([[Fraction(1), 1j]], "input: expected real numbers, got 1j"),
    ],
)
def test_bad_exact_inputs(value, message):
    with pytest.raises(ValueError, match=message):
        avg_pool2d_exact(value, 1)


@pytest.mark.parametrize(
    "grad, message",
    [
        (np.ones((2, 3)), r"grad_output: expected shape \(2, 2\) \(the pooling output's\), got \(2, 3\)"),
        (np.ones((1, 2, 2)), r"grad_output: expected shape \(2, 2\) \(the pooling output's\), got \(1, 2, 2\)"),
        ([[1.0, np.nan], [0.0, 1.0]], "grad_output: contains NaN or infinity"),
    ],
)
def test_bad_grad_output(grad, message):
    with pytest.raises(ValueError, match=message):
        max_pool2d_backward(X, grad, 2)
    with pytest.raises(ValueError, match=message):
        avg_pool2d_backward(X, grad, 2)
    with pytest.raises(ValueError, match=message):
        avg_pool2d_backward(X, grad, 2, exact=True)
