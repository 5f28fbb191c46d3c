"""Grading one variant's answers: parse -> check -> feedback that names a recognised misconception.

Works on raw answers of any origin (text from a notebook cell, values serialized back from executed code),
so the autograder, the practice self-check and the template tests all grade the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .answers import AnswerFormatError
from .template import Slot, Variant

MISSING = "missing"
FORMAT_ERROR = "format-error"
CORRECT = "correct"
PARTIAL = "partial"
WRONG = "wrong"


@dataclass(frozen=True)
class SlotResult:
    slot: str
    points: float
    earned: float
    status: str
    feedback: str
    misconception: str | None = None
    also_matches: tuple[str, ...] = ()  # further misconceptions that give the same wrong answer

    def to_json(self) -> dict:
        return {"slot": self.slot, "points": self.points, "earned": self.earned, "status": self.status,
                "feedback": self.feedback, "misconception": self.misconception, "also_matches": list(self.also_matches)}


def grade_slot(variant: Variant, slot: Slot, raw: Any) -> SlotResult:
    """Grade one raw answer. Never raises for anything a student can write."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return SlotResult(slot.id, slot.points, 0.0, MISSING, "No answer was given.")
    try:
        value = slot.type.parse(raw)
    except AnswerFormatError as error:
        return SlotResult(slot.id, slot.points, 0.0, FORMAT_ERROR,
                          f"Could not read the answer: {error}. Expected {slot.type.instructions()}.")
    key = variant.answers[slot.id]
    credit = slot.type.check(value, key)
    if credit.score >= 1:
        return SlotResult(slot.id, slot.points, slot.points, CORRECT, "Correct.")
    earned = slot.points * credit.score  # unrounded: the grader rounds totals once
    status = PARTIAL if earned else WRONG
    matches = [m for m in variant.misconceptions
               if slot.id in m.answers and slot.type.check(value, m.answers[slot.id]).score >= 1]
    if matches:
        first, *others = matches
        feedback = f"Not right: it looks like you {first.description}. {first.fix}"
        feedback += "".join(f" (Or you {m.description}. {m.fix})" for m in others)
        return SlotResult(slot.id, slot.points, earned, status, feedback, first.name, tuple(m.name for m in others))
    detail = f" ({credit.detail})" if credit.detail else ""
    return SlotResult(slot.id, slot.points, earned, status, f"Not right{detail}.")


def grade_variant(variant: Variant, raw_answers: Mapping[str, Any]) -> tuple[SlotResult, ...]:
    """Grade every slot of ``variant``; a slot missing from ``raw_answers`` counts as unanswered."""
    return tuple(grade_slot(variant, slot, raw_answers.get(slot.id)) for slot in variant.slots)


def key_as_raw(variant: Variant) -> dict[str, Any]:
    """The key written the way a student would type it (the canonical text of each answer)."""
    return {s.id: raw_text(s, variant.answers[s.id]) for s in variant.slots}


def raw_text(slot: Slot, value: Any) -> Any:
    """``value`` as the text a student would type into the slot's answer cell."""
    from .answers import CodeAnswer, MultipleChoiceAnswer, SingleChoiceAnswer

    if isinstance(slot.type, SingleChoiceAnswer):
        return slot.type.to_json(value)
    if isinstance(slot.type, MultipleChoiceAnswer):
        return ", ".join(slot.type.to_json(value)) or "none"
    if isinstance(slot.type, CodeAnswer):
        return slot.type.to_json(value)
    return slot.type.format(value)
