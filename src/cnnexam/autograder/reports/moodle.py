"""Moodle grade import CSV: identifier columns (``ID number`` and ``Email address``; map either to the
user field in Moodle's import), one grade item column titled after the exam, and its feedback column
(the points per question).

Only students with a grade get a row: an empty cell would count as 0 in a new grade item and delete a
grade in an existing one, and a row Moodle cannot match to a user stops the whole import. Names are made
inert for spreadsheets.
"""

from __future__ import annotations

import csv
import io

from .data import Book, cell_text, name_parts, number

# The largest grade a grade item that Moodle's import creates accepts.
NEW_ITEM_MAXIMUM = 100


def render(book: Book) -> str:
    title = book.title or "cnnexam"
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow(["First name", "Surname", "ID number", "Email address", title, f"{title} (feedback)"])
    for s in book.graded:
        first, last = name_parts(s.name)
        scores = s.question_scores()
        feedback = "; ".join(f"Q{q.number} {number(scores[q.number])}/{number(q.points)}" for q in s.questions)
        rows.writerow([cell_text(first), cell_text(last), s.id, s.email, number(s.current.score), feedback])
    return out.getvalue()

