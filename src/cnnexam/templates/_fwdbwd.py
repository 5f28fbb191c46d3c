"""Helpers shared by the pooling, forward/backward, softmax and LRN templates."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np


def torch_image(matrix) -> list:
    """A single-channel (H, W) matrix as the (1, 1, H, W) nested list torch's functions take."""
    return [[[list(row) for row in matrix]]]


def overwritten_backward(backward: Callable, input, grad_output) -> np.ndarray:
    """The pooling gradient of a student who assigns instead of adding where windows overlap.

    ``backward(input, grad_output)`` is the engine's backward pass with the window settings bound; it
    decides where each window sends its gradient. Windows are taken in row-major order and each one
    overwrites what earlier windows wrote to the cells it reaches.
    """
    g = np.asarray(grad_output)
    result = backward(input, np.zeros(g.shape, dtype=np.int64))
    for index in np.ndindex(g.shape):
        one = np.zeros(g.shape, dtype=np.int64)
        one[index] = 1
        reached = np.asarray(backward(input, one)) != 0
        result[reached] = backward(input, one * g[index])[reached]
    return result


def near_rounding_tie(value, decimals: int, margin: float = 1e-6) -> bool:
    """Whether ``value`` lies so close to halfway between two roundings that float error could decide."""
    scaled = abs(float(value)) * 10**decimals
    return abs(scaled - math.floor(scaled) - 0.5) < margin
