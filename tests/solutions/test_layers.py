"""linear, relu, softmax_cross_entropy and both local response normalizations against the loop oracles,
finite differences, hand-computed values, the AlexNet slide's formula and every argument error."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import numerical_gradient
from oracle_layers import alexnet_lrn_naive, linear_naive, lrn_naive, softmax_cross_entropy_naive

from cnnexam.solutions import (
    alexnet_local_response_norm,
    linear,
    linear_backward,
    local_response_norm,
    relu,
    relu_backward,
    softmax_cross_entropy,
)

MANY = settings(max_examples=200, deadline=None)
FAST = settings(max_examples=60, deadline=None)


def rng(seed):
    return np.random.default_rng(seed)


# ---- linear ----


@MANY
@given(
    n=st.integers(1, 4),
    features=st.integers(1, 6),
    outputs=st.integers(1, 6),
    bias=st.booleans(),
    batched=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_matches_the_oracle(n, features, outputs, bias, batched, seed):
    r = rng(seed)
    x, w = r.integers(-9, 10, (n, features)), r.integers(-9, 10, (outputs, features))
    b = r.integers(-9, 10, outputs) if bias else None
    expected = linear_naive(x.tolist(), w.tolist(), None if b is None else b.tolist())
    y = linear(x if batched else x[0], w, b)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, expected if batched else expected[0])
    xf, wf = x + r.random(x.shape), w + r.random(w.shape)
    np.testing.assert_allclose(linear(xf, wf, b), linear_naive(xf.tolist(), wf.tolist(), b), rtol=1e-13, atol=1e-12)


@MANY
@given(
    n=st.integers(1, 4),
    features=st.integers(1, 6),
    outputs=st.integers(1, 6),
    batched=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_backward_sums_the_products(n, features, outputs, batched, seed):
    r = rng(seed)
    x, w, g = (
        r.integers(-9, 10, (n, features)),
        r.integers(-9, 10, (outputs, features)),
        r.integers(-9, 10, (n, outputs)),
    )
    grad_x, grad_w, grad_b = linear_backward(x if batched else x[0], w, g if batched else g[0])
    rows = n if batched else 1
    expected_x = [[sum(g[m, o] * w[o, i] for o in range(outputs)) for i in range(features)] for m in range(rows)]
    expected_w = [[sum(g[m, o] * x[m, i] for m in range(rows)) for i in range(features)] for o in range(outputs)]
    expected_b = [sum(g[m, o] for m in range(rows)) for o in range(outputs)]
    assert grad_x.dtype == grad_w.dtype == grad_b.dtype == np.int64
    np.testing.assert_array_equal(grad_x, expected_x if batched else expected_x[0])
    np.testing.assert_array_equal(grad_w, expected_w)
    np.testing.assert_array_equal(grad_b, expected_b)


@FAST
@given(n=st.integers(1, 3), features=st.integers(1, 4), outputs=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_linear_backward_matches_finite_differences(n, features, outputs, seed):
    r = rng(seed)
    x, w, b, g = (
        r.standard_normal((n, features)),
        r.standard_normal((outputs, features)),
        r.standard_normal(outputs),
        r.standard_normal((n, outputs)),
    )
    grad_x, grad_w, grad_b = linear_backward(x, w, g)
    np.testing.assert_allclose(grad_x, numerical_gradient(lambda v: float((linear(v, w, b) * g).sum()), x), atol=1e-7)
    np.testing.assert_allclose(grad_w, numerical_gradient(lambda v: float((linear(x, v, b) * g).sum()), w), atol=1e-7)
    np.testing.assert_allclose(grad_b, numerical_gradient(lambda v: float((linear(x, w, v) * g).sum()), b), atol=1e-7)


def test_linear_by_hand():
    assert linear([1, 2], [[3, 4], [5, 6], [-1, 0]], [10, 0, 1]).tolist() == [21, 17, 0]
    grad_x, grad_w, grad_b = linear_backward([1, 2], [[3, 4], [5, 6]], [1, -1])
    assert grad_x.tolist() == [-2, -2] and grad_w.tolist() == [[1, 2], [-1, -2]] and grad_b.tolist() == [1, -1]
    assert linear([[1, 2]], [[1, 1]], [0.5]).dtype == np.float64


# ---- ReLU ----


@MANY
@given(shape=st.lists(st.integers(0, 4), max_size=4), seed=st.integers(0, 2**32 - 1))
def test_relu_and_its_gradient_elementwise(shape, seed):
    x = rng(seed).integers(-2, 3, shape)  # includes exact zeros
    g = rng(seed + 1).standard_normal(shape)
    y, grad = relu(x), relu_backward(x, g)
    assert y.dtype == np.int64 and grad.dtype == np.float64 and y.shape == grad.shape == tuple(shape)
    for index in np.ndindex(*shape):
        assert y[index] == (x[index] if x[index] > 0 else 0)
        assert grad[index] == (g[index] if x[index] > 0 else 0)  # zero at exactly 0, as torch


def test_relu_by_hand():
    assert relu([[-1.5, 0.0], [2.5, -0.0]]).tolist() == [[0.0, 0.0], [2.5, 0.0]]
    assert relu_backward([-1, 0, 3], [5, 6, 7]).tolist() == [0, 0, 7]
    assert relu(-3).tolist() == 0 and relu(4.0).dtype == np.float64


# ---- softmax cross-entropy ----


@MANY
@given(
    n=st.integers(1, 4),
    classes=st.integers(1, 6),
    scale=st.sampled_from([1.0, 30.0, 1000.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_softmax_cross_entropy_matches_the_oracle(n, classes, scale, seed):
    r = rng(seed)
    z, t = r.standard_normal((n, classes)) * scale, r.integers(0, classes, n)
    loss, grad = softmax_cross_entropy(z, t)
    expected_loss, expected_grad = softmax_cross_entropy_naive(z.tolist(), t.tolist())
    assert isinstance(loss, float) and math.isfinite(loss)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, expected_grad, atol=1e-15)
    one_loss, one_grad = softmax_cross_entropy(z[0], int(t[0]))
    assert one_loss == pytest.approx(
        softmax_cross_entropy_naive(z[:1].tolist(), t[:1].tolist())[0], rel=1e-12, abs=1e-12
    )
    assert one_grad.shape == (classes,)


@FAST
@given(n=st.integers(1, 3), classes=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_gradient_matches_finite_differences(n, classes, seed):
    r = rng(seed)
    z, t = r.standard_normal((n, classes)) * 3, r.integers(0, classes, n)
    numeric = numerical_gradient(lambda v: softmax_cross_entropy(v, t)[0], z)
    np.testing.assert_allclose(softmax_cross_entropy(z, t)[1], numeric, atol=1e-8)


def test_softmax_cross_entropy_by_hand():
    loss, grad = softmax_cross_entropy([0, 0], 1)
    assert loss == pytest.approx(math.log(2))
    np.testing.assert_allclose(grad, [0.5, -0.5])
    # huge logits: the log-sum-exp shift keeps everything finite
    loss, grad = softmax_cross_entropy([[1000.0, 0.0], [0.0, 1000.0]], [1, 1])
    assert loss == pytest.approx(500.0) and grad.tolist() == [[0.5, -0.5], [0.0, 0.0]]
    loss, grad = softmax_cross_entropy([[2, 1, 0]], np.array([0]))
    denominator = math.e**2 + math.e + 1
    assert loss == pytest.approx(-math.log(math.e**2 / denominator))
    np.testing.assert_allclose(grad, [[math.e**2 / denominator - 1, math.e / denominator, 1 / denominator]])


# ---- local response normalization ----


@st.composite
def activations(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape) * draw(st.sampled_from([1.0, 10.0]))


@MANY
@given(
    x=activations(),
    size=st.integers(1, 10),
    alpha=st.sampled_from([1e-4, 0.5, 2.0]),
    beta=st.sampled_from([0.75, 0.5, 1.0, 2.0]),
    k=st.sampled_from([1.0, 2.0, 0.5]),
)
def test_local_response_norm_matches_the_oracle(x, size, alpha, beta, k):
    np.testing.assert_allclose(
        local_response_norm(x, size, alpha, beta, k), lrn_naive(x, size, alpha, beta, k), rtol=1e-13
    )
    np.testing.assert_allclose(
        local_response_norm(x[0], size, alpha, beta, k), lrn_naive(x[:1], size, alpha, beta, k)[0], rtol=1e-13
    )


@MANY
@given(
    x=activations(),
    n=st.sampled_from([1, 3, 5, 7]),
    alpha=st.sampled_from([1e-4, 0.5, 2.0]),
    beta=st.sampled_from([0.75, 0.5, 1.0]),
    k=st.sampled_from([2.0, 1.0]),
)
def test_alexnet_local_response_norm_matches_the_papers_formula(x, n, alpha, beta, k):
    out = alexnet_local_response_norm(x, n, k, alpha, beta)
    np.testing.assert_allclose(out, alexnet_lrn_naive(x, n, k, alpha, beta), rtol=1e-13)
    # for odd n the paper's formula is torch's with alpha multiplied by n
    np.testing.assert_allclose(out, local_response_norm(x, n, alpha * n, beta, k), rtol=1e-13)


def test_local_response_norm_by_hand():
    # channels 1, 2, 3 at one position; size 3, alpha 3, beta 1, k 1: the squares summed over the window
    # (zero outside) are 5, 14, 13, divided by size and multiplied by alpha: the same numbers
    a = np.array([1, 2, 3]).reshape(3, 1, 1)
    np.testing.assert_allclose(local_response_norm(a, 3, 3.0, 1.0, 1.0).ravel(), [1 / 6, 2 / 15, 3 / 14], rtol=1e-15)
    np.testing.assert_allclose(
        alexnet_local_response_norm(a, 3, 1.0, 1.0, 1.0).ravel(), [1 / 6, 2 / 15, 3 / 14], rtol=1e-15
    )
    # an even size looks one channel further back than ahead: channels c-1 .. c, still divided by 2
    np.testing.assert_allclose(local_response_norm(a, 2, 2.0, 1.0, 1.0).ravel(), [1 / 2, 2 / 6, 3 / 14], rtol=1e-15)
    # torch divides by size even at the border, where the window holds fewer channels
    np.testing.assert_allclose(local_response_norm(a, 5, 5.0, 1.0, 0.0).ravel(), [1 / 14, 2 / 14, 3 / 14], rtol=1e-15)


def test_alexnet_defaults_are_the_papers():
    a = np.array([3.0, 4.0]).reshape(2, 1, 1)  # n = 5 covers both channels: sum of squares 25
    np.testing.assert_allclose(alexnet_local_response_norm(a).ravel(), a.ravel() / (2 + 1e-4 * 25) ** 0.75, rtol=1e-15)


def test_local_response_norm_ranks():
    x = rng(7).standard_normal((2, 3, 2, 2))
    assert local_response_norm(x, 3).shape == x.shape
    np.testing.assert_array_equal(local_response_norm(x[0], 3), local_response_norm(x, 3)[0])
    # a 2-D input is one channel: only its own square counts
    np.testing.assert_allclose(local_response_norm(x[0, 0], 3), x[0, 0] / (1 + 1e-4 / 3 * x[0, 0] ** 2) ** 0.75)
    assert local_response_norm(np.arange(4).reshape(1, 2, 2), 1).dtype == np.float64


# ---- argument errors ----


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: linear([[1, 2]], [[1, 2, 3]]), "weight: has 3 in_features but the input has 2"),
        (
            lambda: linear([[[1]]], [[1]]),
            r"input: expected a 1-D \(in_features,\) or 2-D \(N, in_features\) array, got 3-D",
        ),
        (lambda: linear([1], [1]), r"weight: expected a 2-D \(out_features, in_features\) array, got 1-D"),
        (lambda: linear([1], [[1], [2]], [1]), r"bias: expected shape \(2,\) \(out_features\), got \(1,\)"),
        (lambda: linear([np.nan], [[1]]), "input: contains NaN or infinity"),
        (lambda: linear(["a"], [[1]]), "input: expected real numbers"),
        (
            lambda: linear_backward([[1, 2]], [[1, 2]], [[1, 2]]),
            r"grad_output: expected shape \(1, 1\) \(the output's\), got \(1, 2\)",
        ),
        (lambda: linear_backward([1, 2], [[1, 2]], [[1]]), r"grad_output: expected shape \(1,\)"),
        (lambda: relu([1, np.inf]), "input: contains NaN or infinity"),
        (lambda: relu_backward([1, 2], [1]), r"grad_output: expected the input's shape \(2,\), got \(1,\)"),
        (lambda: relu_backward([1, 2], [1, np.nan]), "grad_output: contains NaN or infinity"),
        (lambda: softmax_cross_entropy([], 0), r"logits: expected a non-empty \(C,\) or \(N, C\) array"),
        (
            lambda: softmax_cross_entropy([[[1]]], [0]),
            r"logits: expected a non-empty \(C,\) or \(N, C\) array, got shape \(1, 1, 1\)",
        ),
        (lambda: softmax_cross_entropy([1, np.nan], 0), "logits: contains NaN or infinity"),
        (lambda: softmax_cross_entropy([1, 2], 2), r"target: class indices must lie in \[0, 2\)"),
        (lambda: softmax_cross_entropy([[1, 2]], [-1]), r"target: class indices must lie in \[0, 2\)"),
        (
            lambda: softmax_cross_entropy([[1, 2]], 0),
            r"target: expected shape \(1,\) for logits of shape \(1, 2\), got \(\)",
        ),
        (lambda: softmax_cross_entropy([1, 2], [0]), r"target: expected shape \(\) for logits of shape \(2,\)"),
        (lambda: softmax_cross_entropy([[1, 2]], [0.0]), "target: expected integer class indices"),
        (lambda: softmax_cross_entropy([1, 2], True), "target: expected integer class indices"),
        (lambda: local_response_norm(np.ones((2, 2)), 0), "size: expected an integer of at least 1, got 0"),
        (lambda: local_response_norm(np.ones((2, 2)), 2.0), "size: expected an integer of at least 1"),
        (lambda: local_response_norm(np.ones((2, 2)), 3, alpha=np.nan), "alpha: expected a finite real number"),
        (lambda: local_response_norm(np.ones((2, 2)), 3, beta="1"), "beta: expected a finite real number"),
        (lambda: local_response_norm(np.ones((2, 2)), 3, k=True), "k: expected a finite real number"),
        (lambda: local_response_norm(np.ones(3), 3), "input: expected a 2-D .* got 1-D"),
        (lambda: local_response_norm([[np.inf]], 3), "input: contains NaN or infinity"),
        (
            lambda: local_response_norm(np.zeros((2, 2)), 3, k=0.0),
            r"k: the base k \+ alpha \* \(sum of squares\) must be positive",
        ),
        (lambda: local_response_norm(np.ones((2, 2)), 3, k=-2.0), r"k: the base .* must be positive"),
        (
            lambda: alexnet_local_response_norm(np.ones((2, 2)), 4),
            "n: must be odd, so that the window i - n/2 .. i \\+ n/2 holds n channels, got 4",
        ),
        (lambda: alexnet_local_response_norm(np.ones((2, 2)), 0), "n: expected an integer of at least 1, got 0"),
    ],
)
def test_layer_argument_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
