"""The template contract and the variant it produces.

A template is one randomized problem: it samples frozen params, solves them through the engine, and
describes the question, the answer slots, the worked solution and the misconceptions as format-neutral
data. :meth:`Template.variant` turns (seed, difficulty) into a :class:`Variant`, re-sampling until the
variant is not degenerate (no misconception coincides with the key, choices are distinct, and the
template's own :meth:`Template.degenerate` check passes). A misconception keeps its answers only on the
slots where it is wrong.

A variant is a pure function of (template id, template version, seed, difficulty).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import string
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from .answers import AnswerType, MultipleChoiceAnswer, SingleChoiceAnswer
from .blocks import Block, block_to_json, slots_in
from .numbers import to_jsonable

TOPICS = ("convolution", "pooling", "networks", "forward-backward", "concepts")
DIFFICULTIES = ("easy", "medium", "hard")
MAX_TRIES = 200


class _SolveClock:
    """CPU seconds this process has spent in templates' solve() and misconceptions(): what
    ``cnnexam generate`` reports as solving, apart from sampling and checking variants."""

    seconds = 0.0


SOLVE_CLOCK = _SolveClock()


# The points weight of an answer whose size is part of the question (an output matrix under a neutral
# answer area): the same for every size, so the points printed beside the parts do not give the size away.
# 6 is about the work of a 3x3 to 4x4 matrix next to 1 for its shape.
HIDDEN_SIZE_WEIGHT = 6.0


@dataclass(frozen=True)
class Slot:
    """One answer a question asks for: its id (unique in the question), type, points and a short label."""

    id: str
    type: AnswerType
    points: float = 1.0
    label: str = ""

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "points": self.points, "type": self.type.spec(),
                "instructions": self.type.instructions()}


@dataclass(frozen=True)
class Misconception:
    """A named wrong way to solve the problem and the answers it gives.

    ``answers`` maps the slots this mistake affects to the answer a student making it would give.
    ``description`` says what the student did ("flipped the kernel: this is the true convolution"),
    ``fix`` how to get it right; both appear in feedback when a wrong answer matches.
    """

    name: str
    description: str
    fix: str
    answers: Mapping[str, Any]


class Params:
    """Marker base for a template's frozen params dataclass (fields named like torch's arguments)."""

    def to_json(self) -> dict:
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Variant:
    """One concrete question: everything needed to render it, grade it and explain it."""

    template: str
    version: int
    title: str
    topic: str
    seed: int
    difficulty: str
    params: Params
    question: tuple[Block, ...]
    slots: tuple[Slot, ...]
    answers: Mapping[str, Any]
    solution: tuple[Block, ...]
    misconceptions: tuple[Misconception, ...]

    @property
    def points(self) -> float:
        return sum(s.points for s in self.slots)

    def slot(self, slot_id: str) -> Slot:
        for s in self.slots:
            if s.id == slot_id:
                return s
        raise KeyError(slot_id)

    def to_json(self) -> dict:
        by_id = {s.id: s for s in self.slots}
        return {
            "template": self.template,
            "version": self.version,
            "title": self.title,
            "topic": self.topic,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "variant_id": self.variant_id,
            "params": self.params.to_json(),
            "answers": {k: by_id[k].type.to_json(v) for k, v in self.answers.items()},
            "misconceptions": {m.name: {k: by_id[k].type.to_json(v) for k, v in m.answers.items()}
                               for m in self.misconceptions},
            "misconception_notes": {m.name: {"description": m.description, "fix": m.fix} for m in self.misconceptions},
            "slots": [s.to_json() for s in self.slots],
            "question": [block_to_json(b) for b in self.question],
            "solution": [block_to_json(b) for b in self.solution],
        }

    @functools.cached_property  # the manifest, notebooks and grading all ask for it
    def variant_id(self) -> str:
        """A short fingerprint of what the student sees and must answer."""
        payload = json.dumps([self.template, self.version, self.params.to_json()], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


class Template(ABC):
    """Subclass, set the class attributes, implement the five methods, and end the module with
    ``TEMPLATE = YourTemplate()``. See ``cnnexam/templates/conv2d_output.py`` for a complete example.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    topic: ClassVar[str]
    version: ClassVar[int] = 1
    difficulties: ClassVar[tuple[str, ...]] = DIFFICULTIES
    answer_kinds: ClassVar[tuple[str, ...]]
    summary: ClassVar[str] = ""

    @abstractmethod
    def generate(self, rng: np.random.Generator, difficulty: str) -> Params:
        """Sample the params of one variant (pleasant numbers, realizable configurations)."""

    @abstractmethod
    def solve(self, params: Params) -> dict[str, Any]:
        """The key: slot id -> exact answer, computed through ``cnnexam.solutions``."""

    @abstractmethod
    def slots(self, params: Params) -> tuple[Slot, ...]:
        """The answer slots with their types and points."""

    @abstractmethod
    def question(self, params: Params) -> tuple[Block, ...]:
        """The prompt as blocks; every slot appears once, as an AnswerBox or a table SlotRef."""

    @abstractmethod
    def solution(self, params: Params, answers: Mapping[str, Any]) -> tuple[Block, ...]:
        """The worked solution as blocks."""

    def misconceptions(self, params: Params, answers: Mapping[str, Any]) -> tuple[Misconception, ...]:
        """Named alternative solvers; the default is none."""
        return ()

    def degenerate(self, params: Params, answers: Mapping[str, Any]) -> str | None:
        """Why this variant is unfit for an exam (all-zero output, a max-pool tie ...), or None."""
        return None

    def variant(self, seed: int, difficulty: str | None = None) -> Variant:
        difficulty = difficulty or self.difficulties[len(self.difficulties) // 2]
        if difficulty not in self.difficulties:
            raise ValueError(f"template {self.id}: difficulty must be one of {', '.join(self.difficulties)}, got {difficulty!r}")
        rng = variant_rng(self.id, seed, difficulty)
        reason = ""
        for _ in range(MAX_TRIES):
            params = self.generate(rng, difficulty)
            started = time.process_time()
            answers = self.solve(params)
            wrong = self.misconceptions(params, answers)
            SOLVE_CLOCK.seconds += time.process_time() - started
            slots = self.slots(params)
            misconceptions, reason = _prune(slots, answers, wrong)
            reason = reason or self.degenerate(params, answers) or _duplicate_options(slots)
            if not reason:
                return Variant(self.id, self.version, self.title, self.topic, seed, difficulty, params,
                               tuple(self.question(params)), tuple(slots), answers,
                               tuple(self.solution(params, answers)), tuple(misconceptions))
        raise RuntimeError(f"template {self.id}: no usable variant in {MAX_TRIES} tries (last reason: {reason})")


def variant_rng(template_id: str, seed: int, difficulty: str) -> np.random.Generator:
    """The random stream of one variant; independent across templates, seeds and difficulties."""
    digest = hashlib.sha256(f"{template_id}\0{difficulty}".encode()).digest()
    key = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed) & (2**64 - 1), *key])))


def _prune(slots, answers, misconceptions) -> tuple[tuple[Misconception, ...], str]:
    """Keep each misconception's answers only on the slots where it is wrong; a misconception that is
    right everywhere (it coincides with the key) makes the variant unusable: the reason says which."""
    by_id = {s.id: s for s in slots}
    if set(by_id) != set(answers):
        raise RuntimeError(f"slots {sorted(by_id)} and answers {sorted(answers)} differ")
    kept = []
    for m in misconceptions:
        wrong = {k: v for k, v in m.answers.items() if by_id[k].type.check(v, answers[k]).score < 1}
        if not wrong:
            return (), f"misconception {m.name} gives the key"
        kept.append(dataclasses.replace(m, answers=wrong))
    names = [m.name for m in kept]
    if len(set(names)) != len(names):
        raise RuntimeError(f"misconception names repeat: {names}")
    return tuple(kept), ""


def _duplicate_options(slots) -> str:
    for s in slots:
        if isinstance(s.type, (SingleChoiceAnswer, MultipleChoiceAnswer)):
            normal = [" ".join(o.casefold().split()) for o in s.type.options]
            if len(set(normal)) != len(normal):
                return f"slot {s.id} has duplicate options"
    return ""


def slot_letters(slots) -> dict[str, str]:
    """The part letter each slot is printed with on a paper: (a), (b), ... in slots() order."""
    return {slot.id: string.ascii_lowercase[i] for i, slot in enumerate(slots)}


def check_blocks_cover_slots(variant: Variant) -> list[str]:
    """Problems with how the question places its slots (each slot exactly once)."""
    placed = slots_in(variant.question)
    ids = [s.id for s in variant.slots]
    problems = [f"slot {i} is placed {placed.count(i)} times" for i in ids if placed.count(i) != 1]
    problems += [f"the question places unknown slot {i}" for i in placed if i not in ids]
    if not problems and placed != ids:  # papers letter the answers (a), (b), ... in slots() order
        problems.append(f"the question places the slots in the order {placed}, slots() declares {ids}")
    return problems
