"""Helpers shared by the convolution templates (multi-channel, convolution vs correlation, classic
kernels, Sobel gradient, transposed and dilated convolution): option orders for choice questions, and the
rule for windows at the edge.
"""

from __future__ import annotations

import numpy as np

# Stated wherever a stride above 1 can leave a remainder at the edge: the output size then rounds down.
WHOLE_WINDOWS = ("Only windows that fit entirely inside the padded input count, as in PyTorch: a remainder at the "
                 "edge is dropped.")


def permutation(rng: np.random.Generator, n: int) -> tuple[int, ...]:
    """A random order of ``range(n)`` as plain ints (stored in params, so the key is not always A)."""
    return tuple(int(i) for i in rng.permutation(n))
