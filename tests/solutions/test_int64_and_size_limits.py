"""Integer inputs give exact int64 results or a clear refusal, never a silent wrap-around; hyperparameters
and sizes that cannot be computed are refused naming the argument, not with a crash inside numpy or Numba."""

import numpy as np
import pytest

from cnnexam.solutions import (
    avg_pool2d,
    avg_pool2d_exact,
    conv2d,
    conv2d_backward,
    conv_transpose2d,
    linear,
    linear_backward,
    max_pool2d,
    max_pool2d_backward,
)

INT64_MAX = 2**63 - 1
SQRT_MAX = 3037000499  # the largest a with a * a <= INT64_MAX


def full(shape, value):
    return np.full(shape, value, dtype=np.int64)


def test_conv2d_at_the_int64_limit_is_exact():
    a = SQRT_MAX // 3  # nine products of a * a stay inside int64
    out = conv2d(full((3, 3), a), full((3, 3), a))
    assert out.dtype == np.int64 and int(out[0, 0]) == 9 * a * a


@pytest.mark.parametrize("call", [
    lambda: conv2d(full((3, 3), SQRT_MAX), full((3, 3), SQRT_MAX)),
    lambda: conv2d(full((1, 1), SQRT_MAX + 1), full((1, 1), SQRT_MAX + 1)),
    lambda: conv2d(full((1, 1), SQRT_MAX), full((1, 1), SQRT_MAX), bias=[INT64_MAX]),
    lambda: conv_transpose2d(full((2, 2), SQRT_MAX), full((3, 3), SQRT_MAX)),
    lambda: linear(full((4,), SQRT_MAX), full((2, 4), SQRT_MAX)),
])
def test_forward_overflow_is_refused(call):
    with pytest.raises(ValueError, match="could overflow the exact int64 result.*pass them as floats"):
        call()


def test_backward_overflow_is_refused():
    x, w = full((1, 1, 4, 4), 2), full((1, 1, 3, 3), 2)
    with pytest.raises(ValueError, match="grad_output, weight: integers this large"):
        conv2d_backward(x, w, full((1, 1, 2, 2), INT64_MAX // 4))
    with pytest.raises(ValueError, match="grad_output"):
        linear_backward(full((3, 2), 1), full((2, 2), 1), full((3, 2), INT64_MAX // 2))
    with pytest.raises(ValueError, match="grad_output"):
        max_pool2d_backward(full((3, 3), 1), full((2, 2), INT64_MAX // 2), 2, stride=1)


def test_pooling_sums_overflow_is_refused_but_floats_still_work():
    x = full((2, 2), INT64_MAX // 2)
    with pytest.raises(ValueError, match="input: integers this large"):
        avg_pool2d(x, 2)
    assert avg_pool2d_exact(x, 2)[0, 0] == INT64_MAX // 2  # Python integers: exact at any size
    assert avg_pool2d(x.astype(float), 2)[0, 0] == pytest.approx(INT64_MAX / 2)
    assert max_pool2d(x, 2)[0, 0] == INT64_MAX // 2  # a maximum sums nothing


@pytest.mark.parametrize("value", [[[10**20, 1], [1, 1]], np.full((2, 2), 2**63, dtype=np.uint64)])
def test_integers_beyond_int64_are_refused_not_wrapped(value):
    with pytest.raises(ValueError, match="input: integers beyond the int64 range"):
        conv2d(value, [[1]])


def test_floats_of_any_size_are_computed():
    assert conv2d([[1e20]], [[1e20]])[0, 0] == pytest.approx(1e40)


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 10**20}, "stride: must be at most 2,147,483,647"),
    ({"dilation": (1, 2**40)}, "dilation: must be at most"),
    ({"padding": 10**9}, "padding: the padded input would need .* GiB, more than the .* GiB of memory here"),
    ({"groups": 2**40}, "groups: must be at most"),
])
def test_conv_hyperparameters_out_of_reach(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3)), **kwargs)


def test_transposed_output_too_large_for_memory():
    with pytest.raises(ValueError, match="stride, dilation: the output before padding is cut would need"):
        conv_transpose2d(np.ones((3, 3)), np.ones((3, 3)), stride=2**30)


def test_pooling_canvas_too_large_for_memory():
    with pytest.raises(ValueError, match="kernel_size, padding: the padded input would need"):
        max_pool2d(np.ones((5, 5)), 2**30, padding=2**29)
