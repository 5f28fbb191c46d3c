"""Canvas gradebook import CSV.

Columns ``Student, ID, SIS User ID, SIS Login ID, Section`` then one assignment column ``Title (id)``
(a title without an id makes Canvas create a new assignment), and a ``Points Possible`` row under the
header, as Canvas's own export has. Students are matched by the Canvas user id when the submission came
from a Canvas download (it is part of the file name), else by the roster id as SIS User ID.

Only students with a grade get a row: Canvas leaves the students a file does not list unchanged, while
an empty cell would clear a grade already in Canvas. Names and sections are made inert for spreadsheets.
"""

from __future__ import annotations

import csv
import io

from ..identify import lms_of
from .data import Book, cell_text, name_parts, number

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def render(book: Book, assignment_id: str = "") -> str:
    if assignment_id and not (assignment_id.isascii() and assignment_id.isdigit()):
        raise ValueError(f"--assignment-id: expected the number in the assignment's Canvas address "
                         f"(.../assignments/NUMBER), got {assignment_id!r}")
    title = book.title or "cnnexam"
    column = f"{title} ({assignment_id})" if assignment_id else title
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow([*HEADER, column])
    rows.writerow(["    Points Possible", "", "", "", "", number(book.points)])
    for s in book.graded:
        canvas_user = s.current.lms_user if lms_of(s.current.path) == "canvas" else ""
        rows.writerow([cell_text(sortable_name(s.name)), canvas_user, s.id, "", cell_text(s.section),
                       number(s.current.score)])
    return out.getvalue()



def sortable_name(name: str) -> str:
    """"Ada Lovelace" -> "Lovelace, Ada", the way Canvas lists students; a name already written with its
    surname first is kept."""
    given, last = name_parts(name)
    return f"{last}, {given}" if given else last
