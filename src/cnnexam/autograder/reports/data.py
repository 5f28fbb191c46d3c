"""A gradebook read back for reporting: the roster in order, and each student's current submission.

Only a student's current (newest) submission is reported. Its score counts only when its status is
``graded``: a flagged or rejected submission leaves the student's grade blank until a grader accepts it
(``cnnexam review``); a submission set aside there is never current.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Slot:
    grade_id: str
    question: int
    slot: str
    label: str
    points: float
    earned: float
    status: str
    feedback: str
    misconception: str | None
    answer: str


@dataclass(frozen=True)
class Question:
    number: int
    template: str
    title: str
    points: float


@dataclass(frozen=True)
class Current:
    """A student's current submission."""

    path: str
    status: str
    message: str
    score: float | None
    max: float | None
    lms_user: str
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class StudentRecord:
    id: str
    name: str
    email: str
    section: str
    questions: tuple[Question, ...]
    current: Current | None  # None: nothing handed in

    @property
    def graded(self) -> bool:
        return self.current is not None and self.current.status == "graded"

    def question_scores(self) -> dict[int, float]:
        """question number -> points earned (graded submissions only)."""
        scores = {q.number: 0.0 for q in self.questions}
        for s in self.current.slots if self.current else ():
            scores[s.question] = round(scores.get(s.question, 0.0) + s.earned, 4)
        return scores


@dataclass(frozen=True)
class Book:
    course: str
    title: str
    points: float
    students: tuple[StudentRecord, ...]

    @property
    def graded(self) -> list[StudentRecord]:
        return [s for s in self.students if s.graded]


def load_book(path: str | Path) -> Book:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such gradebook (`cnnexam grade` writes one)")
    db = sqlite3.connect(path)
    try:
        return _read(db)
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{path}: not a cnnexam gradebook ({error})") from None
    finally:
        db.close()


def _read(db: sqlite3.Connection) -> Book:
    meta = dict(db.execute("SELECT key, value FROM exam"))
    questions: dict[str, list[Question]] = {}
    for student, *q in db.execute("SELECT student, number, template, title, points FROM questions ORDER BY student, number"):
        questions.setdefault(student, []).append(Question(*q))
    slots: dict[int, list[Slot]] = {}
    for submission, *row in db.execute(
            "SELECT r.submission, r.grade_id, r.question, r.slot, r.label, r.points, r.earned, r.status, r.feedback,"
            " r.misconception, r.answer FROM results r JOIN submissions s ON s.id = r.submission"
            " WHERE s.current = 1 ORDER BY r.submission, r.question, r.rowid"):
        slots.setdefault(submission, []).append(Slot(*row))
    current = {}
    for sid, student, *row in db.execute(
            "SELECT id, student, path, status, message, score, max, lms_user FROM submissions WHERE current = 1"):
        current[student] = Current(*row, slots=tuple(slots.get(sid, ())))
    students = tuple(
        StudentRecord(sid, name, email, section, tuple(questions.get(sid, ())), current.get(sid))
        for sid, name, email, section in db.execute("SELECT id, name, email, section FROM students ORDER BY position"))
    return Book(meta.get("course", ""), meta.get("title", ""), float(meta.get("points", 0)), students)


def without_grade(book: Book) -> dict[str, list[str]]:
    """The ids of the students who have no grade to export, by reason, in roster order."""
    reasons: dict[str, list[str]] = {}
    for s in book.students:
        if not s.graded:
            reason = "never handed anything in" if s.current is None else \
                "awaiting review" if s.current.status == "flagged" else "rejected"
            reasons.setdefault(reason, []).append(s.id)
    return reasons


_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def name_parts(name: str) -> tuple[str, str]:
    """(given names, surname) of a roster name written "Ada Lovelace" or "Lovelace, Ada"; a suffix after a
    comma ("Martin Luther King, Jr.") stays with the surname."""
    name = " ".join(name.split())
    if "," in name:
        before, after = (part.strip() for part in name.split(",", 1))
        if after.rstrip(".").lower() not in _SUFFIXES:
            return after, before
        given, _, last = before.rpartition(" ")
        return given, f"{last} {after}"
    given, _, last = name.rpartition(" ")
    return given, last


def cell_text(text: str) -> str:
    """A CSV cell that is shown, never matched on (a name, a section), made inert for spreadsheets:
    one that starts like a formula (= + - @, or a tab or return) gets a leading apostrophe, so Excel or
    LibreOffice shows it instead of running it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def number(value: float) -> str:
    """Points as people write them: 84, 12.5, 0.3333 (never 84.0 or 1e-05)."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
