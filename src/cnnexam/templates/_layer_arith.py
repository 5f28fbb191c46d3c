"""Helpers shared by the output-size, receptive-field and parameter-count templates."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cnnexam.model import Misconception, Slot


class Mistakes:
    """Collects a variant's misconceptions, each the engine or formula called with the student's mistake.

    A mistake that makes the layer impossible (the engine raises ValueError) gives no answer a student
    could write, so it is skipped. Feedback stays unambiguous: a slot answer that an earlier mistake
    already gives is left to the earlier one (list the likelier mistake first), and a mistake left with
    no slot is dropped.
    """

    def __init__(self, slots: tuple[Slot, ...]) -> None:
        self._types = {s.id: s.type for s in slots}
        self._found: list[Misconception] = []

    def add(self, name: str, description: str, fix: str, answers: Callable[[], Mapping[str, Any]]) -> None:
        try:
            values = answers()
        except ValueError:
            return
        kept = {slot: value for slot, value in values.items() if not self._taken(slot, value)}
        if kept:
            self._found.append(Misconception(name, description, fix, kept))

    def _taken(self, slot: str, value) -> bool:
        check = self._types[slot].check
        return any(slot in m.answers and check(value, m.answers[slot]).score >= 1 for m in self._found)

    def result(self) -> tuple[Misconception, ...]:
        return tuple(self._found)


def shape_text(shape) -> str:
    """``(3, 32, 32)``, as ShapeAnswer prints a shape."""
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def ceil_size(size: int, stride: int) -> int:
    """The size that makes a floor formula round up: floor((n + s - 1 - x)/s) = ceil((n - x)/s)."""
    return size + stride - 1
