"""Slow, obvious loop oracles for the engine's tests: plain Python loops over 4-D NCHW arrays, written from
the definitions, sharing no code or vectorized tricks with the engine.

Every oracle returns int64 when all its array arguments are integer arrays, float64 otherwise.
"""

import numpy as np


def _dtype(*arrays):
    if all(a is None or np.asarray(a).dtype.kind in "biu" for a in arrays):
        return np.int64
    return np.float64


def _pads(padding, kernel, dilation):
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (extra pixel at bottom / right)."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        total_h = dilation[0] * (kernel[0] - 1)
        total_w = dilation[1] * (kernel[1] - 1)
        return total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return ph, ph, pw, pw


def _two(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _padded(x, top, bottom, left, right):
    """Zero-padded copy of x (N, C, H, W), filled element by element."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    for a in range(n):
        for b in range(c):
            for i in range(h):
                for j in range(w):
                    out[a, b, top + i, left + j] = x[a, b, i, j]
    return out


def conv2d_naive(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation, torch.nn.functional.conv2d semantics, for 4-D x (N, C, H, W) and
    w (K, C // groups, kH, kW): every output pixel is the sum over its window, one product at a time."""
    dtype = _dtype(x, w, b)
    x, w = np.asarray(x, dtype), np.asarray(w, dtype)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    n, c, _, _ = x.shape
    k_out, c_group, kh, kw = w.shape
    xp = _padded(x, *_pads(padding, (kh, kw), (dh, dw)))
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    k_group = k_out // groups
    out = np.zeros((n, k_out, oh, ow), dtype=dtype)
    for a in range(n):
        for k in range(k_out):
            first_channel = (k // k_group) * c_group
            for y in range(oh):
                for z in range(ow):
                    total = 0 if b is None else b[k]
                    for ch in range(c_group):
                        for i in range(kh):
                            for j in range(kw):
                                total += xp[a, first_channel + ch, y * sh + i * dh, z * sw + j * dw] * w[k, ch, i, j]
                    out[a, k, y, z] = total
    return out


def convolve2d_naive(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """True convolution by its textbook form: output pixel (y, z) is anchored at the window's far corner,
    ``sum_{i, j} x[top + (kH-1-i)*d, left + (kW-1-j)*d] * w[i, j]``, so the kernel meets the image mirrored."""
    dtype = _dtype(x, w, b)
    x, w = np.asarray(x, dtype), np.asarray(w, dtype)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    n, _, _, _ = x.shape
    k_out, c_group, kh, kw = w.shape
    xp = _padded(x, *_pads(padding, (kh, kw), (dh, dw)))
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    k_group = k_out // groups
    out = np.zeros((n, k_out, oh, ow), dtype=dtype)
    for a in range(n):
        for k in range(k_out):
            first_channel = (k // k_group) * c_group
            for y in range(oh):
                for z in range(ow):
                    # far corner of the window in padded coordinates
                    bottom, right = y * sh + (kh - 1) * dh, z * sw + (kw - 1) * dw
                    total = 0 if b is None else b[k]
                    for ch in range(c_group):
                        for i in range(kh):
                            for j in range(kw):
                                total += xp[a, first_channel + ch, bottom - i * dh, right - j * dw] * w[k, ch, i, j]
                    out[a, k, y, z] = total
    return out


def conv2d_backward_naive(x, w, grad_out, stride=1, padding=0, dilation=1, groups=1):
    """(grad_x, grad_w, grad_b) of conv2d: every product x*w of the forward pass sends grad_out back to
    both of its factors (chain rule, one term at a time); grad_x is then cut back from the padded input."""
    dtype = _dtype(x, w, grad_out)
    x, w, g = np.asarray(x, dtype), np.asarray(w, dtype), np.asarray(grad_out, dtype)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    n, c, h, width = x.shape
    k_out, c_group, kh, kw = w.shape
    top, bottom, left, right = _pads(padding, (kh, kw), (dh, dw))
    xp = _padded(x, top, bottom, left, right)
    grad_xp = np.zeros(xp.shape, dtype=dtype)
    grad_w = np.zeros(w.shape, dtype=dtype)
    grad_b = np.zeros(k_out, dtype=dtype)
    k_group = k_out // groups
    for a in range(n):
        for k in range(k_out):
            first_channel = (k // k_group) * c_group
            for y in range(g.shape[2]):
                for z in range(g.shape[3]):
                    upstream = g[a, k, y, z]
                    grad_b[k] += upstream
                    for ch in range(c_group):
                        for i in range(kh):
                            for j in range(kw):
                                row, col = y * sh + i * dh, z * sw + j * dw
                                grad_xp[a, first_channel + ch, row, col] += upstream * w[k, ch, i, j]
                                grad_w[k, ch, i, j] += upstream * xp[a, first_channel + ch, row, col]
    grad_x = np.zeros(x.shape, dtype=dtype)
    for a in range(n):
        for ch in range(c):
            for i in range(h):
                for j in range(width):
                    grad_x[a, ch, i, j] = grad_xp[a, ch, top + i, left + j]
    return grad_x, grad_w, grad_b


def conv_transpose2d_naive(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution by its definition as a scatter: input pixel (y, z) of channel ci adds
    ``x * w[ci, co, i, j]`` at (y*s + i*d, z*s + j*d) of a full canvas; the canvas (with output_padding
    extra rows / columns at the bottom / right) is then cropped by ``padding`` on every side.
    x (N, C_in, H, W), w (C_in, C_out // groups, kH, kW)."""
    dtype = _dtype(x, w, b)
    x, w = np.asarray(x, dtype), np.asarray(w, dtype)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    ph, pw = _two(padding)
    eh, ew = _two(output_padding)
    n, c_in, h, width = x.shape
    _, c_out_group, kh, kw = w.shape
    c_in_group = c_in // groups
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + eh
    full_w = (width - 1) * sw + dw * (kw - 1) + 1 + ew
    canvas = np.zeros((n, c_out_group * groups, full_h, full_w), dtype=dtype)
    for a in range(n):
        for ci in range(c_in):
            group = ci // c_in_group
            for y in range(h):
                for z in range(width):
                    for co in range(c_out_group):
                        for i in range(kh):
                            for j in range(kw):
                                canvas[a, group * c_out_group + co, y * sh + i * dh, z * sw + j * dw] += (
                                    x[a, ci, y, z] * w[ci, co, i, j]
                                )
    out = np.zeros((n, canvas.shape[1], full_h - 2 * ph, full_w - 2 * pw), dtype=dtype)
    for a in range(n):
        for co in range(out.shape[1]):
            for y in range(out.shape[2]):
                for z in range(out.shape[3]):
                    out[a, co, y, z] = canvas[a, co, ph + y, pw + z] + (0 if b is None else b[co])
    return out


def numerical_gradient(f, x, eps=1e-6):
    """Central finite differences of the scalar function ``f`` at the float array ``x`` (any shape):
    ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every element i."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        plus = f(x.copy())
        x[index] = saved - eps
        minus = f(x.copy())
        x[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad
