"""Class statistics over the graded (current) submissions: item analysis per question and a histogram.

Per question position: the mean points, the item difficulty (the mean share of the question's points
earned: 1 is easy, 0 is hard), the discrimination (the item-rest correlation: Pearson's r between the
question's share of points and the rest of the exam, i.e. the total without this question, so a question
does not correlate with itself; with right/wrong questions it is the point-biserial), and the
misconceptions most often recognised in its answers (each counted once per student).
Writes ``stats.md``, ``stats.json`` and ``histogram.png`` (total score in 10% bins) to a folder, or returns
the Markdown when no folder is given.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from . import png
from .data import Book, number

TOP_MISCONCEPTIONS = 3
BINS = 10


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation; None when either variable does not vary (or there are fewer than 2 values)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def compute(book: Book) -> dict:
    graded = book.graded
    totals = [s.current.score for s in graded]
    numbers = sorted({q.number for s in graded for q in s.questions})
    questions = []
    for n in numbers:
        earned, shares, rests, templates, seen = [], [], [], Counter(), Counter()
        points = 0.0
        for s, total in zip(graded, totals):
            question = next((q for q in s.questions if q.number == n), None)
            if question is None:
                continue
            score = s.question_scores()[n]
            points = max(points, question.points)
            earned.append(score)
            shares.append(score / question.points if question.points else 0.0)
            rests.append(total - score)
            templates[f"{question.template}: {question.title}"] += 1
            seen.update({r.misconception for r in s.current.slots if r.question == n and r.misconception})
        count = len(earned)
        discrimination = pearson(shares, rests)
        questions.append({
            "number": n, "templates": dict(templates), "points": points, "students": count,
            "mean": round(sum(earned) / count, 4), "difficulty": round(sum(shares) / count, 4),
            "discrimination": None if discrimination is None else round(discrimination, 4),
            "misconceptions": [{"name": name, "students": k, "share": round(k / count, 4)}
                               for name, k in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MISCONCEPTIONS]],
        })
    shares = [s.current.score / s.current.max if s.current.max else 0.0 for s in graded]
    histogram = [0] * BINS
    for share in shares:
        histogram[min(BINS - 1, max(0, math.floor(share * BINS)))] += 1
    n = len(totals)
    return {
        "course": book.course, "title": book.title, "points": book.points, "students": len(book.students),
        "graded": n, "not_graded": sum(1 for s in book.students if s.current is not None and not s.graded),
        "missing": sum(1 for s in book.students if s.current is None),
        "mean": round(sum(totals) / n, 4) if n else None,
        "sd": round(math.sqrt(sum((t - sum(totals) / n) ** 2 for t in totals) / n), 4) if n else None,
        "min": min(totals, default=None), "max": max(totals, default=None),
        "histogram": {"bins": [f"{100 * i // BINS}-{100 * (i + 1) // BINS}%" for i in range(BINS)], "counts": histogram},
        "questions": questions,
    }


def markdown(stats: dict) -> str:
    def opt(value) -> str:
        return "n/a" if value is None else number(value)

    lines = [f"# {stats['course']}: {stats['title']}: class statistics", "",
             f"{stats['graded']} graded of {stats['students']} students ({stats['not_graded']} awaiting review or "
             f"rejected, {stats['missing']} without a submission).", ""]
    if stats["graded"]:
        lines += [f"Total (of {number(stats['points'])}): mean {opt(stats['mean'])}, standard deviation "
                  f"{opt(stats['sd'])} (of the class, dividing by n), lowest {opt(stats['min'])}, highest {opt(stats['max'])}.", ""]
    lines += ["| question | points | mean | difficulty | discrimination | most common misconceptions |",
              "| --- | --- | --- | --- | --- | --- |"]
    for q in stats["questions"]:
        common = ", ".join(f"{m['name']} ({m['students']})" for m in q["misconceptions"]) or "-"
        lines.append(f"| {q['number']} | {number(q['points'])} | {number(q['mean'])} | {number(q['difficulty'])} | "
                     f"{opt(q['discrimination'])} | {common} |")
    lines += ["", "Difficulty: the mean share of the points earned (1 = everyone right). Discrimination: the "
              "correlation of the question's score with the rest of the exam (item-rest r; below 0.2: the "
              "question separates strong and weak students poorly; negative: check its wording and key).", ""]
    for q in stats["questions"]:
        lines.append(f"- Question {q['number']}: " + "; ".join(f"{name} ({k})" for name, k in q["templates"].items()))
    lines.append("")
    return "\n".join(lines)


def write(book: Book, out: Path | None) -> str | None:
    stats = compute(book)
    text = markdown(stats)
    if out is None:
        return text
    out.mkdir(parents=True, exist_ok=True)
    (out / "stats.md").write_text(text, encoding="utf-8")
    (out / "stats.json").write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    edges = [f"{100 * i // BINS}%" for i in range(BINS + 1)]
    (out / "histogram.png").write_bytes(png.histogram(stats["histogram"]["counts"], edges))
    return None
