"""Check the reference engine against PyTorch float64 on thousands of random configurations.

For every public function of ``cnnexam.solutions`` that has a ``torch.nn.functional`` counterpart, draw
seeded random configurations (ranks 2 to 4, batch 1 to 3, strides, int / pair / 'same' / 'valid'
paddings, dilations, groups, non-square kernels, 2-D and 3-D single filters, pooling modes, integer,
float, tied and mixed inputs, a few bad arguments), run the engine and torch (float64, autograd for the
backward functions) and compare:

- integer inputs to an integer-valued function (convolutions, max pooling, linear, ReLU and their
  gradients): the engine must return int64 equal to torch's float64 result (small integers, so exact in
  float64); with mixed integer and float inputs either dtype is accepted, an int64 one must be exact;
- otherwise float64 within 1e-10 relative to the result's magnitude (``avg_pool2d_exact``: Fractions
  within 1e-12 of torch);
- a configuration torch rejects with an error must be rejected by the engine with ``ValueError``, and
  one torch accepts must be accepted. Max pooling with a window made only of padding is undefined in
  torch (it returns -inf and its backward pass writes out of bounds), so those are counted, not compared.

Prints, per function, the configurations tried, exact and close matches, the largest float error,
agreed rejections and mismatches, then the first mismatching configurations in full (Python lines that
rerun them). Exits 1 on any mismatch. torch is only needed here, never by cnnexam itself.

    python bench/torch_agreement.py [--n 3000] [--seed 0] [--only conv2d,max_pool2d] [--show 3]
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import time
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

import cnnexam.solutions as engine

FLOAT_RTOL = 1e-10
EXACT_ATOL = 1e-12


@dataclass
class Config:
    """One random call: positional arrays (in the engine's order) and keyword arguments."""

    func: str
    args: dict[str, np.ndarray | None]
    kwargs: dict[str, object] = field(default_factory=dict)

    @property
    def kind(self):
        """"int" when every array is integral, "float" when every one is float, else "mixed"."""
        arrays = [a for name, a in self.args.items() if a is not None and name != "target"]
        found = {np.asarray(a).dtype.kind in "iu" for a in arrays}
        return "mixed" if len(found) > 1 else ("int" if found == {True} else "float")

    def arg(self, name, default=None):
        return self.kwargs.get(name, default)


# ---- random building blocks ----


def array(rng, shape, kind):
    """Small integers (many ties), standard normal floats, or floats drawn from four values (ties)."""
    if kind == "int":
        return rng.integers(-5, 6, size=shape)
    if kind == "ties":
        return rng.choice([-1.5, -0.5, 0.5, 1.5], size=shape)
    return rng.standard_normal(shape)


def kinds(rng, count, ties=False):
    """Kinds for ``count`` arrays: all int, all float (or float with ties), or a mix of int and float."""
    roll = rng.random()
    if roll < 0.45:
        return ["int"] * count
    if ties and roll < 0.6:
        return ["ties"] * count
    if roll < 0.9 or count == 1:
        return ["float"] * count
    mixed = ["int", "float"] + [str(k) for k in rng.choice(["int", "float"], size=count - 2)]
    return [str(k) for k in rng.permutation(mixed)]


def int_or_pair(rng, low, high):
    """An int in [low, high] or, half the time, a pair of them."""
    if rng.random() < 0.5:
        return int(rng.integers(low, high + 1))
    return (int(rng.integers(low, high + 1)), int(rng.integers(low, high + 1)))


def rank_and_batch(rng):
    rank = int(rng.choice([2, 3, 4], p=[0.2, 0.2, 0.6]))
    return rank, (int(rng.integers(1, 4)) if rank == 4 else 1)


def shaped(rank, n, c, h, w):
    """The shape of an (n, c, h, w) batch given as a rank-``rank`` array (rank 2: n = c = 1)."""
    return (n, c, h, w)[4 - rank :]


def as4d(a):
    return a.reshape((1,) * (4 - a.ndim) + a.shape)


def weight4d(w, transposed=False):
    """The engine's reading of a 2-D (kH, kW) or 3-D (C_in, kH, kW) single filter, as a 4-D weight."""
    return w[:, np.newaxis] if transposed and w.ndim == 3 else as4d(w)


def from4d(a, rank):
    return a.reshape(a.shape[4 - rank :])


def t(a):
    return None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64))


def leaf(a):
    return t(a).clone().requires_grad_()


def numpy(tensor):
    return tensor.detach().numpy()


DROPPED: dict[str, set[str]] = {}


def filtered(func, kwargs):
    """The keyword arguments the engine function declares; the rest stay at torch's default (and are noted)."""
    params = inspect.signature(getattr(engine, func)).parameters
    DROPPED.setdefault(func, set()).update(name for name in kwargs if name not in params)
    return {name: value for name, value in kwargs.items() if name in params}


# ---- convolutions ----


def make_conv(rng, func):
    """conv2d, convolve2d or conv_transpose2d: random shapes and arguments, about 8% with one bad argument."""
    transpose = func == "conv_transpose2d"
    rank, n = rank_and_batch(rng)
    large = rng.random() < 0.25  # often big enough for the engine's im2col + BLAS path (float only)
    groups = 1 if rank == 2 else int(rng.choice([1, 1, 1, 2, 3]))
    c_in = 1 if rank == 2 else groups * int(rng.integers(1, 7 if large else 4))
    c_out = 1 if rank == 2 else groups * int(rng.integers(1, 7 if large else 4))
    kh, kw = (int(v) for v in rng.integers(1, 6 if large else 5, size=2))
    h, w = (int(v) for v in rng.integers(10, 25, size=2)) if large else (int(v) for v in rng.integers(1, 10, size=2))
    kwargs = {
        "stride": int_or_pair(rng, 1, 2 if large else 3),
        "dilation": int_or_pair(rng, 1, 2) if rng.random() < 0.4 else 1,
    }
    roll = rng.random()
    if transpose or roll >= 0.3:
        kwargs["padding"] = int_or_pair(rng, 0, 2)
    elif roll < 0.2:
        kwargs["padding"] = "same"
        if rng.random() < 0.8:  # torch rejects 'same' with a stride
            kwargs["stride"] = 1
    else:
        kwargs["padding"] = "valid"
    if transpose and rng.random() < 0.5:
        # mostly below max(stride, dilation) as torch requires; beyond it, torch's rejection is under test
        limit = min(max(s, d) for s, d in zip(pair_of(kwargs["stride"]), pair_of(kwargs["dilation"]))) - 1
        kwargs["output_padding"] = int_or_pair(rng, 0, limit if rng.random() < 0.85 else 2)
    kwargs["groups"] = groups
    # conv2d weights are (out, in / groups, kh, kw); conv_transpose2d weights (in, out / groups, kh, kw)
    w_shape = [c_in, c_out // groups, kh, kw] if transpose else [c_out, c_in // groups, kh, kw]
    bias_len = c_out
    if rng.random() < 0.08:  # one bad argument: torch rejects it, so must the engine
        bad = str(rng.choice(["stride", "padding", "dilation", "groups", "channels", "bias"]))
        if bad in ("stride", "dilation"):
            kwargs[bad] = 0 if rng.random() < 0.5 else (1, 0)
        elif bad == "padding":
            kwargs[bad] = -1 if rng.random() < 0.5 else (0, -1)
        elif bad == "groups" and rank > 2:
            kwargs[bad] = int(rng.choice([0, c_in + 1]))
        elif bad == "channels":
            w_shape[0 if transpose else 1] += 1
        else:
            bias_len += 1
    k = kinds(rng, 3)
    x, weight = array(rng, shaped(rank, n, c_in, h, w), k[0]), array(rng, tuple(w_shape), k[1])
    single = weight.shape[1 if transpose else 0] == 1 and (transpose or kwargs["groups"] == 1)
    if single and rng.random() < 0.4:  # one filter given without its output-channel axis
        if weight.shape[:2] == (1, 1) and rng.random() < 0.5:
            weight = weight[0, 0]  # 2-D (kH, kW)
        else:
            weight = weight[:, 0] if transpose else weight[0]  # 3-D (C_in, kH, kW)
    bias = array(rng, (bias_len,), k[2]) if rng.random() < 0.5 else None
    return Config(func, {"input": x, "weight": weight, "bias": bias}, filtered(func, kwargs))


def torch_conv(cfg, flip=False):
    x, w, b = (cfg.args[name] for name in ("input", "weight", "bias"))
    weight = t(weight4d(w))
    if flip:
        weight = torch.flip(weight, dims=(-2, -1))
    out = F.conv2d(t(as4d(x)), weight, t(b), *conv_args(cfg))
    return (from4d(numpy(out), x.ndim),)


def conv_args(cfg):
    return cfg.arg("stride", 1), cfg.arg("padding", 0), cfg.arg("dilation", 1), cfg.arg("groups", 1)


def make_conv2d_backward(rng):
    forward = make_conv(rng, "conv2d")
    x, w = forward.args["input"], forward.args["weight"]
    try:
        out_shape = torch_conv(Config("conv2d", {"input": x, "weight": w, "bias": None}, forward.kwargs))[0].shape
    except Exception:  # torch rejects the forward pass: any grad_output will do
        out_shape = x.shape[:-2] + (1, 1)
    grad_kind = "int" if x.dtype.kind == w.dtype.kind == "i" else "float"
    args = {"input": x, "weight": w, "grad_output": array(rng, out_shape, grad_kind)}
    return Config("conv2d_backward", args, filtered("conv2d_backward", forward.kwargs))


def torch_conv2d_backward(cfg):
    x, w, g = (cfg.args[name] for name in ("input", "weight", "grad_output"))
    tx, tw = leaf(as4d(x)), leaf(weight4d(w))
    tb = leaf(np.zeros(tw.shape[0]))
    F.conv2d(tx, tw, tb, *conv_args(cfg)).backward(t(as4d(g)))
    return from4d(numpy(tx.grad), x.ndim), numpy(tw.grad).reshape(w.shape), numpy(tb.grad)


def torch_conv_transpose2d(cfg):
    x, w, b = (cfg.args[name] for name in ("input", "weight", "bias"))
    out = F.conv_transpose2d(
        t(as4d(x)),
        t(weight4d(w, transposed=True)),
        t(b),
        cfg.arg("stride", 1),
        cfg.arg("padding", 0),
        cfg.arg("output_padding", 0),
        cfg.arg("groups", 1),
        cfg.arg("dilation", 1),
    )
    return (from4d(numpy(out), x.ndim),)


# ---- pooling ----

POOL_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False, "count_include_pad": True,
                 "divisor_override": None}
MAX_NAMES = ("stride", "padding", "dilation", "ceil_mode")
AVG_NAMES = ("stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")


def pool_kwargs(rng, kind):
    """Random max ("max") or average ("avg") pooling arguments, about 5% with one bad argument."""
    kernel = int_or_pair(rng, 1, 4)
    half = min(pair_of(kernel)) // 2
    kwargs = {
        "kernel_size": kernel,
        "stride": None if rng.random() < 0.3 else int_or_pair(rng, 1, 3),
        # mostly within torch's limit of half the kernel; beyond it, torch's rejection is under test
        "padding": int_or_pair(rng, 0, half) if rng.random() < 0.85 else int_or_pair(rng, 0, 2),
        "ceil_mode": bool(rng.random() < 0.5),
    }
    if kind == "max":
        kwargs["dilation"] = int_or_pair(rng, 1, 3) if rng.random() < 0.4 else 1
    else:
        kwargs["count_include_pad"] = bool(rng.random() < 0.5)
        kwargs["divisor_override"] = None if rng.random() < 0.6 else int(rng.integers(1, 6))
    if rng.random() < 0.05:
        bad = str(rng.choice([name for name in kwargs if name not in ("ceil_mode", "count_include_pad")]))
        kwargs[bad] = -1 if bad == "padding" else 0
    return kwargs


def pool_input_shape(rng):
    rank, n = rank_and_batch(rng)
    h, w = (int(v) for v in rng.integers(1, 10, size=2))
    return shaped(rank, n, 1 if rank == 2 else int(rng.integers(1, 4)), h, w)


def window_all_padding(cfg):
    """Whether some max-pooling window holds only padding (possible with dilation).

    torch then returns -inf with out-of-range indices, and its backward pass writes out of bounds (it
    aborts the process), so such configurations are not compared.
    """
    try:
        kernel, stride, padding, dilation = (
            pair_of(cfg.arg(name, default))
            for name, default in (("kernel_size", 1), ("stride", None), ("padding", 0), ("dilation", 1))
        )
    except TypeError:
        return False
    stride = stride if stride != (None, None) else kernel
    dims = list(zip(cfg.args["input"].shape[-2:], kernel, stride, padding, dilation))
    outs = []
    for size, k, s, p, d in dims:
        if min(k, s, d) < 1 or not 0 <= p <= k // 2:
            return False  # torch rejects these arguments before pooling
        span = size + 2 * p - d * (k - 1) - 1
        out = (-(-span // s) if cfg.arg("ceil_mode") else span // s) + 1
        if cfg.arg("ceil_mode") and (out - 1) * s >= size + p:
            out -= 1  # torch: the last window must start inside the input or its left padding
        outs.append(out)
    if min(outs) < 1:
        return False  # torch rejects: output too small
    return any(
        not any(0 <= o * s - p + j * d < size for j in range(k))
        for (size, k, s, p, d), out in zip(dims, outs)
        for o in range(out)
    )


def pair_of(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def make_pool(rng, func):
    kind = "max" if func.startswith("max") else "avg"
    kwargs = filtered(func, pool_kwargs(rng, kind))
    input_kind = kinds(rng, 1, ties=kind == "max")[0]
    return Config(func, {"input": array(rng, pool_input_shape(rng), input_kind)}, kwargs)


def make_pool_backward(rng, func):
    forward = make_pool(rng, func.removesuffix("_backward"))
    x = forward.args["input"]
    try:
        out_shape = SPECS[forward.func].reference(forward)[0].shape
    except Exception:  # torch rejects the forward pass: any grad_output will do
        out_shape = x.shape[:-2] + (1, 1)
    grad_kind = kinds(rng, 1)[0]
    return Config(func, {"input": x, "grad_output": array(rng, out_shape, grad_kind)}, filtered(func, forward.kwargs))


def torch_pool(pool, names):
    def reference(cfg):
        x = cfg.args["input"]
        options = {name: cfg.arg(name, POOL_DEFAULTS[name]) for name in names}
        return (from4d(numpy(pool(t(as4d(x)), cfg.kwargs["kernel_size"], **options)), x.ndim),)

    return reference


def torch_pool_backward(pool, names):
    def reference(cfg):
        x, g = cfg.args["input"], cfg.args["grad_output"]
        tx = leaf(as4d(x))
        options = {name: cfg.arg(name, POOL_DEFAULTS[name]) for name in names}
        pool(tx, cfg.kwargs["kernel_size"], **options).backward(t(as4d(g)))
        return (from4d(numpy(tx.grad), x.ndim),)

    return reference


# ---- layers ----


def make_linear(rng, func):
    k = kinds(rng, 3)
    batch = (int(rng.integers(1, 4)),) if rng.random() < 0.8 else ()
    n_in, n_out = (int(v) for v in rng.integers(1, 7, size=2))
    w_in = n_in + 1 if rng.random() < 0.05 else n_in  # a shape mismatch torch rejects
    x, w = array(rng, batch + (n_in,), k[0]), array(rng, (n_out, w_in), k[1])
    if func == "linear":
        bias = array(rng, (n_out,), k[2]) if rng.random() < 0.5 else None
        return Config(func, {"input": x, "weight": w, "bias": bias})
    return Config(func, {"input": x, "weight": w, "grad_output": array(rng, batch + (n_out,), k[2])})


def torch_linear(cfg):
    return (numpy(F.linear(t(cfg.args["input"]), t(cfg.args["weight"]), t(cfg.args["bias"]))),)


def torch_linear_backward(cfg):
    x, w, g = (cfg.args[name] for name in ("input", "weight", "grad_output"))
    tx, tw, tb = leaf(x), leaf(w), leaf(np.zeros(w.shape[0]))
    F.linear(tx, tw, tb).backward(t(g))
    return numpy(tx.grad), numpy(tw.grad), numpy(tb.grad)


def make_relu(rng, func):
    k = kinds(rng, 2)
    shape = tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5))))
    if func == "relu":
        return Config(func, {"input": array(rng, shape, k[0])})
    return Config(func, {"input": array(rng, shape, k[0]), "grad_output": array(rng, shape, k[1])})


def torch_relu(cfg):
    return (numpy(F.relu(t(cfg.args["input"]))),)


def torch_relu_backward(cfg):
    tx = leaf(cfg.args["input"])
    F.relu(tx).backward(t(cfg.args["grad_output"]))
    return (numpy(tx.grad),)


def make_softmax_cross_entropy(rng, func):
    kind = kinds(rng, 1)[0]
    n, c = int(rng.integers(1, 5)), int(rng.integers(1, 7))
    logits = array(rng, (n, c), kind) * (1 if kind == "int" else 3)
    target = rng.integers(0, c, size=n)
    if rng.random() < 0.05:  # a class index out of range
        target[rng.integers(n)] = c
    if n == 1 and rng.random() < 0.3:  # one sample: logits (C,), target a scalar
        logits, target = logits[0], target[0]
    return Config(func, {"logits": logits, "target": target})


def torch_softmax_cross_entropy(cfg):
    logits = leaf(cfg.args["logits"])
    loss = F.cross_entropy(logits, torch.from_numpy(np.asarray(cfg.args["target"], dtype=np.int64)))
    loss.backward()
    return numpy(loss), numpy(logits.grad)


def make_lrn(rng, func):
    rank, n = rank_and_batch(rng)
    h, w = (int(v) for v in rng.integers(1, 5, size=2))
    shape = shaped(rank, n, 1 if rank == 2 else int(rng.integers(1, 8)), h, w)
    # the paper's n: an odd window (the engine rejects an even one, which the paper leaves undefined)
    size = int(rng.integers(1, 8)) if func == "local_response_norm" else int(rng.choice([1, 3, 5, 7]))
    kwargs = {
        "size" if func == "local_response_norm" else "n": 0 if rng.random() < 0.03 else size,
        "alpha": float(rng.choice([1e-4, 0.01, 0.5, 1.0])),
        "beta": float(rng.choice([0.5, 0.75, 1.0])),
        "k": float(rng.choice([0.5, 1.0, 2.0])),
    }
    return Config(func, {"input": array(rng, shape, kinds(rng, 1)[0])}, filtered(func, kwargs))


def torch_lrn(cfg, paper=False):
    """torch's LRN; the paper's b = a / (k + alpha * sum a^2)^beta is torch's with alpha * size."""
    x, size = cfg.args["input"], cfg.kwargs["n" if paper else "size"]
    alpha = cfg.arg("alpha", 1e-4) * (size if paper else 1)
    out = F.local_response_norm(t(as4d(x)), size, alpha, cfg.arg("beta", 0.75), cfg.arg("k", 1.0))
    return (from4d(numpy(out), x.ndim),)


# ---- the table of functions ----


@dataclass
class Spec:
    make: Callable[[np.random.Generator, str], Config]
    reference: Callable[[Config], tuple]
    integer_valued: bool  # integer inputs must give bit-exact int64 results
    exact_rational: bool = False
    torch_undefined: Callable[[Config], bool] = lambda cfg: False


SPECS = {
    "conv2d": Spec(make_conv, torch_conv, True),
    "conv2d_backward": Spec(lambda rng, func: make_conv2d_backward(rng), torch_conv2d_backward, True),
    "conv_transpose2d": Spec(make_conv, torch_conv_transpose2d, True),
    "convolve2d": Spec(make_conv, lambda cfg: torch_conv(cfg, flip=True), True),
    "max_pool2d": Spec(make_pool, torch_pool(F.max_pool2d, MAX_NAMES), True, torch_undefined=window_all_padding),
    "max_pool2d_backward": Spec(
        make_pool_backward, torch_pool_backward(F.max_pool2d, MAX_NAMES), True, torch_undefined=window_all_padding
    ),
    "avg_pool2d": Spec(make_pool, torch_pool(F.avg_pool2d, AVG_NAMES), False),
    "avg_pool2d_backward": Spec(make_pool_backward, torch_pool_backward(F.avg_pool2d, AVG_NAMES), False),
    "avg_pool2d_exact": Spec(make_pool, torch_pool(F.avg_pool2d, AVG_NAMES), False, exact_rational=True),
    "linear": Spec(make_linear, torch_linear, True),
    "linear_backward": Spec(make_linear, torch_linear_backward, True),
    "relu": Spec(make_relu, torch_relu, True),
    "relu_backward": Spec(make_relu, torch_relu_backward, True),
    "softmax_cross_entropy": Spec(make_softmax_cross_entropy, torch_softmax_cross_entropy, False),
    "local_response_norm": Spec(make_lrn, torch_lrn, False),
    "alexnet_local_response_norm": Spec(make_lrn, lambda cfg: torch_lrn(cfg, paper=True), False),
}


# ---- comparison ----


def fractions_as_floats(value):
    """An array of ``Fraction`` as float64, or None when some element is not a Fraction."""
    value = np.asarray(value, dtype=object)
    if not all(isinstance(item, Fraction) for item in value.flat):
        return None
    return np.array([float(item) for item in value.flat], dtype=np.float64).reshape(value.shape)


def compare(spec, cfg, got, want):
    """(outcome, max abs error, reason); outcome is "exact", "close" or "mismatch"."""
    got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
    if len(got) != len(want):
        return "mismatch", 0.0, f"engine returned {len(got)} values, torch {len(want)}"
    worst, exact = 0.0, True
    for i, (g, w) in enumerate(zip(got, want)):
        if spec.exact_rational:
            g = fractions_as_floats(g)
            if g is None:
                return "mismatch", 0.0, f"result {i}: not an array of fractions.Fraction"
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return "mismatch", 0.0, f"result {i}: engine shape {g.shape}, torch shape {w.shape}"
        # Integer-valued functions: int64 for integer inputs, float64 for float inputs; with mixed inputs
        # either (a gradient may take grad_output's dtype), and an int64 result must then be exact too.
        if not spec.exact_rational:
            allowed = {"int": ["int64"], "float": ["float64"], "mixed": ["int64", "float64"]}[cfg.kind]
            if not spec.integer_valued:
                allowed = ["float64"]
            if g.dtype.name not in allowed:
                return "mismatch", 0.0, f"result {i}: engine dtype {g.dtype}, expected {' or '.join(allowed)}"
        integer = g.dtype.kind == "i"
        if np.array_equal(g, w):
            continue
        exact = False
        error = float(np.max(np.abs(g.astype(np.float64) - w))) if g.size else 0.0
        worst = max(worst, error)
        limit = EXACT_ATOL if spec.exact_rational else FLOAT_RTOL * max(1.0, float(np.max(np.abs(w))))
        if integer or error > limit:
            return "mismatch", error, f"result {i}: max abs error {error:.3g} (limit {0 if integer else limit:.3g})"
    return ("exact" if exact else "close"), worst, ""


def run_one(spec, cfg):
    """(outcome, max abs error, reason, engine result or error, torch result or error) of one configuration."""
    try:
        got = getattr(engine, cfg.func)(*cfg.args.values(), **cfg.kwargs)
    except Exception as error:
        got = error
    engine_failed = isinstance(got, Exception)
    if spec.torch_undefined(cfg):
        reason = f"engine raised {type(got).__name__}" if engine_failed else "engine returned a result"
        return "torch-undefined", 0.0, reason, got, None
    try:
        want = spec.reference(cfg)
    except Exception as error:  # torch rejects the configuration
        if isinstance(got, ValueError):
            return "rejected", 0.0, "", got, error
        what = f"raises {type(got).__name__}, not ValueError" if engine_failed else "accepts"
        return "mismatch", 0.0, f"torch rejects, engine {what}", got, error
    if engine_failed:
        return "mismatch", 0.0, "torch accepts, engine raises", got, want
    outcome, error, reason = compare(spec, cfg, got, want)
    return outcome, error, reason, got, want


def describe_error(error):
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def text(value):
    """One line, every element, floats in their shortest round-trip form (so repro lines are exact)."""
    options = dict(separator=",", threshold=sys.maxsize, max_line_width=sys.maxsize, floatmode="unique")
    return np.array2string(np.asarray(value), **options).replace("\n", "")


def show(value):
    """A result (array or tuple of arrays) or an error, on one line."""
    if value is None:
        return "-"
    if isinstance(value, Exception):
        return describe_error(value)
    return "; ".join(text(v) for v in (value if isinstance(value, (tuple, list)) else (value,)))


def repro(cfg):
    """Python lines that rebuild and rerun the configuration."""
    lines = ["import numpy as np", f"from cnnexam.solutions import {cfg.func}"]
    for name, value in cfg.args.items():
        if value is None:
            lines.append(f"{name} = None")
        else:
            dtype = "np.int64" if np.asarray(value).dtype.kind in "iu" else "np.float64"
            lines.append(f"{name} = np.array({text(value)}, dtype={dtype})")
    call_kwargs = "".join(f", {k}={v!r}" for k, v in cfg.kwargs.items())
    lines.append(f"{cfg.func}({', '.join(cfg.args)}{call_kwargs})")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="configurations per function (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated function names")
    parser.add_argument("--show", type=int, default=3, help="mismatching configurations printed per function")
    parser.add_argument("--conv-path", choices=["auto", *engine.conv.CODE_PATHS], default="auto",
                        help="force the float convolutions through one code path (these small configurations "
                             "otherwise take the direct loops)")
    options = parser.parse_args()
    for name, value in engine.conv.CODE_PATHS.get(options.conv_path, {}).items():
        setattr(engine.conv, name, value)
    names = [n for n in options.only.split(",") if n] or list(SPECS)
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        parser.error(f"--only: unknown functions {unknown}")
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    warnings.filterwarnings("ignore", message="Using padding='same'")

    print(f"engine vs torch {torch.__version__} float64: {options.n} random configurations per function, "
          f"seed {options.seed}, conv path {options.conv_path}")
    print("exact: bit-identical (int64 for integer inputs to integer-valued functions); close: max abs error "
          f"<= {FLOAT_RTOL:g} * max(1, max|torch|) (exact rationals: {EXACT_ATOL:g})")
    print("rejected: torch raises and the engine raises ValueError; undef: torch's result is undefined, not compared")
    header = (
        f"{'function':<28} {'tried':>6} {'exact':>6} {'close':>6} {'max abs err':>11} {'rejected':>8} "
        f"{'undef':>6} {'mismatch':>8} {'seconds':>7}"
    )
    print(header)
    print("-" * len(header))
    total_mismatches, reports, notes, summary = 0, [], [], []
    start = time.perf_counter()
    for name in names:
        spec = SPECS[name]
        rng = np.random.default_rng([options.seed, zlib.crc32(name.encode())])  # independent of --only
        started = time.perf_counter()
        counts = {"exact": 0, "close": 0, "rejected": 0, "torch-undefined": 0, "mismatch": 0}
        worst, failures, undefined, examples, reasons = 0.0, [], Counter(), {}, Counter()
        for number in range(options.n):
            cfg = spec.make(rng, name)
            outcome, error, reason, got, want = run_one(spec, cfg)
            counts[outcome] += 1
            worst = max(worst, error)
            if outcome == "mismatch":
                reasons[re.sub(r"-?\d[\d.e+-]*", "#", reason)] += 1
                if len(failures) < options.show:
                    failures.append((number, cfg, reason, got, want))
            if outcome == "torch-undefined":
                undefined[reason] += 1
                examples.setdefault(reason, (number, cfg, got))
        for reason, count in sorted(undefined.items()):
            number, cfg, got = examples[reason]
            notes.append(
                f"{name}: {count} configurations have a window made only of padding, where torch is undefined "
                f"(-inf forward, out-of-bounds write in backward); {reason}, e.g. configuration {number}: "
                f"{repro(cfg)[-1]} -> {show(got)[:200]}"
            )
        if DROPPED.get(name):
            dropped = ", ".join(sorted(DROPPED[name]))
            notes.append(f"{name}: the engine has no parameter {dropped}; tested at torch's default only")
        total_mismatches += counts["mismatch"]
        print(
            f"{name:<28} {options.n:>6} {counts['exact']:>6} {counts['close']:>6} {worst:>11.3g} "
            f"{counts['rejected']:>8} {counts['torch-undefined']:>6} {counts['mismatch']:>8} "
            f"{time.perf_counter() - started:>7.1f}",
            flush=True,
        )
        for reason, count in reasons.most_common():
            summary.append(f"{name}: {count} x {reason}")
        for number, cfg, reason, got, want in failures:
            reports.append(f"{name} configuration {number} ({cfg.kind} inputs, seed {options.seed}): {reason}")
            reports += ["    " + line for line in repro(cfg)]
            reports.append(f"    engine: {show(got)}")
            reports.append(f"    torch:  {show(want)}")
    print(f"(total {time.perf_counter() - start:.1f} s)")
    for note in notes:
        print("note:", note)
    if summary:
        print()
        print("mismatches by kind (numbers replaced by #):")
        print("\n".join("  " + line for line in summary))
    if reports:
        print()
        print(f"first mismatching configurations (up to {options.show} per function):")
        print("\n".join(reports))
    print()
    print(f"{'FAIL' if total_mismatches else 'OK'}: {total_mismatches} mismatches")
    return 1 if total_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
