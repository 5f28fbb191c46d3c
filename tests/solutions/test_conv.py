"""conv2d, conv2d_backward, conv_transpose2d and convolve2d against the loop oracles, finite differences,
their identities, the slides' worked examples and every argument error."""

from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import (
    conv2d_backward_naive,
    conv2d_naive,
    conv_transpose2d_naive,
    convolve2d_naive,
    numerical_gradient,
)

from cnnexam.solutions import conv, conv2d, conv2d_backward, conv_transpose2d, convolve2d

FAST = settings(max_examples=100, deadline=None)
MANY = settings(max_examples=300, deadline=None)

PATHS = conv.CODE_PATHS


def use_path(monkeypatch_context, path):
    for name, value in PATHS[path].items():
        monkeypatch_context.setattr(conv, name, value)


class Config(NamedTuple):
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: object
    padding: object
    dilation: object
    groups: int


def _values(rng, shape, integer):
    return rng.integers(-9, 10, size=shape) if integer else rng.standard_normal(shape)


def _pair_or_int(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def _two(value):
    return (value, value) if isinstance(value, int) else value


@st.composite
def conv_configs(draw, integer=True, allow_strings=True):
    """Random conv2d arguments whose (dilated) kernel fits the padded input."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = draw(_pair_or_int(1, 3)), draw(_pair_or_int(1, 2))
    choices = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))]
    if allow_strings:
        choices.append(st.just("valid"))
        if _two(stride) == (1, 1):
            choices.append(st.just("same"))
    padding = draw(st.one_of(*choices))
    if padding in ("valid", "same"):
        total = (0, 0) if padding == "valid" else (_two(dilation)[0] * (kh - 1), _two(dilation)[1] * (kw - 1))
    else:
        total = (2 * _two(padding)[0], 2 * _two(padding)[1])
    spans = (_two(dilation)[0] * (kh - 1) + 1, _two(dilation)[1] * (kw - 1) + 1)
    h = max(1, spans[0] - total[0]) + draw(st.integers(0, 4))
    w = max(1, spans[1] - total[1]) + draw(st.integers(0, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _values(rng, (draw(st.integers(1, 2)), c_in, h, w), integer)
    weight = _values(rng, (c_out, c_in // groups, kh, kw), integer)
    bias = _values(rng, (c_out,), integer) if draw(st.booleans()) else None
    return Config(x, weight, bias, stride, padding, dilation, groups)


def _kwargs(cfg):
    return dict(stride=cfg.stride, padding=cfg.padding, dilation=cfg.dilation, groups=cfg.groups)


def assert_close(actual, expected):
    assert actual.dtype == np.float64
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10)


# ---- conv2d against the oracle ----


@MANY
@given(conv_configs(integer=True))
def test_conv2d_integers_exactly_match_the_oracle(cfg):
    result = conv2d(cfg.x, cfg.w, cfg.b, **_kwargs(cfg))
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, conv2d_naive(cfg.x, cfg.w, cfg.b, **_kwargs(cfg)))


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(cfg=conv_configs(integer=False))
def test_conv2d_floats_match_the_oracle(path, cfg):
    with pytest.MonkeyPatch.context() as patch:
        use_path(patch, path)
        result = conv2d(cfg.x, cfg.w, cfg.b, **_kwargs(cfg))
    assert_close(result, conv2d_naive(cfg.x, cfg.w, cfg.b, **_kwargs(cfg)))


def test_same_padding_puts_the_odd_extra_pixel_at_bottom_right():
    x = np.arange(20).reshape(4, 5)
    w = np.array([[1, 2], [3, 4]])
    result = conv2d(x, w, padding="same")
    assert result.shape == (4, 5)
    np.testing.assert_array_equal(result, conv2d(np.pad(x, ((0, 1), (0, 1))), w))
    # dilation 3 on a 2-tap axis: total padding 3, one row on top, two at the bottom
    result = conv2d(x, w, padding="same", dilation=(3, 1))
    np.testing.assert_array_equal(result, conv2d(np.pad(x, ((1, 2), (0, 1))), w, dilation=(3, 1)))


def test_valid_padding_is_no_padding():
    x = np.arange(30).reshape(5, 6)
    w = np.array([[1, -1, 2]])
    np.testing.assert_array_equal(conv2d(x, w, padding="valid"), conv2d(x, w, padding=0))


# ---- conv2d_backward against the oracle and finite differences ----


@MANY
@given(conv_configs(integer=True), st.integers(0, 2**32 - 1))
def test_conv2d_backward_integers_exactly_match_the_oracle(cfg, seed):
    out_shape = conv2d(cfg.x, cfg.w, **_kwargs(cfg)).shape
    grad = np.random.default_rng(seed).integers(-9, 10, size=out_shape)
    results = conv2d_backward(cfg.x, cfg.w, grad, **_kwargs(cfg))
    for result, expected in zip(results, conv2d_backward_naive(cfg.x, cfg.w, grad, **_kwargs(cfg))):
        assert result.dtype == np.int64
        np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(cfg=conv_configs(integer=False), seed=st.integers(0, 2**32 - 1))
def test_conv2d_backward_floats_match_the_oracle(path, cfg, seed):
    out_shape = conv2d(cfg.x, cfg.w, **_kwargs(cfg)).shape
    grad = np.random.default_rng(seed).standard_normal(out_shape)
    with pytest.MonkeyPatch.context() as patch:
        use_path(patch, path)
        results = conv2d_backward(cfg.x, cfg.w, grad, **_kwargs(cfg))
    for result, expected in zip(results, conv2d_backward_naive(cfg.x, cfg.w, grad, **_kwargs(cfg))):
        assert result.shape == expected.shape
        assert_close(result, expected)


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=40, deadline=None)
@given(cfg=conv_configs(integer=False), seed=st.integers(0, 2**32 - 1))
def test_conv2d_backward_matches_finite_differences(path, cfg, seed):
    """The loss sum(conv2d(x, w, b) * G) has gradients conv2d_backward(x, w, G)."""
    kwargs = _kwargs(cfg)
    bias = np.zeros(cfg.w.shape[0]) if cfg.b is None else cfg.b
    grad = np.random.default_rng(seed).standard_normal(conv2d(cfg.x, cfg.w, **kwargs).shape)
    with pytest.MonkeyPatch.context() as patch:
        use_path(patch, path)
        grad_x, grad_w, grad_b = conv2d_backward(cfg.x, cfg.w, grad, **kwargs)
        numeric_x = numerical_gradient(lambda x: np.sum(conv2d(x, cfg.w, bias, **kwargs) * grad), cfg.x, 1e-6)
        numeric_w = numerical_gradient(lambda w: np.sum(conv2d(cfg.x, w, bias, **kwargs) * grad), cfg.w, 1e-6)
        numeric_b = numerical_gradient(lambda b: np.sum(conv2d(cfg.x, cfg.w, b, **kwargs) * grad), bias, 1e-6)
    np.testing.assert_allclose(grad_x, numeric_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_w, numeric_w, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_b, numeric_b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("path", PATHS)
def test_kernel_taps_that_miss_the_input_entirely(path):
    """A dilated kernel wider than a 1-pixel input with 'same' padding: the outer taps read only padding
    (the unfolding must not write past its row for them) and the centre tap carries every gradient."""
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 2, 1, 1)), rng.standard_normal((3, 2, 3, 3))
    kwargs = dict(stride=1, padding="same", dilation=2, groups=1)
    grad = rng.standard_normal((2, 3, 1, 1))
    with pytest.MonkeyPatch.context() as patch:
        use_path(patch, path)
        result = conv2d(x, w, **kwargs)
        grads = conv2d_backward(x, w, grad, **kwargs)
    assert_close(result, conv2d_naive(x, w, None, **kwargs))
    for got, expected in zip(grads, conv2d_backward_naive(x, w, grad, **kwargs)):
        assert_close(got, expected)
    assert_close(grads[0], np.einsum("nk,kc->nc", grad[:, :, 0, 0], w[:, :, 1, 1])[:, :, None, None])


def test_uncovered_input_rows_and_columns_get_zero_gradient():
    # 6 pixels, kernel 3, stride 2: windows start at 0 and 2, so row / column 5 is never read
    x = np.arange(36).reshape(6, 6)
    w = np.ones((3, 3), dtype=np.int64)
    grad_out = np.ones(conv2d(x, w, stride=2).shape, dtype=np.int64)
    grad_x, _, _ = conv2d_backward(x, w, grad_out, stride=2)
    assert grad_x.shape == (6, 6)
    assert not grad_x[5].any() and not grad_x[:, 5].any()
    np.testing.assert_array_equal(grad_x[:5, :5], [[1, 1, 2, 1, 1]] * 2 + [[2, 2, 4, 2, 2]] + [[1, 1, 2, 1, 1]] * 2)


def test_backward_accepts_string_padding():
    x = np.arange(20).reshape(1, 4, 5)
    w = np.arange(8).reshape(1, 1, 2, 4) - 3
    for padding in ("same", "valid"):
        grad = np.ones(conv2d(x, w, padding=padding).shape, dtype=np.int64)
        for result, expected in zip(
            conv2d_backward(x, w, grad, padding=padding),
            conv2d_backward_naive(x[None], w, grad[None], padding=padding),
        ):
            np.testing.assert_array_equal(result.reshape(expected.shape), expected)


# ---- conv_transpose2d ----


@st.composite
def transpose_configs(draw, integer=True):
    """Random conv_transpose2d arguments (input, weight, bias, stride, padding, output_padding, groups,
    dilation) with a non-empty output."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = draw(_pair_or_int(1, 3)), draw(_pair_or_int(1, 2))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(_two(stride), _two(dilation)))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    full = [(size - 1) * s + d * (k - 1) + 1 + e
            for size, s, d, k, e in zip((h, w), _two(stride), _two(dilation), (kh, kw), extra)]
    padding = tuple(draw(st.integers(0, (f - 1) // 2)) for f in full)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _values(rng, (draw(st.integers(1, 2)), c_in, h, w), integer)
    weight = _values(rng, (c_in, c_out // groups, kh, kw), integer)
    bias = _values(rng, (c_out,), integer) if draw(st.booleans()) else None
    return x, weight, bias, stride, padding, extra, groups, dilation


@MANY
@given(transpose_configs(integer=True))
def test_conv_transpose2d_integers_exactly_match_the_scatter_oracle(args):
    result = conv_transpose2d(*args)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, conv_transpose2d_naive(*args))


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(args=transpose_configs(integer=False))
def test_conv_transpose2d_floats_match_the_scatter_oracle(path, args):
    with pytest.MonkeyPatch.context() as patch:
        use_path(patch, path)
        result = conv_transpose2d(*args)
    assert_close(result, conv_transpose2d_naive(*args))


@MANY
@given(conv_configs(integer=True, allow_strings=False), st.integers(0, 2**32 - 1))
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(cfg, seed):
    """conv_transpose2d(g, w) == conv2d_backward(x, w, g).grad_input, with output_padding restoring the
    rows / columns a stride that does not fit leaves out."""
    out_shape = conv2d(cfg.x, cfg.w, **_kwargs(cfg)).shape
    grad = np.random.default_rng(seed).integers(-9, 10, size=out_shape)
    grad_x, _, _ = conv2d_backward(cfg.x, cfg.w, grad, **_kwargs(cfg))
    (sh, sw), (ph, pw), (dh, dw) = _two(cfg.stride), _two(cfg.padding), _two(cfg.dilation)
    kh, kw = cfg.w.shape[2:]
    extra = (
        cfg.x.shape[2] - ((out_shape[2] - 1) * sh - 2 * ph + dh * (kh - 1) + 1),
        cfg.x.shape[3] - ((out_shape[3] - 1) * sw - 2 * pw + dw * (kw - 1) + 1),
    )
    result = conv_transpose2d(grad, cfg.w, None, cfg.stride, cfg.padding, extra, cfg.groups, cfg.dilation)
    np.testing.assert_array_equal(result, grad_x)


def test_conv_transpose2d_upsamples_a_2x2_input():
    # stride 2, 2x2 kernel of ones: every input pixel becomes a 2x2 block
    result = conv_transpose2d([[1, 2], [3, 4]], np.ones((2, 2), dtype=np.int64), stride=2)
    np.testing.assert_array_equal(result, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    # stride 1, 2x2 kernel: overlapping blocks add up
    result = conv_transpose2d([[1, 2], [3, 4]], [[1, 1], [1, 1]], bias=10)
    np.testing.assert_array_equal(result, [[11, 13, 12], [14, 20, 16], [13, 17, 14]])


# ---- convolve2d: the true convolution ----


@MANY
@given(conv_configs(integer=True))
def test_convolve2d_is_conv2d_with_the_flipped_kernel_and_matches_its_definition(cfg):
    result = convolve2d(cfg.x, cfg.w, cfg.b, **_kwargs(cfg))
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, conv2d(cfg.x, cfg.w[:, :, ::-1, ::-1], cfg.b, **_kwargs(cfg)))
    np.testing.assert_array_equal(result, convolve2d_naive(cfg.x, cfg.w, cfg.b, **_kwargs(cfg)))


@FAST
@given(conv_configs(integer=False))
def test_convolve2d_floats_match_its_definition(cfg):
    assert_close(convolve2d(cfg.x, cfg.w, cfg.b, **_kwargs(cfg)), convolve2d_naive(cfg.x, cfg.w, cfg.b, **_kwargs(cfg)))


def test_convolution_and_cross_correlation_differ_unless_the_kernel_is_symmetric():
    x = np.arange(16).reshape(4, 4)
    asymmetric = np.array([[1, 0], [0, 0]])
    np.testing.assert_array_equal(conv2d(x, asymmetric), x[:3, :3])
    np.testing.assert_array_equal(convolve2d(x, asymmetric), x[1:, 1:])
    symmetric = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(convolve2d(x, symmetric), conv2d(x, symmetric))


# ---- ranks and dtypes ----


def test_results_keep_the_input_rank():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 5, (6, 7))
    sample = rng.integers(0, 5, (3, 6, 7))
    batch = rng.integers(0, 5, (2, 3, 6, 7))
    assert conv2d(image, np.ones((3, 3), dtype=np.int64)).shape == (4, 5)
    assert conv2d(image, np.ones((1, 1, 3, 3), dtype=np.int64)).shape == (4, 5)
    assert conv2d(sample, np.ones((3, 3, 3), dtype=np.int64)).shape == (1, 4, 5)
    assert conv2d(sample, np.ones((4, 3, 3, 3), dtype=np.int64)).shape == (4, 4, 5)
    assert conv2d(batch, np.ones((4, 3, 3, 3), dtype=np.int64)).shape == (2, 4, 4, 5)
    assert conv2d(batch[:, :1], np.ones((3, 3), dtype=np.int64)).shape == (2, 1, 4, 5)
    assert convolve2d(image, np.ones((2, 2), dtype=np.int64)).shape == (5, 6)
    # the same filter as 3-D and 4-D gives the same numbers
    w = rng.integers(-3, 4, (3, 2, 2))
    np.testing.assert_array_equal(conv2d(sample, w), conv2d(sample, w[None]))
    np.testing.assert_array_equal(conv2d(sample, w)[0], conv2d(sample[None], w[None])[0, 0])


def test_backward_results_keep_the_ranks_of_input_and_weight():
    image = np.arange(30).reshape(5, 6)
    for weight in (np.ones((2, 3), dtype=np.int64), np.ones((1, 2, 3), dtype=np.int64),
                   np.ones((1, 1, 2, 3), dtype=np.int64)):
        grad_x, grad_w, grad_b = conv2d_backward(image, weight, np.ones((4, 4), dtype=np.int64))
        assert grad_x.shape == (5, 6) and grad_w.shape == weight.shape and grad_b.shape == (1,)
        np.testing.assert_array_equal(grad_w.reshape(2, 3), [[168, 184, 200], [264, 280, 296]])
        assert grad_b.tolist() == [16]
    sample = np.arange(60).reshape(2, 5, 6)
    grad_x, grad_w, grad_b = conv2d_backward(sample, np.ones((3, 2, 2, 3)), np.ones((3, 4, 4)))
    assert grad_x.shape == (2, 5, 6) and grad_w.shape == (3, 2, 2, 3) and grad_b.tolist() == [16.0] * 3


def test_conv_transpose2d_keeps_the_input_rank():
    assert conv_transpose2d(np.ones((2, 3)), np.ones((2, 2))).shape == (3, 4)
    assert conv_transpose2d(np.ones((4, 2, 3)), np.ones((4, 2, 2))).shape == (1, 3, 4)
    assert conv_transpose2d(np.ones((4, 2, 3)), np.ones((4, 5, 2, 2))).shape == (5, 3, 4)
    assert conv_transpose2d(np.ones((2, 4, 2, 3)), np.ones((4, 5, 2, 2)), groups=1).shape == (2, 5, 3, 4)
    assert conv_transpose2d(np.ones((2, 4, 2, 3)), np.ones((4, 5, 2, 2)), groups=2).shape == (2, 10, 3, 4)


@pytest.mark.parametrize("function", [conv2d, convolve2d])
def test_dtype_rules(function):
    x_int, w_int = np.arange(16).reshape(4, 4), np.array([[1, -1], [2, 0]])
    assert function(x_int, w_int).dtype == np.int64
    assert function(x_int.astype(np.uint8), w_int.astype(np.int8)).dtype == np.int64
    assert function(x_int > 5, w_int).dtype == np.int64
    assert function(x_int.tolist(), w_int.tolist()).dtype == np.int64
    assert function(x_int, w_int, bias=[3]).dtype == np.int64
    assert function(x_int, w_int, bias=[0.5]).dtype == np.float64
    assert function(x_int, w_int.astype(np.float32)).dtype == np.float64
    assert function(x_int.astype(np.float64), w_int).dtype == np.float64
    np.testing.assert_array_equal(function(x_int, w_int.astype(float)), function(x_int, w_int))


def test_backward_and_transpose_dtype_rules():
    x, w = np.arange(16).reshape(4, 4), np.array([[1, -1], [2, 0]])
    grads = conv2d_backward(x, w, np.ones((3, 3), dtype=np.int64))
    assert [g.dtype for g in grads] == [np.int64] * 3
    grads = conv2d_backward(x, w, np.ones((3, 3)))
    assert [g.dtype for g in grads] == [np.float64] * 3
    assert conv_transpose2d(x, w).dtype == np.int64
    assert conv_transpose2d(x, w, bias=0.5).dtype == np.float64


def test_large_integer_problems_stay_exact():
    # big enough that a float path would be chosen; integers must still be exact
    rng = np.random.default_rng(1)
    x = rng.integers(-(10**6), 10**6, (2, 4, 12, 12))
    w = rng.integers(-(10**6), 10**6, (8, 4, 3, 3))
    result = conv2d(x, w, padding=1)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, conv2d_naive(x, w, padding=1))


# ---- the slides' worked examples ----


def test_slide_5x5_by_3x3_example():
    # 001_c7db611eaf504939.txt, "convolution vs cross-correlation" worked example
    x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    w = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
    result = conv2d(x, w)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    # top-left cell by hand: 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12


VERTICAL = [[1, 0, -1]] * 3
HORIZONTAL = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]


def test_slide_vertical_edge_detection_6x6():
    # 004_1ade16215b66ee28.txt; the image is the clean one of "Learning to detect edges" (the first slide's
    # OCR interleaves it with the filter's corner labels)
    image = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
             [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]]
    np.testing.assert_array_equal(
        conv2d(image, VERTICAL), [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    )
    # top-left by hand: (3 + 1 + 2) - (1 + 8 + 2) = -5


def test_slide_vertical_edges_of_step_images():
    # 004: 6x6 step images (the "examples" slide's OCR shows 7 columns and rows, which would give 5x5; the
    # 4x4 results are those of the 6x6 images): bright-to-dark gives +30, dark-to-bright -30
    bright_left = [[10, 10, 10, 0, 0, 0]] * 6
    np.testing.assert_array_equal(conv2d(bright_left, VERTICAL), [[0, 30, 30, 0]] * 4)
    dark_left = [[0, 0, 0, 10, 10, 10]] * 6
    np.testing.assert_array_equal(conv2d(dark_left, VERTICAL), [[0, -30, -30, 0]] * 4)


def test_slide_horizontal_edge_detection():
    # 004: checkerboard of 10s; middle cells 10 / -10 mix both edges: (10+10+0) - (0+0+10) = 10
    image = [[10, 10, 10, 0, 0, 0]] * 3 + [[0, 0, 0, 10, 10, 10]] * 3
    np.testing.assert_array_equal(
        conv2d(image, HORIZONTAL), [[0, 0, 0, 0], [30, 10, -10, -30], [30, 10, -10, -30], [0, 0, 0, 0]]
    )


def test_slide_strided_7x7_example_with_the_slide_slips_corrected():
    # 004 "Strided convolution": 7x7 image, 3x3 kernel, stride 2 -> 3x3 (floor((7 - 3) / 2) + 1 = 3)
    image = [[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7], [7, 8, 3, 6, 6, 3, 4],
             [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3], [0, 1, 3, 9, 2, 1, 4]]
    kernel = [[3, 4, 4], [1, 0, 2], [-1, 0, 3]]
    # The slide prints [[91, 100, 83], [69, 91, 127], [44, 72, 74]]; two cells are slips:
    #   (0, 2): rows 0-2, cols 4-6 = 6*3 + 2*4 + 9*4 + 7*1 + 4*0 + 3*2 + 8*(-1) + 9*0 + 7*3 = 88, not 83
    #   (1, 2): rows 2-4, cols 4-6 = 8*3 + 9*4 + 7*4 + 6*1 + 3*0 + 4*2 + 3*(-1) + 4*0 + 6*3 = 117, not 127
    np.testing.assert_array_equal(conv2d(image, kernel, stride=2), [[91, 100, 88], [69, 91, 117], [44, 72, 74]])


def test_slide_rgb_volume_shapes():
    # 002 / 004: 6x6x3 * 3x3x3 -> 4x4 (one filter sums over the three channels); two filters -> 4x4x2
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (3, 6, 6))
    filters = rng.integers(-1, 2, (2, 3, 3, 3))
    one = conv2d(image, filters[0])
    assert one.shape == (1, 4, 4)
    assert one[0, 1, 2] == sum(int(image[c, 1 + i, 2 + j]) * int(filters[0, c, i, j])
                               for c in range(3) for i in range(3) for j in range(3))
    two = conv2d(image, filters)
    assert two.shape == (2, 4, 4)
    np.testing.assert_array_equal(two[0], one[0])


# ---- argument errors ----

X = np.arange(25).reshape(5, 5)
W = np.ones((3, 3), dtype=np.int64)
X4 = np.ones((1, 3, 5, 5))


@pytest.mark.parametrize("function", [conv2d, convolve2d])
@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((X, W), {"stride": 0}, r"stride: must be at least 1, got 0"),
        ((X, W), {"stride": (1, -1)}, r"stride: must be at least 1"),
        ((X, W), {"stride": 1.5}, r"stride: expected an int or a pair of ints"),
        ((X, W), {"dilation": 0}, r"dilation: must be at least 1, got 0"),
        ((X, W), {"padding": -1}, r"padding: must be at least 0, got -1"),
        ((X, W), {"padding": (1, 2, 3)}, r"padding: expected an int or a pair of ints"),
        ((X, W), {"padding": "full"}, r"padding: expected an int, a pair of ints, 'valid' or 'same'"),
        ((X, W), {"padding": "same", "stride": 2}, r"padding: 'same' needs stride 1"),
        ((X, np.ones((6, 3))), {}, r"weight: the kernel spans 6 pixels \(size 6, dilation 1\) but the padded input has only 5"),
        ((X, W), {"dilation": 3}, r"weight: the kernel spans 7 pixels \(size 3, dilation 3\) but the padded input has only 5"),
        ((X4, np.ones((2, 2, 3, 3))), {}, r"weight: filters have 2 channels but the input has 3"),
        ((np.ones((1, 4, 5, 5)), np.ones((2, 1, 3, 3))), {"groups": 2},
         r"weight: filters have 1 channels but the input has 4 \(2 per group with groups=2\)"),
        ((X4, np.ones((2, 1, 3, 3))), {"groups": 2}, r"groups: 2 does not divide the 3 input channels"),
        ((np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3))), {"groups": 2}, r"groups: 2 does not divide the 3 output channels"),
        ((X, W), {"groups": 0}, r"groups: expected an integer of at least 1, got 0"),
        ((X4, np.ones((2, 3, 3, 3)), [1, 2, 3]), {}, r"bias: expected one value per output channel, shape \(2,\), got shape \(3,\)"),
        ((X4, np.ones((2, 3, 3, 3)), 1), {}, r"bias: expected one value per output channel, shape \(2,\), got shape \(1,\)"),
        ((X4, np.ones((2, 3, 3, 3)), np.ones((2, 1))), {}, r"bias: expected one value per output channel, shape \(2,\), got shape \(2, 1\)"),
        ((X, W, [np.nan]), {}, r"bias: contains NaN or infinity"),
        ((X * np.nan, W), {}, r"input: contains NaN or infinity"),
        ((X, W * np.inf), {}, r"weight: contains NaN or infinity"),
        ((np.ones(5), W), {}, r"input: expected a 2-D \(H, W\), 3-D \(C, H, W\) or 4-D \(N, C, H, W\) array, got 1-D"),
        ((np.ones((1, 1, 1, 5, 5)), W), {}, r"input: expected a 2-D .* got 5-D"),
        ((X, np.ones(3)), {}, r"weight: expected a 2-D \(kH, kW\), 3-D \(C_in, kH, kW\) or 4-D \(C_out, C_in / groups, kH, kW\) array, got 1-D"),
        ((X, np.ones((1, 1, 1, 3, 3))), {}, r"weight: expected a 2-D .* got 5-D"),
        ((X, np.ones((2, 1, 3, 3))), {}, r"weight: a 2-D input is one single-channel image, .* weight gives 2; pass the input as \(1, H, W\)"),
        ((X.astype(str), W), {}, r"input: expected real numbers, got an array of dtype <U"),
        ((X, W.astype(complex)), {}, r"weight: expected real numbers, got an array of dtype complex128"),
        (([[1, 2], [3]], W), {}, r"input: not a rectangular array of numbers"),
        ((np.ones((1, 0, 5, 5)), W), {}, r"input: has an empty channel or spatial axis, shape \(1, 0, 5, 5\)"),
        ((X, np.ones((0, 3))), {}, r"weight: is empty, shape \(1, 1, 0, 3\)"),
    ],
)
def test_conv2d_argument_errors(function, args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        function(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((X, W, np.ones((2, 2))), {}, r"grad_output: expected shape \(3, 3\) \(the shape of the conv2d output\), got \(2, 2\)"),
        ((X, W, np.ones((1, 3, 3))), {}, r"grad_output: expected shape \(3, 3\)"),
        ((X4, np.ones((2, 3, 3, 3)), np.ones((2, 3, 3))), {}, r"grad_output: expected shape \(1, 2, 3, 3\)"),
        ((X, W, np.full((3, 3), np.inf)), {}, r"grad_output: contains NaN or infinity"),
        ((X, W, np.ones((3, 3))), {"stride": 0}, r"stride: must be at least 1"),
        ((X4, np.ones((2, 2, 3, 3)), np.ones((1, 2, 3, 3))), {}, r"weight: filters have 2 channels but the input has 3"),
        ((X, W, np.ones((3, 3)).astype(str)), {}, r"grad_output: expected real numbers"),
    ],
)
def test_conv2d_backward_argument_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv2d_backward(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((X, W), {"stride": 0}, r"stride: must be at least 1, got 0"),
        ((X, W), {"dilation": 0}, r"dilation: must be at least 1, got 0"),
        ((X, W), {"padding": -1}, r"padding: must be at least 0, got -1"),
        ((X, W), {"padding": "same"}, r"padding: conv_transpose2d takes an int or a pair of ints, got 'same'"),
        ((X, W), {"output_padding": -1}, r"output_padding: must be at least 0"),
        ((X, W), {"output_padding": 1}, r"output_padding: must be smaller than stride or dilation, got output_padding 1 "
                                        r"with stride \(1, 1\) and dilation \(1, 1\)"),
        ((X, W), {"output_padding": (0, 2), "stride": 2}, r"output_padding: must be smaller than stride or dilation"),
        ((X, W), {"padding": 4}, r"padding: 4 leaves an empty output \(-1x-1\)"),
        ((X, W), {"padding": (0, 4)}, r"padding: \(0, 4\) leaves an empty output \(7x-1\)"),
        ((X4, np.ones((2, 2, 3, 3))), {}, r"weight: a transposed-convolution weight is \(C_in, C_out / groups, kH, kW\); "
                                          r"its 2 input channels do not match the input's 3"),
        ((X4, np.ones((3, 2, 3, 3))), {"groups": 2}, r"groups: 2 does not divide the 3 input channels"),
        ((X4, np.ones((3, 2, 3, 3))), {"groups": 0}, r"groups: expected an integer of at least 1"),
        ((X, np.ones((1, 2, 3, 3))), {}, r"weight: a 2-D input is one single-channel image, .* weight gives 2"),
        ((X4, np.ones((3, 2, 3, 3)), [1, 2, 3]), {}, r"bias: expected one value per output channel, shape \(2,\)"),
        ((X * np.nan, W), {}, r"input: contains NaN or infinity"),
        ((X, np.ones(3)), {}, r"weight: expected a 2-D \(kH, kW\), 3-D \(C_in, kH, kW\) or 4-D \(C_in, C_out / groups, kH, kW\)"),
        ((np.ones(5), W), {}, r"input: expected a 2-D"),
        ((X, np.ones((0, 3))), {}, r"weight: is empty"),
    ],
)
def test_conv_transpose2d_argument_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_transpose2d(*args, **kwargs)


def test_huge_finite_values_are_accepted_and_one_nan_or_infinity_anywhere_is_not():
    """Huge values are finite, though a check built on sums or squares of the input would overflow on them."""
    x = np.full((2, 3, 5, 5), 1e200)
    assert np.isfinite(conv2d(x, np.full((1, 3, 1, 1), 1e-200))).all()
    for bad in (np.nan, np.inf, -np.inf):
        for index in [(0, 0, 0, 0), (1, 2, 4, 4), (1, 0, 2, 3)]:
            y = np.ones((2, 3, 5, 5))
            y[index] = bad
            with pytest.raises(ValueError, match="input: contains NaN or infinity"):
                conv2d(y, np.ones((1, 3, 1, 1)))
