"""Helpers shared by the pooling, forward/backward, softmax and LRN templates."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from cnnexam.model import ArrayAnswer, Misconception, NumberAnswer, Slot


def torch_image(matrix) -> list:
    """A single-channel (H, W) matrix as the (1, 1, H, W) nested list torch's functions take."""
    return [[[list(row) for row in matrix]]]


def distinct(slots: Iterable[Slot], key: Mapping[str, Any],
             candidates: Iterable[Misconception]) -> tuple[Misconception, ...]:
    """The candidates, each kept only on the slots where it differs from the key and from every earlier
    candidate, so that a wrong answer names one mistake; a candidate left with no slot is dropped.

    Exact answers (ints, Fractions, nested tuples of them) compare with ``==``; rounded numbers as a
    student would type them (printed to the slot's decimals) through the slot's own check.
    """
    by_id = {s.id: s for s in slots}
    kept: list[Misconception] = []
    for m in candidates:
        answers = {}
        for slot_id, value in m.answers.items():
            earlier = [k.answers[slot_id] for k in kept if slot_id in k.answers]
            if not any(_same(by_id[slot_id], value, other) for other in (key[slot_id], *earlier)):
                answers[slot_id] = value
        if answers:
            kept.append(dataclasses.replace(m, answers=answers))
    return tuple(kept)


def _same(slot: Slot, a, b) -> bool:
    """Whether answer ``a``, typed as the key prints it, earns full marks against ``b``."""
    kind = slot.type
    if isinstance(kind, NumberAnswer) or (isinstance(kind, ArrayAnswer) and kind.element == "number"):
        return np.shape(a) == np.shape(b) and kind.check(kind.parse(kind.format(a)), b).score >= 1
    return a == b


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
