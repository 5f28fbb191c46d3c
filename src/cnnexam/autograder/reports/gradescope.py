"""Gradescope results: ``OUT/<student id>/results.json`` for each student with a graded submission, one
test per question (score, max_score, status, output, visibility ``after_published``), in the format of
Gradescope's autograder specification. Output is plain text (``output_format: text``)."""

from __future__ import annotations

import json
from pathlib import Path

from .data import Book, number

VISIBILITY = "after_published"


def results(book: Book, student) -> dict:
    scores = student.question_scores()
    tests = []
    for q in student.questions:
        lines = [f"{s.label}: {s.feedback}" for s in student.current.slots if s.question == q.number]
        tests.append({"name": f"Question {q.number}: {q.title}", "number": str(q.number),
                      "score": scores[q.number], "max_score": q.points,
                      "status": "passed" if scores[q.number] >= q.points else "failed",
                      "output": "\n".join(lines), "output_format": "text", "visibility": VISIBILITY})
    return {"score": student.current.score, "output": f"{book.title}: {number(student.current.score)} of "
                                                      f"{number(student.current.max)} points",
            "output_format": "text", "visibility": VISIBILITY, "stdout_visibility": "hidden", "tests": tests}


def files(out: Path, student_id: str) -> list[Path]:
    """The file this export writes for a student."""
    return [out / student_id / "results.json"]


def write(book: Book, out: Path) -> set[Path]:
    written = set()
    for student in book.graded:
        (path,) = files(out, student.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results(book, student), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.add(path)
    return written
