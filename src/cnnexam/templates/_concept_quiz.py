"""Shared machinery of the concept templates: questions drawn from fact banks.

A concept template keeps its facts as data, each with its source, and builds a variant from a few
*parts*: a true/false statement, a single-choice question, a multiple-choice question whose options are
statements, a short answer with accepted synonyms, or a computed part of the template's own. A wrong
belief attached to a statement or an option becomes a named misconception, so feedback can tell a
student which belief led to the wrong pick. Params store only ids and option orders, so a variant is a
pure function of them.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from cnnexam.model import (
    AnswerBox,
    Bullets,
    Misconception,
    MultipleChoiceAnswer,
    ShortTextAnswer,
    SingleChoiceAnswer,
    Slot,
    Template,
    Text,
    TrueFalseAnswer,
)

LETTERS = "ABCDEFGH"
TAGS = "abcdefgh"


@dataclass(frozen=True)
class Belief:
    """A wrong belief behind a wrong answer; it becomes the misconception ``name``."""

    name: str
    description: str  # completes "it looks like you ..."
    fix: str


@dataclass(frozen=True)
class Claim:
    """A true or false statement, the fact that settles it and where that fact is from.

    ``belief`` is what a student who judges the statement wrongly believes. Items sharing a group
    never appear in the same variant (one would give the other away); no groups means the id alone.
    """

    id: str
    text: str
    true: bool
    why: str
    source: str
    belief: Belief | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    text: str
    belief: Belief | None = None  # held by a student who picks this wrong option


@dataclass(frozen=True)
class Choice:
    """A single-choice question; ``options[0]`` is the right answer."""

    id: str
    prompt: str
    options: tuple[Option, ...]
    why: str
    source: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Multi:
    """A multiple-choice question with its own prompt; each option is a claim (true = should be ticked)."""

    id: str
    prompt: str
    options: tuple[Claim, ...]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recall:
    """A short answer: the canonical answer, its accepted synonyms, and wrong answers with their belief."""

    id: str
    prompt: str
    answer: str
    accepted: tuple[str, ...]
    why: str
    source: str
    confusions: tuple[Option, ...] = ()
    groups: tuple[str, ...] = ()


class Part(ABC):
    """One question of a variant: its slots (ids start with ``tag``), keys, blocks and beliefs."""

    @abstractmethod
    def slots(self, tag: str) -> list[Slot]: ...

    @abstractmethod
    def keys(self, tag: str) -> dict[str, Any]: ...

    @abstractmethod
    def question(self, tag: str) -> list: ...

    @abstractmethod
    def solution(self, tag: str) -> list: ...

    def beliefs(self, tag: str) -> list[tuple[Belief, dict[str, Any]]]:
        return []


def _cite(source: str) -> str:
    return f" (Source: {source}.)"


class TrueFalse(Part):
    def __init__(self, claim: Claim):
        self.claim = claim

    def slots(self, tag):
        return [Slot(tag, TrueFalseAnswer(), 1, "true or false")]

    def keys(self, tag):
        return {tag: self.claim.true}

    def question(self, tag):
        return [Text(f"({tag}) True or false? {self.claim.text}"), AnswerBox(tag)]

    def solution(self, tag):
        return [Text(f"({tag}) {'True' if self.claim.true else 'False'}. {self.claim.why}{_cite(self.claim.source)}")]

    def beliefs(self, tag):
        return [(self.claim.belief, {tag: not self.claim.true})] if self.claim.belief else []


class SingleChoice(Part):
    """``order[i]`` is the index in ``choice.options`` of the i-th option shown."""

    def __init__(self, choice: Choice, order: Sequence[int]):
        self.choice, self.order = choice, tuple(order)
        self.shown = tuple(choice.options[i] for i in self.order)

    def slots(self, tag):
        return [Slot(tag, SingleChoiceAnswer(tuple(o.text for o in self.shown)), 1, "single choice")]

    def keys(self, tag):
        return {tag: self.order.index(0)}

    def question(self, tag):
        return [Text(f"({tag}) {self.choice.prompt} Choose one."), AnswerBox(tag)]

    def solution(self, tag):
        k = self.order.index(0)
        return [Text(f"({tag}) {LETTERS[k]}) {self.shown[k].text}. {self.choice.why}{_cite(self.choice.source)}")]

    def beliefs(self, tag):
        return [(o.belief, {tag: i}) for i, o in enumerate(self.shown) if o.belief]


class MultipleChoice(Part):
    """Tick every true statement among ``claims`` (shown in this order); worth 2 points."""

    def __init__(self, prompt: str, claims: Sequence[Claim]):
        self.prompt, self.claims = prompt, tuple(claims)

    def slots(self, tag):
        return [Slot(tag, MultipleChoiceAnswer(tuple(c.text for c in self.claims)), 2, "multiple choice")]

    def keys(self, tag):
        return {tag: frozenset(i for i, c in enumerate(self.claims) if c.true)}

    def question(self, tag):
        return [Text(f"({tag}) {self.prompt} Choose every one that applies."), AnswerBox(tag)]

    def solution(self, tag):
        key = self.keys(tag)[tag]
        items = tuple(f"{LETTERS[i]}) {'True' if c.true else 'False'}: {c.why}{_cite(c.source)}"
                      for i, c in enumerate(self.claims))
        return [Text(f"({tag}) {', '.join(LETTERS[i] for i in sorted(key))}."), Bullets(items)]

    def beliefs(self, tag):
        # One answer per belief: a student holding it misjudges every statement that rests on it.
        key = self.keys(tag)[tag]
        by_name: dict[str, tuple[Belief, set[int]]] = {}
        for i, c in enumerate(self.claims):
            if c.belief:
                by_name.setdefault(c.belief.name, (c.belief, set()))[1].add(i)
        # An empty pick reads as "no answer", so a belief that would tick nothing is left out.
        return [(belief, {tag: key ^ frozenset(flipped)}) for belief, flipped in by_name.values()
                if key ^ frozenset(flipped)]


class ShortAnswer(Part):
    def __init__(self, recall: Recall):
        self.recall = recall

    def slots(self, tag):
        return [Slot(tag, ShortTextAnswer(self.recall.accepted), 1, "short answer")]

    def keys(self, tag):
        return {tag: self.recall.answer}

    def question(self, tag):
        return [Text(f"({tag}) {self.recall.prompt} Answer with a name or a short phrase."), AnswerBox(tag)]

    def solution(self, tag):
        return [Text(f"({tag}) {self.recall.answer}. {self.recall.why}{_cite(self.recall.source)}")]

    def beliefs(self, tag):
        return [(o.belief, {tag: o.text}) for o in self.recall.confusions if o.belief]


class ConceptTemplate(Template):
    """A template assembled from parts; subclasses implement ``generate`` and ``parts``."""

    topic = "concepts"
    intro: ClassVar[str] = ""

    @abstractmethod
    def parts(self, params) -> Sequence[Part]:
        """The parts of the variant described by ``params``, in order."""

    @functools.lru_cache(maxsize=64)  # the model asks for keys, slots, blocks and misconceptions in turn
    def _tagged(self, params):
        return tuple(zip(TAGS, self.parts(params)))

    def solve(self, params):
        return {k: v for tag, part in self._tagged(params) for k, v in part.keys(tag).items()}

    def slots(self, params):
        return tuple(s for tag, part in self._tagged(params) for s in part.slots(tag))

    def question(self, params):
        return (Text(self.intro), *(b for tag, part in self._tagged(params) for b in part.question(tag)))

    def solution(self, params, answers: Mapping[str, Any]):
        return tuple(b for tag, part in self._tagged(params) for b in part.solution(tag))

    def misconceptions(self, params, answers):
        merged: dict[str, tuple[Belief, dict[str, Any]]] = {}
        for tag, part in self._tagged(params):
            for belief, wrong in part.beliefs(tag):
                merged.setdefault(belief.name, (belief, {}))[1].update(wrong)
        return tuple(Misconception(b.name, b.description, b.fix, wrong) for b, wrong in merged.values())


def distinct(key, candidates: Sequence[tuple[Belief, Any]]) -> list[tuple[Belief, Any]]:
    """The candidates (belief, answer) of one slot whose answers differ from the key and from each earlier
    one: two beliefs with the same answer could not be told apart."""
    seen, kept = [key], []
    for belief, answer in candidates:
        if answer not in seen:
            seen.append(answer)
            kept.append((belief, answer))
    return kept


# ---- drawing items from banks ----


def draw(rng: np.random.Generator, pool: Sequence, count: int, taken: set[str]) -> list:
    """``count`` items of ``pool`` in random order, none sharing a group with another or with ``taken``
    (which is updated)."""
    found: list = []
    if count == 0:
        return found
    for i in rng.permutation(len(pool)):
        item = pool[int(i)]
        groups = set(item.groups or (item.id,))
        if not groups & taken:
            taken.update(groups)
            found.append(item)
            if len(found) == count:
                return found
    raise ValueError(f"the bank has too few independent items for {count} more")


def draw_claims(rng: np.random.Generator, claims: Sequence[Claim], count: int, true_range: tuple[int, int],
                taken: set[str]) -> list[Claim]:
    """``count`` claims with between ``true_range`` true ones (inclusive, as far as the bank allows),
    shuffled."""
    n_true_pool = sum(c.true for c in claims)
    lo, hi = max(true_range[0], count - (len(claims) - n_true_pool)), min(true_range[1], n_true_pool)
    n_true = int(rng.integers(lo, hi + 1))
    chosen = draw(rng, [c for c in claims if c.true], n_true, taken)
    chosen += draw(rng, [c for c in claims if not c.true], count - n_true, taken)
    return [chosen[int(i)] for i in rng.permutation(count)]


def subset_order(rng: np.random.Generator, n_options: int, shown: int) -> tuple[int, ...]:
    """The right option (index 0) and ``shown - 1`` others of ``n_options``, in random order."""
    picked = [0, *(int(i) + 1 for i in rng.permutation(n_options - 1)[: shown - 1])]
    return tuple(picked[int(i)] for i in rng.permutation(shown))


def entry(kind: str, *fields) -> tuple:
    """A part as params: ``("tf", claim_id)``, ``("sc", choice_id, order)``, ``("mc", multi_id, claim_ids)``,
    ``("short", recall_id)``; decoded by :func:`decode`."""
    return (kind, *fields)


def decode(item: tuple, claims: Mapping[str, Claim], choices: Mapping[str, Choice] | None = None,
           multis: Mapping[str, Multi] | None = None, recalls: Mapping[str, Recall] | None = None,
           true_prompt: str = "Which of these statements are true?") -> Part:
    """The part that :func:`entry` encoded, looked up in the template's banks (by id)."""
    choices, multis, recalls = choices or {}, multis or {}, recalls or {}
    kind = item[0]
    if kind == "tf":
        return TrueFalse(claims[item[1]])
    if kind == "sc":
        return SingleChoice(choices[item[1]], item[2])
    if kind == "mc":
        multi = multis.get(item[1])
        if multi is None:
            return MultipleChoice(true_prompt, [claims[c] for c in item[2]])
        options = {c.id: c for c in multi.options}
        return MultipleChoice(multi.prompt, [options[c] for c in item[2]])
    if kind == "short":
        return ShortAnswer(recalls[item[1]])
    raise ValueError(f"unknown part kind {kind!r}")


def index(items: Sequence) -> dict[str, Any]:
    """Items by id; ids must be unique."""
    found = {item.id: item for item in items}
    if len(found) != len(items):
        raise ValueError("duplicate ids in a fact bank")
    return found
