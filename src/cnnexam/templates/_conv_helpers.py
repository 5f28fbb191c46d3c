"""Helpers shared by the convolution templates (multi-channel, convolution vs correlation, classic
kernels, Sobel gradient, transposed and dilated convolution): misconceptions that never collide, and
option orders for choice questions.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

import numpy as np

from cnnexam.model import Misconception, Slot
from cnnexam.model.grading import raw_text


def distinct_misconceptions(slots: Iterable[Slot], key: Mapping[str, Any],
                            candidates: Iterable[Misconception]) -> tuple[Misconception, ...]:
    """The candidates, each kept only on the slots where it is wrong and where no earlier candidate
    already gives the same answer, so a wrong answer names one mistake; a candidate left with no slot
    is dropped. Answers are compared as a student would type them (rounded to the slot's decimals).
    """
    by_id = {s.id: s for s in slots}
    kept: list[Misconception] = []
    for m in candidates:
        answers = {}
        for slot_id, value in m.answers.items():
            slot = by_id[slot_id]
            typed = slot.type.parse(raw_text(slot, value))
            earlier = [k.answers[slot_id] for k in kept if slot_id in k.answers]
            # ArrayAnswer checks a value's shape against the slot's declared shape, not the compared
            # value's, so a misconception of another shape is never recognised: keep only answers that are.
            recognised = slot.type.check(typed, value).score >= 1
            if recognised and all(slot.type.check(typed, other).score < 1 for other in (key[slot_id], *earlier)):
                answers[slot_id] = value
        if answers:
            kept.append(dataclasses.replace(m, answers=answers))
    return tuple(kept)


def permutation(rng: np.random.Generator, n: int) -> tuple[int, ...]:
    """A random order of ``range(n)`` as plain ints (stored in params, so the key is not always A)."""
    return tuple(int(i) for i in rng.permutation(n))
