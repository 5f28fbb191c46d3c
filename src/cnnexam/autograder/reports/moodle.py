"""Moodle grade import CSV: identifier columns (``ID number`` and ``Email address``; map either to the
user field in Moodle's import), one grade item column titled after the exam, and its feedback column
(the points per question). A student without a graded submission gets empty cells."""

from __future__ import annotations

import csv
import io

from .data import Book, number


def render(book: Book) -> str:
    title = book.title or "cnnexam"
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow(["First name", "Surname", "ID number", "Email address", title, f"{title} (feedback)"])
    for s in book.students:
        first, last = split_name(s.name)
        grade = feedback = ""
        if s.graded and s.current is not None and s.current.score is not None:
            grade = number(s.current.score)
            scores = s.question_scores()
            feedback = "; ".join(f"Q{q.number} {number(scores[q.number])}/{number(q.points)}" for q in s.questions)
        rows.writerow([first, last, s.id, s.email, grade, feedback])
    return out.getvalue()


def split_name(name: str) -> tuple[str, str]:
    """(first name, surname): "Ada Lovelace" and "Lovelace, Ada" both give ("Ada", "Lovelace")."""
    if "," in name:
        last, first = name.split(",", 1)
        return first.strip(), last.strip()
    first, _, last = name.strip().rpartition(" ")
    return first, last
