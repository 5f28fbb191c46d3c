"""Stress test of a template over many seeds (R/exams' ``stresstest_exercise``, as data).

For each seed (difficulties taken in turn) it builds the variant and checks what an exam relies on:
the key grades as full marks; each misconception grades below full and is recognised by name on every
slot it affects; malformed answers are format errors, never crashes; every slot is placed exactly once;
the variant serializes to JSON; variants of one difficulty differ from seed to seed; and where an answer's
size is part of the question, the points of the parts do not change with it (they would give it away).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from .answers import AnswerFormatError
from .grading import CORRECT, FORMAT_ERROR, MISSING, grade_variant, key_as_raw, raw_text
from .template import Template, Variant, check_blocks_cover_slots

# What students hand in when things go wrong; each must be graded (never raise), and none may score
# unless the slot's type reads it as a legitimate answer (``"abc"`` is a multiple-choice pick).
MALFORMED = ("", "   ", "[[", "abc", "9**9**9", "[[1, 2], [3]]", "__import__('os').system('true')",
             "1e999", "[" * 200, "None", "{}", "(1, 2", "🙂", "\x00", None, 12345678901234567890123, [1, [2]],
             {"a": 1}, float("nan"), "1/0")
MAX_SAME_PAIRS = 0.05


@dataclass
class StressReport:
    template: str
    seeds: int
    failures: int = 0
    first_failure: str = ""
    seconds: float = 0.0
    distinct: int = 0
    same_pairs: float = 0.0
    key_not_full: int = 0
    misconception_not_recognised: int = 0
    misconception_scores_full: int = 0
    malformed_crashes: int = 0
    malformed_scored: int = 0
    placement_problems: int = 0
    choice_collisions: int = 0
    revealing_splits: list[str] = field(default_factory=list)  # difficulties whose point split varies
    spread: dict[str, str] = field(default_factory=dict)
    misconception_counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def ms_per_variant(self) -> float:
        return 1000 * self.seconds / max(1, self.seeds)

    @property
    def ok(self) -> bool:
        return not self.problems


def stress(template: Template, seeds: int, start: int = 0) -> StressReport:
    report = StressReport(template.id, seeds)
    by_difficulty: dict[str, list[str]] = {d: [] for d in template.difficulties}
    answers_seen: dict[str, list] = {}
    splits: dict[str, set] = {}  # difficulty -> the slots' weights of variants hiding an answer's size
    t0 = time.perf_counter()
    for i in range(start, start + seeds):
        difficulty = template.difficulties[i % len(template.difficulties)]
        try:
            variant = template.variant(i, difficulty)
            json.dumps(variant.to_json())
        except Exception as error:  # noqa: BLE001 - the report names whatever broke
            report.failures += 1
            report.first_failure = report.first_failure or f"seed {i} ({difficulty}): {type(error).__name__}: {error}"
            continue
        by_difficulty[difficulty].append(variant.variant_id)
        _check_variant(variant, report)
        if any(getattr(slot.type, "shape_given", True) is False for slot in variant.slots):
            splits.setdefault(difficulty, set()).add(tuple((slot.id, slot.points) for slot in variant.slots))
        for slot in variant.slots:
            answers_seen.setdefault(slot.id, []).append(variant.answers[slot.id])
    report.seconds = time.perf_counter() - t0
    report.distinct = sum(len(set(ids)) for ids in by_difficulty.values())
    report.same_pairs = _same_pair_share(by_difficulty)
    report.spread = {slot: _spread(values) for slot, values in answers_seen.items()}
    report.revealing_splits = [d for d, seen in splits.items() if len(seen) > 1]
    _collect_problems(report)
    return report


def _check_variant(variant: Variant, report: StressReport) -> None:
    results = grade_variant(variant, key_as_raw(variant))
    if any(r.status != CORRECT for r in results):
        report.key_not_full += 1
        bad = next(r for r in results if r.status != CORRECT)
        report.first_failure = report.first_failure or f"seed {variant.seed}: key for {bad.slot} graded {bad.status}: {bad.feedback}"
    slots = {s.id: s for s in variant.slots}
    for m in variant.misconceptions:
        report.misconception_counts[m.name] += 1
        raw = key_as_raw(variant)
        raw.update({k: raw_text(slots[k], v) for k, v in m.answers.items()})
        results = {r.slot: r for r in grade_variant(variant, raw)}
        if sum(r.earned for r in results.values()) >= variant.points:
            report.misconception_scores_full += 1
        recognised = {k: results[k].misconception == m.name or m.name in results[k].also_matches for k in m.answers}
        if not all(recognised.values()):
            report.misconception_not_recognised += 1
            k = next(k for k, ok in recognised.items() if not ok)
            report.first_failure = report.first_failure or (
                f"seed {variant.seed}: misconception {m.name} on {k} graded as {results[k].misconception!r}: {results[k].feedback}")
    for slot in variant.slots:
        for raw in MALFORMED:
            try:
                (result,) = grade_variant(_only(variant, slot.id), {slot.id: raw})
            except Exception as error:  # noqa: BLE001
                report.malformed_crashes += 1
                report.first_failure = report.first_failure or f"seed {variant.seed}: {slot.id} crashed on {raw!r}: {error!r}"
                continue
            if result.earned > 0 and not _readable(slot, raw):
                report.malformed_scored += 1
                report.first_failure = report.first_failure or f"seed {variant.seed}: {slot.id} scored on malformed {raw!r}"
    report.placement_problems += bool(check_blocks_cover_slots(variant))


def _only(variant: Variant, slot_id: str) -> Variant:
    from dataclasses import replace

    return replace(variant, slots=tuple(s for s in variant.slots if s.id == slot_id))


def _readable(slot, raw) -> bool:
    """Whether ``raw`` is a legitimate answer for this slot after all (``"abc"`` ticks A, B and C)."""
    try:
        slot.type.parse(raw)
    except AnswerFormatError:
        return False
    return True


def _same_pair_share(by_difficulty: dict[str, list[str]]) -> float:
    same = total = 0
    for ids in by_difficulty.values():
        n = len(ids)
        total += n * (n - 1) // 2
        same += sum(c * (c - 1) // 2 for c in Counter(ids).values())
    return same / total if total else 0.0


def _spread(values: list) -> str:
    distinct = len({json.dumps(_plain(v), sort_keys=True) for v in values})
    scalars = [v for v in values if isinstance(v, (int, Fraction)) and not isinstance(v, bool)]
    if len(scalars) == len(values) and scalars:
        return f"{min(scalars)}..{max(scalars)} ({distinct} distinct)"
    return f"{distinct} distinct"


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def _collect_problems(r: StressReport) -> None:
    checks = [
        (r.failures, "variants failed to build"),
        (r.key_not_full, "keys did not grade as full marks"),
        (r.misconception_scores_full, "misconceptions scored full marks"),
        (r.misconception_not_recognised, "misconceptions were not recognised by name"),
        (r.malformed_crashes, "malformed answers crashed the grader"),
        (r.malformed_scored, "malformed answers earned points"),
        (r.placement_problems, "variants place a slot other than exactly once"),
        (r.choice_collisions, "variants have colliding choices"),
    ]
    r.problems = [f"{n} {what}" for n, what in checks if n]
    if r.revealing_splits:
        r.problems.append(f"the points of the parts vary from variant to variant at {', '.join(r.revealing_splits)} "
                          "difficulty although an answer's size is hidden: they give the size away")
    if r.same_pairs > MAX_SAME_PAIRS:
        r.problems.append(f"{r.same_pairs:.1%} of seed pairs give the same variant (at most {MAX_SAME_PAIRS:.0%})")
    if r.first_failure and r.problems:
        r.problems.append("first: " + r.first_failure)


__all__ = ["stress", "StressReport", "MALFORMED", "FORMAT_ERROR", "MISSING"]
