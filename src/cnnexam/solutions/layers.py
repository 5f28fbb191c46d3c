"""Fully connected layer, ReLU, softmax cross-entropy and local response normalization.

Semantics follow ``torch.nn.functional`` (``linear``, ``relu``, ``cross_entropy`` with mean reduction,
``local_response_norm``); ``alexnet_local_response_norm`` is the formula of the AlexNet paper. Integer
inputs give exact int64 results where the operation stays in the integers (linear, ReLU and their
gradients); the loss and the normalizations are float64.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._args import as_array, check_int64_sum, positive_int, to_nchw


def linear(input, weight, bias=None) -> np.ndarray:
    """``input @ weight.T + bias``: input (in_features,) or (N, in_features), weight (out_features,
    in_features), bias (out_features,); returns (out_features,) or (N, out_features)."""
    x, w = _linear_operands(input, weight)
    b = None
    if bias is not None:
        b = as_array(bias, "bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias: expected shape ({w.shape[0]},) (out_features), got {b.shape}")
    check_int64_sum("input, weight", w.shape[1], (x, w), b)
    y = x @ w.T  # numpy's promotion keeps all-integer operands in int64
    return y if b is None else y + b


def linear_backward(input, weight, grad_output) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``linear`` as ``(grad_input, grad_weight, grad_bias)``.

    grad_output has the output's shape, (out_features,) or (N, out_features); the gradients have the
    shapes of input, weight and bias (the bias gradient sums over the batch).
    """
    x, w = _linear_operands(input, weight)
    g = as_array(grad_output, "grad_output")
    expected = x.shape[:-1] + (w.shape[0],)
    if g.shape != expected:
        raise ValueError(f"grad_output: expected shape {expected} (the output's), got {g.shape}")
    g2 = np.atleast_2d(g)
    check_int64_sum("grad_output, weight", w.shape[0], (g, w))
    check_int64_sum("grad_output, input", len(g2), (g2, x))
    check_int64_sum("grad_output", len(g2), (g2,))
    return g @ w, g2.T @ np.atleast_2d(x), g2.sum(axis=0)


def relu(input) -> np.ndarray:
    """``max(input, 0)`` elementwise, any shape; int64 for integer input, float64 otherwise."""
    x = _any_rank(input, "input")
    return np.where(x > 0, x, 0).astype(x.dtype)


def relu_backward(input, grad_output) -> np.ndarray:
    """``grad_output`` where ``input > 0``, else 0 (also at exactly 0, as torch's threshold_backward);
    the dtype is grad_output's."""
    x = _any_rank(input, "input")
    g = _any_rank(grad_output, "grad_output")
    if g.shape != x.shape:
        raise ValueError(f"grad_output: expected the input's shape {x.shape}, got {g.shape}")
    return np.where(x > 0, g, 0).astype(g.dtype)


def softmax_cross_entropy(logits, target) -> tuple[float, np.ndarray]:
    """Cross-entropy of the softmax of ``logits`` against class indices, and its gradient.

    logits (C,) with an int target, or (N, C) with target (N,) ints in [0, C). Returns ``(loss,
    grad_logits)``: the loss is the mean over the batch (torch's ``cross_entropy`` default) and the
    gradient ``(softmax(logits) - onehot(target)) / N`` has the logits' shape.
    """
    z = as_array(logits, "logits").astype(np.float64)
    if z.ndim not in (1, 2) or z.size == 0:
        raise ValueError(f"logits: expected a non-empty (C,) or (N, C) array, got shape {z.shape}")
    t = _class_indices(target, z)
    z2 = np.atleast_2d(z)
    n = z2.shape[0]
    # log-sum-exp after subtracting each row's maximum, so that exp never overflows
    shifted = z2 - z2.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = float(-log_probs[rows, t].sum() / n)
    grad = np.exp(log_probs)
    grad[rows, t] -= 1.0
    grad /= n
    return loss, grad.reshape(z.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0) -> np.ndarray:
    """``torch.nn.functional.local_response_norm``: normalization across channels, float64.

    ``b_c = a_c / (k + alpha / size * sum(a_j ** 2 for j in c - size // 2 .. c + (size - 1) // 2)) ** beta``
    with channels outside the input counting as zeros, so the sum is always divided by ``size``, also
    at the borders. The input is (H, W) (one channel: only its own square counts), (C, H, W) or
    (N, C, H, W) and the result keeps its shape. Note that torch reads a 3-D tensor as (N, C, L); here
    it is one (C, H, W) sample, as everywhere in this engine, which gives torch's result for
    ``input[None]``.
    """
    size = positive_int(size, "size")
    return _lrn(input, size // 2, (size - 1) // 2, float(size), alpha, beta, k)


def alexnet_local_response_norm(input, n=5, k=2.0, alpha=1e-4, beta=0.75) -> np.ndarray:
    """Local response normalization as written in the AlexNet paper, float64.

    ``b^i = a^i / (k + alpha * sum(a^j ** 2 for j in max(0, i - n/2) .. min(N - 1, i + n/2))) ** beta``
    over the N channels; unlike torch, alpha is not divided by n. ``n`` must be odd, so that the window
    holds n channels (the paper's n = 5, k = 2, alpha = 1e-4 and beta = 0.75 are the defaults). Shapes
    as in ``local_response_norm``.
    """
    n = positive_int(n, "n")
    if n % 2 == 0:
        raise ValueError(f"n: must be odd, so that the window i - n/2 .. i + n/2 holds n channels, got {n}")
    return _lrn(input, n // 2, n // 2, 1.0, alpha, beta, k)


def _lrn(input, before: int, after: int, divisor: float, alpha, beta, k) -> np.ndarray:
    """Shared body of both normalizations: the window is channels c - before .. c + after."""
    alpha, beta, k = (_finite_real(v, name) for v, name in ((alpha, "alpha"), (beta, "beta"), (k, "k")))
    x = as_array(input, "input").astype(np.float64)
    x4, restore = to_nchw(x, "input")
    from . import _kernels

    base = _kernels.lrn_base(x4, before, after, divisor, alpha, k)
    if x4.size and base.min() <= 0:
        raise ValueError(
            f"k: the base k + alpha * (sum of squares) must be positive to raise it to beta, but it reaches "
            f"{base.min()!r} (k={k!r}, alpha={alpha!r})"
        )
    return restore(x4 / base**beta)


def _any_rank(value, name: str) -> np.ndarray:
    """``as_array`` that keeps a scalar 0-D (it returns at least 1-D)."""
    return as_array(value, name).reshape(np.shape(value))


def _linear_operands(input, weight) -> tuple[np.ndarray, np.ndarray]:
    x = as_array(input, "input")
    w = as_array(weight, "weight")
    if x.ndim not in (1, 2):
        raise ValueError(f"input: expected a 1-D (in_features,) or 2-D (N, in_features) array, got {x.ndim}-D")
    if w.ndim != 2:
        raise ValueError(f"weight: expected a 2-D (out_features, in_features) array, got {w.ndim}-D")
    if w.shape[1] != x.shape[-1]:
        raise ValueError(f"weight: has {w.shape[1]} in_features but the input has {x.shape[-1]}")
    return x, w


def _class_indices(target, logits: np.ndarray) -> np.ndarray:
    """``target`` as an int64 array of N class indices, checked against the logits' shape."""
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise ValueError(f"target: expected integer class indices, got {target!r}")
    expected = () if logits.ndim == 1 else logits.shape[:1]
    if t.shape != expected:
        raise ValueError(f"target: expected shape {expected} for logits of shape {logits.shape}, got {t.shape}")
    classes = logits.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= classes):
        raise ValueError(f"target: class indices must lie in [0, {classes}), got {target!r}")
    return t.astype(np.int64).reshape(-1)


def _finite_real(value, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite real number, got {value!r}")
    return float(value)
