"""Choosing which misconceptions a variant can recognise.

A mistake does not show in every variant (forgetting a zero bias changes nothing), and two mistakes can
give the same answer on one slot. :func:`distinct` keeps each candidate only on the slots where a student
making it would write something wrong and not already claimed by an earlier (likelier) candidate, and
drops candidates left with nothing, so each wrong answer points at one named mistake.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from .answers import AnswerFormatError, ArrayAnswer, NumberAnswer
from .grading import raw_text
from .template import Misconception, Slot


def distinct(slots: Iterable[Slot], key: Mapping[str, Any], candidates: Iterable[Misconception]) -> tuple[Misconception, ...]:
    by_id = {s.id: s for s in slots}
    kept: list[Misconception] = []
    for m in candidates:
        answers = {}
        for slot_id, value in m.answers.items():
            slot = by_id.get(slot_id)
            if slot is None:
                continue
            typed = _as_typed(slot, value)
            if typed is None:
                continue  # a student cannot even enter it (a matrix of another shape than the stated one)
            earlier = [k.answers[slot_id] for k in kept if slot_id in k.answers]
            if all(slot.type.check(typed, other).score < 1 for other in (key[slot_id], *earlier)):
                answers[slot_id] = value
        if answers:
            kept.append(dataclasses.replace(m, answers=answers))
    return tuple(kept)


def _as_typed(slot: Slot, value):
    """The value as the student would write it: only rounded numbers and stated-shape arrays differ."""
    kind = slot.type
    if isinstance(kind, NumberAnswer) or (isinstance(kind, ArrayAnswer) and (kind.element == "number" or kind.shape_given)):
        try:
            return kind.parse(raw_text(slot, value))
        except AnswerFormatError:
            return None
    return value
