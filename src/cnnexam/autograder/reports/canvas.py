"""Canvas gradebook import CSV.

Columns ``Student, ID, SIS User ID, SIS Login ID, Section`` then one assignment column ``Title (id)``
(a title without an id makes Canvas create a new assignment), and a ``Points Possible`` row under the
header, as Canvas's own export has. Students are matched by the Canvas user id when the submission came
from a Canvas download (it is part of the file name), else by the roster id as SIS User ID. A student
without a graded submission gets an empty cell, which Canvas leaves unchanged.
"""

from __future__ import annotations

import csv
import io

from .data import Book, number

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def render(book: Book, assignment_id: str = "") -> str:
    title = book.title or "cnnexam"
    column = f"{title} ({assignment_id})" if assignment_id else title
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow([*HEADER, column])
    rows.writerow(["    Points Possible", "", "", "", "", number(book.points)])
    for s in book.students:
        user = s.current.lms_user if s.current and s.current.lms_user.isdigit() else ""
        score = number(s.current.score) if s.graded and s.current.score is not None else ""
        rows.writerow([sortable_name(s.name), user, s.id, "", s.section, score])
    return out.getvalue()


def sortable_name(name: str) -> str:
    """"Ada Lovelace" -> "Lovelace, Ada", the way Canvas lists students."""
    if "," in name or " " not in name.strip():
        return name
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"
