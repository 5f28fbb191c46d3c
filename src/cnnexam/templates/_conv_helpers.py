"""Helpers shared by the convolution templates (multi-channel, convolution vs correlation, classic
kernels, Sobel gradient, transposed and dilated convolution): option orders for choice questions.
"""

from __future__ import annotations

import numpy as np


def permutation(rng: np.random.Generator, n: int) -> tuple[int, ...]:
    """A random order of ``range(n)`` as plain ints (stored in params, so the key is not always A)."""
    return tuple(int(i) for i in rng.permutation(n))
