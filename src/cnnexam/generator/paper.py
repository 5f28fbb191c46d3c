"""Spec + roster -> one paper per student: which variant each student gets, and its points.

A question's variant is a pure function of (master seed, student id, question position) and the
template's code, whose version the manifest records: regenerating a student's paper years later gives
the same variant as long as the template version matches.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from cnnexam.model.template import Template, Variant

from .spec import ExamSpec, Student


@dataclass(frozen=True)
class Question:
    number: int  # 1-based across the whole exam
    section: str
    template: str
    seed: int
    difficulty: str
    points: float
    variant: Variant

    @functools.cached_property  # every renderer asks for it, per slot
    def slot_points(self) -> dict[str, float]:
        """The question's points shared over its slots in the template's proportions, in steps of 0.5
        (0.25 or 0.01 when the slots are many), by largest remainder so they add up exactly. Every slot gets
        at least one step: a part worth nothing would still be asked. Parts of equal weight get equal points
        where steps of 0.25 allow it and steps of 0.5 do not (six like table cells sharing 7.5 points)."""
        slots = self.variant.slots
        per_slot = self.points / len(slots)
        unit = Fraction(1, 2) if per_slot >= 1 else Fraction(1, 4) if per_slot >= 0.25 else Fraction(1, 100)
        weights = [Fraction(s.points).limit_denominator(10**6) for s in slots]
        given = self._steps(unit, weights)
        if unit == Fraction(1, 2) and not _fair(weights, given) and _fair(weights, finer := self._steps(unit / 2, weights)):
            unit, given = unit / 2, finer
        return {s.id: float(g * unit) for s, g in zip(slots, given)}

    def _steps(self, unit: Fraction, weights: list[Fraction]) -> list[int]:
        """The number of ``unit`` steps each slot gets."""
        units = round(Fraction(self.points).limit_denominator(10**6) / unit)
        shares = [units * w / sum(weights) for w in weights]
        given = [int(x) for x in shares]
        order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - given[i]), i))
        for i in order[: units - sum(given)]:
            given[i] += 1
        if units < len(weights):
            raise ValueError(f"question {self.number}: {self.points:g} points cannot give each of its {len(weights)} "
                             f"parts a share")
        for i in range(len(weights)):  # a slot of small weight rounded to nothing takes a step from the largest share
            if not given[i]:
                given[given.index(max(given))] -= 1
                given[i] = 1
        return given

    def grade_id(self, slot_id: str) -> str:
        return f"q{self.number}-{slot_id}"


@dataclass(frozen=True)
class Paper:
    student: Student
    spec: ExamSpec
    questions: tuple[Question, ...]

    @property
    def version_code(self) -> str:
        """A short code printed on the paper: equal codes mean identical questions."""
        ids = "|".join(q.variant.variant_id for q in self.questions)
        return hashlib.sha256(ids.encode()).hexdigest()[:8].upper()

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


def _fair(weights: list[Fraction], given: list[int]) -> bool:
    """Whether slots of equal weight got equal steps."""
    steps: dict[Fraction, set[int]] = {}
    for w, g in zip(weights, given):
        steps.setdefault(w, set()).add(g)
    return all(len(s) == 1 for s in steps.values())


def derive_seed(master: int, student_id: str, position: int, purpose: str = "variant") -> int:
    """A 63-bit seed for one (student, question position); ``purpose`` separates independent draws."""
    digest = hashlib.sha256(f"{master}\0{student_id}\0{position}\0{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def assemble(spec: ExamSpec, student: Student, templates: Mapping[str, Template]) -> Paper:
    """One student's paper. A pool's draw that is already on the paper (a question of its own, or another
    pool's draw) is replaced by a draw among the pool's templates not yet on it, when there is one: a
    student gets no template twice unless the spec asks for it. Draws without such a clash are unchanged."""
    questions = []
    used = {q.templates[0] for q in spec.questions if not q.is_pool}
    number = 0
    for section in spec.sections:
        for q in section.questions:
            number += 1
            if q.is_pool:
                draw = derive_seed(spec.seed, student.id, number, "pool")
                template_id = q.templates[draw % len(q.templates)]
                fresh = [t for t in q.templates if t not in used]
                if template_id in used and fresh:
                    template_id = fresh[draw % len(fresh)]
            else:
                template_id = q.templates[0]
            used.add(template_id)
            seed = derive_seed(spec.seed, student.id, number)
            variant = templates[template_id].variant(seed, q.difficulty)
            questions.append(Question(number, section.title, template_id, seed, q.difficulty, q.points, variant))
    return Paper(student, spec, tuple(questions))
