"""Time the reference engine's conv2d and max_pool2d, forward and forward+backward, in float64.

Compares each figure with an obvious vectorized NumPy implementation and, when torch is importable,
with PyTorch CPU float64 autograd (torch is not a dependency of cnnexam). Every timing is the median
of repeated calls after one warm-up call; the warm-up (Numba compilation or cache load) is printed on
its own. Ratios are engine time / other time, so below 1 means the engine is faster.

PyTorch is timed in a child process of this run, before the engine: once torch has run an operation in
a process, its OpenMP threads keep competing with NumPy's BLAS threads there (on two cores the engine's
conv2d measured 2.5 times slower beside it, and normal again with OMP_WAIT_POLICY=PASSIVE), which
would measure the two runtimes' quarrel rather than either one.

    python bench/engine.py            # full run (about two minutes on two cores)
    python bench/engine.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnexam.solutions import conv2d, conv2d_backward, max_pool2d, max_pool2d_backward

torch = F = None  # imported only in the child process that times it (--torch-only)

# (N, C, H, W, K, k): batch, input channels, height, width, output channels (conv only), kernel size.
SHAPES = [(1, 1, 5, 5, 1, 3), (8, 3, 32, 32, 16, 3), (32, 16, 32, 32, 32, 3), (16, 64, 56, 56, 64, 3)]
CONV_PADDING = 1
POOL_KERNEL, POOL_STRIDE, POOL_PADDING = 3, 2, 1
EXAM_TARGET_US = 50.0


# ---- NumPy baseline: im2col with sliding_window_view, contractions with tensordot ----


def numpy_conv_forward(x, w, b, padding):
    """(N, C, H, W) * (K, C, k, k) -> (N, K, Ho, Wo), stride 1, with the im2col view kept for backward."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # (N, C, Ho, Wo, k, k)
    out = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, Ho, Wo, K)
    return out.transpose(0, 3, 1, 2) + b[:, None, None], cols


def numpy_conv_backward(x, w, g, padding, cols):
    """Gradients of the stride-1 convolution above: col2im by one slice-add per kernel offset."""
    grad_w = np.tensordot(g, cols, axes=([0, 2, 3], [0, 2, 3]))  # (K, C, k, k)
    grad_b = g.sum(axis=(0, 2, 3))
    dcols = np.tensordot(g, w, axes=([1], [0]))  # (N, Ho, Wo, C, k, k)
    n, c, h, width = x.shape
    k_h, k_w = w.shape[2:]
    ho, wo = g.shape[2:]
    grad_xp = np.zeros((n, c, h + 2 * padding, width + 2 * padding))
    for i in range(k_h):
        for j in range(k_w):
            grad_xp[:, :, i : i + ho, j : j + wo] += dcols[..., i, j].transpose(0, 3, 1, 2)
    return grad_xp[:, :, padding : padding + h, padding : padding + width], grad_w, grad_b


def numpy_pool_forward(x, kernel, stride, padding):
    """Max over sliding windows of the -inf padded input; also returns each window's first argmax."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    windows = sliding_window_view(xp, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], kernel * kernel)
    arg = flat.argmax(axis=-1)  # first maximum in row-major order, as torch's CPU kernel
    return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0], arg


def numpy_pool_backward(x, g, arg, kernel, stride, padding):
    """Scatter-add each output gradient onto its window's argmax."""
    n, c, h, w = x.shape
    ho, wo = g.shape[2:]
    rows = np.arange(ho)[:, None] * stride + arg // kernel - padding
    cols = np.arange(wo)[None, :] * stride + arg % kernel - padding
    grad = np.zeros_like(x)
    nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(grad, (nn[..., None, None], cc[..., None, None], rows, cols), g)
    return grad


# ---- timing ----


def time_each(fns: dict[str, Callable[[], object]], budget: float, min_repeats: int):
    """(first-call times, medians of the timed repeats) in seconds, per name in ``fns``.

    Each function's first call is its warm-up (JIT compilation or cache load, first-touch allocations);
    then it is timed call by call until ``budget`` seconds are spent and at least ``min_repeats`` calls
    are done. Functions run one after another in ``fns`` order, not interleaved: the engine's and
    torch's thread pools keep spinning for a while after a call and would slow each other down.
    """
    first, medians = {}, {}
    for name, fn in fns.items():
        start = time.perf_counter()
        fn()
        first[name] = time.perf_counter() - start
        times: list[float] = []
        gc.disable()
        try:
            while len(times) < min_repeats or (sum(times) < budget and len(times) < 5000):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
        finally:
            gc.enable()
        medians[name] = statistics.median(times)
    return first, medians


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(a: float, b: float | None) -> str:
    return "-" if b is None else f"{a / b:.2f}"


def conv_case(shape, rng, budget, min_repeats):
    """Timings of conv2d forward, forward+backward, and the NumPy and torch forward+backward."""
    n, c, h, w, k_out, k = shape
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((k_out, c, k, k))
    bias = rng.standard_normal(k_out)
    g = rng.standard_normal((n, k_out, h + 2 * CONV_PADDING - k + 1, w + 2 * CONV_PADDING - k + 1))

    def engine_fb():
        conv2d(x, weight, bias, padding=CONV_PADDING)
        return conv2d_backward(x, weight, g, padding=CONV_PADDING)

    def numpy_fb():
        _, cols = numpy_conv_forward(x, weight, bias, CONV_PADDING)
        return numpy_conv_backward(x, weight, g, CONV_PADDING, cols)

    if torch is not None:
        tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, weight, bias))
        tg = torch.from_numpy(g)

        def torch_fb():
            tx.grad = tw.grad = tb.grad = None
            F.conv2d(tx, tw, tb, padding=CONV_PADDING).backward(tg)

        return time_torch(torch_fb, budget, min_repeats)
    fns = {"fwd": lambda: conv2d(x, weight, bias, padding=CONV_PADDING), "fb": engine_fb, "numpy": numpy_fb}
    first, row = time_each(fns, budget, min_repeats)
    row["first"] = first["fwd"]
    row["flops"] = 3 * 2 * n * k_out * c * k * k * g.shape[2] * g.shape[3]
    return row


def pool_case(shape, rng, budget, min_repeats):
    """Timings of max_pool2d forward, forward+backward, and the NumPy and torch forward+backward."""
    n, c, h, w, _, _ = shape
    x = rng.standard_normal((n, c, h, w))
    ho = (h + 2 * POOL_PADDING - POOL_KERNEL) // POOL_STRIDE + 1
    wo = (w + 2 * POOL_PADDING - POOL_KERNEL) // POOL_STRIDE + 1
    g = rng.standard_normal((n, c, ho, wo))
    args = dict(kernel_size=POOL_KERNEL, stride=POOL_STRIDE, padding=POOL_PADDING)

    def engine_fb():
        max_pool2d(x, **args)
        return max_pool2d_backward(x, g, **args)

    def numpy_fb():
        _, arg = numpy_pool_forward(x, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)
        return numpy_pool_backward(x, g, arg, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)

    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_()
        tg = torch.from_numpy(g)

        def torch_fb():
            tx.grad = None
            F.max_pool2d(tx, **args).backward(tg)

        return {"torch": time_each({"torch": torch_fb}, budget, min_repeats)[1]["torch"]}
    fns = {"fwd": lambda: max_pool2d(x, **args), "fb": engine_fb, "numpy": numpy_fb}
    first, row = time_each(fns, budget, min_repeats)
    row["first"] = first["fwd"]
    row["flops"] = None
    return row


def time_torch(torch_fb, budget, min_repeats) -> dict[str, float]:
    """torch with all threads, then limited to one (the engine's own code is serial, BLAS threads only)."""
    row = {"torch": time_each({"torch": torch_fb}, budget, min_repeats)[1]["torch"]}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    row["torch1"] = time_each({"torch1": torch_fb}, budget, min_repeats)[1]["torch1"]
    torch.set_num_threads(threads)
    return row


CASES = (("conv", conv_case), ("pool", pool_case))


def torch_only(budget, min_repeats) -> None:
    """The child process: torch's timings of every case, as one JSON line on stdout."""
    global torch, F
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(0)
    rows = {f"{op} {shape}": case(shape, rng, budget, min_repeats) for op, case in CASES for shape in SHAPES}
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


def torch_timings(quick: bool) -> dict | None:
    """torch's timings from a child process, or None where torch is not installed."""
    if importlib.util.find_spec("torch") is None:
        return None
    command = [sys.executable, os.path.abspath(__file__), "--torch-only"] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"timing torch failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def check_baselines(rng) -> None:
    """The NumPy baseline and the engine must agree, or comparing their times means nothing."""
    x, weight, bias = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    out, cols = numpy_conv_forward(x, weight, bias, CONV_PADDING)
    g = rng.standard_normal(out.shape)
    pairs = [(out, conv2d(x, weight, bias, padding=CONV_PADDING))]
    grads = numpy_conv_backward(x, weight, g, CONV_PADDING, cols)
    pairs += zip(grads, conv2d_backward(x, weight, g, padding=CONV_PADDING))
    pooled, arg = numpy_pool_forward(x, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)
    args = dict(kernel_size=POOL_KERNEL, stride=POOL_STRIDE, padding=POOL_PADDING)
    g = rng.standard_normal(pooled.shape)
    pairs.append((pooled, max_pool2d(x, **args)))
    grad = numpy_pool_backward(x, g, arg, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)
    pairs.append((grad, max_pool2d_backward(x, g, **args)))
    if not all(np.allclose(ours, engine) for ours, engine in pairs):
        raise SystemExit("the NumPy baseline disagrees with the engine: its figures mean nothing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier figures)")
    parser.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)  # the child process
    options = parser.parse_args()
    budget, min_repeats = (0.1, 2) if options.quick else (1.0, 5)
    if options.torch_only:
        return torch_only(budget, min_repeats)
    cores = os.cpu_count() or 1
    rng = np.random.default_rng(0)

    print(f"cnnexam engine benchmark: float64, {platform.machine()}, {cores} cores, numpy {np.__version__}", end="")
    print(f"; load average at start: {os.getloadavg()[0]:.2f} (figures mean little on a busy machine)")
    reference = torch_timings(options.quick)
    if reference is not None:
        print(f"torch {reference['version']} ({reference['threads']} threads), timed first in a child process")
    else:
        print("torch not installed")
    print(f"conv2d: stride 1, padding {CONV_PADDING}, bias; fwd+bwd: conv2d then conv2d_backward (random grad_output)")
    print(f"max_pool2d: kernel_size {POOL_KERNEL}, stride {POOL_STRIDE}, padding {POOL_PADDING}")
    print("times: medians of repeated calls after one warm-up call")
    print("ratios: engine fwd+bwd time / other fwd+bwd time (below 1: the engine is faster)")
    print("torch 1 thr: torch limited to one thread, for comparison per core (the target is against all threads)")
    print("GFLOP/s counts 2*N*K*C*k*k*Ho*Wo per forward, x3 for forward+backward")
    print()

    header = (
        f"{'op':<6} {'N,C,H,W,K,k':<18} {'first call':>10} {'eng fwd':>10} {'eng f+b':>10} {'GFLOP/s':>8} "
        f"{'numpy f+b':>10} {'/numpy':>7} {'torch f+b':>10} {'/torch':>7} {'torch 1 thr':>11} {'/torch 1':>8}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    exam_forward = None
    for op, case in CASES:
        for shape in SHAPES:
            row = case(shape, rng, budget, min_repeats)
            if reference is not None:
                row.update(reference["rows"][f"{op} {shape}"])
            gflops = "-" if row["flops"] is None else f"{row['flops'] / row['fb'] / 1e9:.2f}"
            label = ",".join(map(str, shape if op == "conv" else shape[:4]))
            print(
                f"{op:<6} {label:<18} {fmt_time(row['first']):>10} {fmt_time(row['fwd']):>10} "
                f"{fmt_time(row['fb']):>10} {gflops:>8} {fmt_time(row['numpy']):>10} "
                f"{fmt_ratio(row['fb'], row['numpy']):>7} {fmt_time(row.get('torch')):>10} "
                f"{fmt_ratio(row['fb'], row.get('torch')):>7} {fmt_time(row.get('torch1')):>11} "
                f"{fmt_ratio(row['fb'], row.get('torch1')):>8}",
                flush=True,
            )
            if op == "conv":
                if shape == SHAPES[0]:
                    exam_forward = row["fwd"]
                verdicts.append((shape, row["fb"], row.get("torch")))
    if reference is None:
        print("(torch not installed: no PyTorch column)")

    print()
    met = "meets" if exam_forward < EXAM_TARGET_US * 1e-6 else "MISSES"
    print(f"exam shape {SHAPES[0]} conv2d forward: {exam_forward * 1e6:.1f} us ({met} target < {EXAM_TARGET_US:g} us)")
    for shape, engine, reference in verdicts:
        if reference is None:
            verdict = "torch not installed"
        else:
            verdict = "meets" if engine <= reference else "MISSES"
            verdict += f" (engine {fmt_time(engine)}, torch {fmt_time(reference)}, ratio {engine / reference:.2f})"
        print(f"conv fwd+bwd no slower than torch at {shape}: {verdict}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    # Checked last so that the first-call column measures the engine's real first call.
    check_baselines(rng)
    print("NumPy baseline agrees with the engine on a random case: yes")


if __name__ == "__main__":
    main()
