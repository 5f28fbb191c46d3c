"""Numba kernels of the reference engine: every compiled loop lives here, nothing else does.

Rules for this module: only serial ``@njit(cache=True)`` functions (parallelism comes from BLAS, see
the convolution section), no module globals, no validation. Inputs are contiguous 4-D NCHW arrays
(int64 or float64) and plain ints; padding is done by the caller, except in im2col / col2im, which
apply it themselves. The public functions in ``conv``, ``pooling`` and ``layers`` validate, pad,
coerce dtypes and import this module on first use, so importing ``cnnexam`` never loads Numba.
"""

import numpy as np
from numba import njit

# ---- convolution kernels (conv.py) ----
# Serial on purpose: conv's float path runs its matrix products on the BLAS thread pool, and a second
# (Numba) pool competing with it for the same cores made both several times slower. The direct loops
# serve integer (exact) and small problems.


@njit(cache=True)
def conv2d_direct(xp, w, bias, sh, sw, dh, dw, groups, out):
    """Direct cross-correlation into ``out`` (N, K, OH, OW); exact for int64.

    ``out[n, k, y, x] = bias[k] + sum_{c, i, j} xp[n, g*Cg + c, y*sh + i*dh, x*sw + j*dw] * w[k, c, i, j]``
    with ``xp`` the padded (N, C, Hp, Wp) input, ``w`` (K, Cg, kH, kW) and ``g = k // (K // groups)``.
    """
    n_batch, k_out, oh_n, ow_n = out.shape
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    kg = k_out // groups
    for n in range(n_batch):
        for k in range(k_out):
            c0 = (k // kg) * cg
            for y in range(oh_n):
                for x in range(ow_n):
                    acc = bias[k]
                    for c in range(cg):
                        for i in range(kh):
                            row = y * sh + i * dh
                            for j in range(kw):
                                acc += xp[n, c0 + c, row, x * sw + j * dw] * w[k, c, i, j]
                    out[n, k, y, x] = acc


@njit(cache=True)
def conv2d_input_grad_direct(gout, w, sh, sw, dh, dw, groups, gxp):
    """Scatter ``gout`` (N, K, OH, OW) back through ``w`` (K, Cg, kH, kW) into the zeroed padded ``gxp``.

    ``gxp[n, g*Cg + c, y*sh + i*dh, x*sw + j*dw] += gout[n, k, y, x] * w[k, c, i, j]``; this is also the
    transposed convolution of ``gout``.
    """
    n_batch, k_out, oh_n, ow_n = gout.shape
    cg, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    kg = k_out // groups
    for n in range(n_batch):
        for k in range(k_out):
            c0 = (k // kg) * cg
            for c in range(cg):
                for i in range(kh):
                    for j in range(kw):
                        wv = w[k, c, i, j]
                        for y in range(oh_n):
                            row = y * sh + i * dh
                            for x in range(ow_n):
                                gxp[n, c0 + c, row, x * sw + j * dw] += gout[n, k, y, x] * wv


@njit(cache=True)
def conv2d_weight_grad_direct(xp, gout, sh, sw, dh, dw, groups, gw):
    """``gw[k, c, i, j] = sum_{n, y, x} gout[n, k, y, x] * xp[n, g*Cg + c, y*sh + i*dh, x*sw + j*dw]``."""
    n_batch, k_out, oh_n, ow_n = gout.shape
    cg, kh, kw = gw.shape[1], gw.shape[2], gw.shape[3]
    kg = k_out // groups
    for k in range(k_out):
        c0 = (k // kg) * cg
        for c in range(cg):
            for i in range(kh):
                for j in range(kw):
                    acc = gw[k, c, i, j]
                    for n in range(n_batch):
                        for y in range(oh_n):
                            row = y * sh + i * dh
                            for x in range(ow_n):
                                acc += gout[n, k, y, x] * xp[n, c0 + c, row, x * sw + j * dw]
                    gw[k, c, i, j] = acc


# The float path unfolds a block of the output at a time: whole samples, or a band of output rows of
# one sample when a sample alone is too large (see conv._blocks). Padding is applied while unfolding and
# dropped while folding back, so no padded copy of the input or of its gradient is ever made. Rows are
# copied through 1-D slices, which LLVM vectorizes (indexing the 2-D arrays was twice as slow).


@njit(cache=True)
def _taps(size, out_size, offset, stride):
    """The output indices lo..hi-1 whose input index ``o * stride + offset`` lies in 0..size-1, with
    0 <= lo <= hi <= out_size (a tap can miss the input altogether: a dilated kernel wider than it)."""
    lo = min(out_size, max(0, -(offset // stride)))
    return lo, max(lo, min(out_size, (size - 1 - offset) // stride + 1))


@njit(cache=True)
def _unfold_row(plane, i, j, y0, sh, sw, dh, dw, top, left, ow_n, dst):
    """One row of im2col: ``dst[t*OW + o] = plane[(y0 + t)*sh + i*dh - top, o*sw + j*dw - left]``, 0 in
    the padding, for one input channel ``plane`` (H, W) and kernel tap (i, j)."""
    h, w = plane.shape
    off = j * dw - left
    lo, hi = _taps(w, ow_n, off, sw)
    for t in range(dst.shape[0] // ow_n):
        d = dst[t * ow_n : (t + 1) * ow_n]
        row = (y0 + t) * sh + i * dh - top
        inside = 0 <= row < h
        for o in range(lo if inside else ow_n):
            d[o] = 0.0
        for o in range(hi if inside else ow_n, ow_n):
            d[o] = 0.0
        if not inside:
            continue
        src = plane[row]
        if sw == 1:
            part, run = d[lo:hi], src[lo + off : hi + off]
            for o in range(hi - lo):
                part[o] = run[o]
        else:
            for o in range(lo, hi):
                d[o] = src[o * sw + off]


@njit(cache=True)
def _fold_row(src, i, j, y0, sh, sw, dh, dw, top, left, ow_n, plane):
    """Adjoint of ``_unfold_row``: add the row ``src`` into the gradient ``plane`` (H, W), dropping what
    falls in the padding."""
    h, w = plane.shape
    off = j * dw - left
    lo, hi = _taps(w, ow_n, off, sw)
    for t in range(src.shape[0] // ow_n):
        row = (y0 + t) * sh + i * dh - top
        if row < 0 or row >= h:
            continue
        run = src[t * ow_n + lo : t * ow_n + hi]
        if sw == 1:
            part = plane[row, lo + off : hi + off]
            for o in range(hi - lo):
                part[o] += run[o]
        else:
            dst = plane[row]
            for o in range(hi - lo):
                dst[(lo + o) * sw + off] += run[o]


@njit(cache=True)
def im2col(x, first, y0, kh, kw, sh, sw, dh, dw, top, left, ow_n, cols):
    """Unfold output rows y0.. of the samples first.. of ``x`` (N, C, H, W) into ``cols`` (samples,
    C*kH*kW, rows*OW): ``cols[s, (c*kH + i)*kW + j, t*OW + o] = x[first + s, c, y*sh + i*dh - top,
    o*sw + j*dw - left]`` with ``y = y0 + t``, or 0 where that falls in the padding."""
    for s in range(cols.shape[0]):
        for c in range(x.shape[1]):
            for i in range(kh):
                for j in range(kw):
                    dst = cols[s, (c * kh + i) * kw + j]
                    _unfold_row(x[first + s, c], i, j, y0, sh, sw, dh, dw, top, left, ow_n, dst)


@njit(cache=True)
def col2im(cols, first, y0, kh, kw, sh, sw, dh, dw, top, left, ow_n, gx, x):
    """Adjoint of ``im2col``: add ``cols`` (samples, C*kH*kW, rows*OW) for output rows y0.. of the samples
    first.. into ``gx`` (N, C, H, W), dropping what falls in the padding. Unless ``x`` is empty, each row
    is then refilled with ``im2col`` of ``x`` while still in cache (the weight gradient needs it), which
    saves a trip through memory when the matrix does not fit."""
    refill = x.size > 0
    for s in range(cols.shape[0]):
        for c in range(gx.shape[1]):
            for i in range(kh):
                for j in range(kw):
                    row = cols[s, (c * kh + i) * kw + j]
                    _fold_row(row, i, j, y0, sh, sw, dh, dw, top, left, ow_n, gx[first + s, c])
                    if refill:
                        _unfold_row(x[first + s, c], i, j, y0, sh, sw, dh, dw, top, left, ow_n, row)


@njit(cache=True)
def add_channel_bias(out, bias):
    """``out[s, k, :] += bias[k]`` for a block of results ``out`` (samples, C_out, positions) (NumPy's
    broadcasting add took three times as long)."""
    for s in range(out.shape[0]):
        for k in range(out.shape[1]):
            row, b = out[s, k], bias[k]
            for t in range(row.shape[0]):
                row[t] += b


# ---- pooling kernels (pooling.py) ----
# Max pooling clips each window to the input instead of padding with -inf (impossible for int64): the
# caller has checked that every window holds at least one input element. Planes are addressed through
# flat indices, which LLVM handles better than 2-D views in these short loops.


@njit(cache=True)
def _pool_taps(size, out_size, kernel, stride, padding, dilation):
    """Per output index along one axis: the first input index its window reaches and how many it reaches."""
    first = np.empty(out_size, np.int64)
    count = np.empty(out_size, np.int64)
    for o in range(out_size):
        start = o * stride - padding
        skip = 0 if start >= 0 else (dilation - 1 - start) // dilation  # taps that fall in the left padding
        end = min(kernel, (size - start + dilation - 1) // dilation)  # taps before the right edge
        first[o] = start + skip * dilation
        count[o] = end - skip
    return first, count


@njit(cache=True)
def _window_argmax(flat, start, rows, cols, row_step, col_step):
    """Flat index of the first maximum in row-major order (PyTorch's CPU rule) of the rows x cols taps
    ``flat[start + a * row_step + b * col_step]``."""
    best_i = start
    best = flat[start]
    for a in range(rows):
        base = start + a * row_step
        for b in range(cols):
            i = base + b * col_step
            if flat[i] > best:
                best = flat[i]
                best_i = i
    return best_i


@njit(cache=True)
def _plane_argmax(flat, offset, w, dh, dw, row, rows, col, cols, argmax):
    """argmax[i, j]: flat index of the first maximum of window (i, j) of the (H, W) plane at flat[offset:]."""
    for i in range(argmax.shape[0]):
        top = offset + row[i] * w
        for j in range(argmax.shape[1]):
            # Constant trip counts for the usual whole 3x3 and 2x2 windows let LLVM unroll (about 3x faster).
            if rows[i] == 3 and cols[j] == 3:
                argmax[i, j] = _window_argmax(flat, top + col[j], 3, 3, dh * w, dw)
            elif rows[i] == 2 and cols[j] == 2:
                argmax[i, j] = _window_argmax(flat, top + col[j], 2, 2, dh * w, dw)
            else:
                argmax[i, j] = _window_argmax(flat, top + col[j], rows[i], cols[j], dh * w, dw)


@njit(cache=True)
def _column_max(flat, top, rows, row_step, colmax):
    """colmax[c]: the maximum of column c over the input rows flat[top + a * row_step:][:W], a < rows
    (one elementwise sweep per row, which LLVM vectorizes)."""
    w = colmax.shape[0]
    first = flat[top : top + w]
    for c in range(w):
        colmax[c] = first[c]
    for a in range(1, rows):
        src = flat[top + a * row_step : top + a * row_step + w]
        for c in range(w):
            v = src[c]
            m = colmax[c]
            colmax[c] = v if v > m else m


@njit(cache=True)
def _max_pool_planes(x, first, last, kh, kw, sh, sw, ph, pw, dh, dw, out):
    """Window maxima of the image planes first..last-1 of x (N, C, H, W) into out (N * C, out_h, out_w).
    Separable: the column maxima over a window row's input rows, then the maximum over its columns."""
    h, w = x.shape[2], x.shape[3]
    out_h, out_w = out.shape[1], out.shape[2]
    row, rows = _pool_taps(h, out_h, kh, sh, ph, dh)
    col, cols = _pool_taps(w, out_w, kw, sw, pw, dw)
    flat = x.reshape(x.size)
    colmax = np.empty(w, x.dtype)
    for p in range(first, last):
        for i in range(out_h):
            _column_max(flat, p * h * w + row[i] * w, rows[i], dh * w, colmax)
            for j in range(out_w):
                best = colmax[col[j]]
                for b in range(1, cols[j]):
                    v = colmax[col[j] + b * dw]
                    best = v if v > best else best
                out[p, i, j] = best


@njit(cache=True)
def _max_pool_backward_planes(x, first, last, kh, kw, sh, sw, ph, pw, dh, dw, grad_out, grad_in):
    """For the image planes first..last-1 of x (N, C, H, W): each gradient of grad_out (N * C, out_h,
    out_w) is added to its window's first maximum in grad_in (flat, x.size), in row-major order as torch
    adds them."""
    h, w = x.shape[2], x.shape[3]
    out_h, out_w = grad_out.shape[1], grad_out.shape[2]
    row, rows = _pool_taps(h, out_h, kh, sh, ph, dh)
    col, cols = _pool_taps(w, out_w, kw, sw, pw, dw)
    flat = x.reshape(x.size)
    argmax = np.empty((out_h, out_w), np.int64)
    for p in range(first, last):
        _plane_argmax(flat, p * h * w, w, dh, dw, row, rows, col, cols, argmax)
        for i in range(out_h):
            for j in range(out_w):
                grad_in[argmax[i, j]] += grad_out[p, i, j]


# Serial, like every kernel here: the float convolutions run on the BLAS thread pool, and a Numba pool
# competing with it for the same cores made both several times slower.


@njit(cache=True)
def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w):
    """(N, C, H, W) -> (N, C, out_h, out_w) window maxima, same dtype."""
    n, c = x.shape[0], x.shape[1]
    out = np.empty((n * c, out_h, out_w), x.dtype)
    _max_pool_planes(x, 0, n * c, kh, kw, sh, sw, ph, pw, dh, dw, out)
    return out.reshape((n, c, out_h, out_w))


@njit(cache=True)
def max_pool2d_backward(x, grad_out, kh, kw, sh, sw, ph, pw, dh, dw):
    """Gradient w.r.t. x (N, C, H, W), in grad_out's dtype: each output's gradient goes to the first
    maximum of its window."""
    n, c, h, w = x.shape
    planes = grad_out.reshape((n * c, grad_out.shape[2], grad_out.shape[3]))
    grad_in = np.zeros(x.size, grad_out.dtype)
    _max_pool_backward_planes(x, 0, n * c, kh, kw, sh, sw, ph, pw, dh, dw, planes, grad_in)
    return grad_in.reshape((n, c, h, w))


# ---- layer kernels (layers.py) ----


@njit(cache=True)
def lrn_base(x, before, after, divisor, alpha, k):
    """float64 (N, C, H, W): ``sum(x[:, j] ** 2 for j in c - before .. c + after) / divisor * alpha + k``
    per channel c, channels outside 0..C-1 skipped (zero padding), in torch's order of operations.
    Serial: normalization only appears at exam sizes, where a parallel launch costs more than it saves."""
    n, c, h, w = x.shape
    base = np.empty((n, c, h, w))
    for i in range(n):
        for ch in range(c):
            lo, hi = max(0, ch - before), min(c - 1, ch + after)
            for r in range(h):
                for q in range(w):
                    s = 0.0
                    for j in range(lo, hi + 1):
                        s += x[i, j, r, q] * x[i, j, r, q]
                    base[i, ch, r, q] = s / divisor * alpha + k
    return base
