"""The gradebook: one SQLite file per exam (stdlib ``sqlite3``, write-ahead log).

Each submission is written in one transaction together with its per-slot results, so a crash (even
``kill -9``) loses at most the submission in flight, and a rerun grades only what is not recorded yet:
a submission is known by its path, its sha256 and the grader version. Rows are never deleted: when a
student has several submissions, the newest (by file time, then path) is ``current`` and the others stay
as history. A submission whose attribution is unconfirmed (``confirmed`` = 0: only what the student controls
names the student, or the witnesses disagree; see ``identify``) is current only while the student has no
confirmed one, so it can never replace another student's result.

A grader acts on a flagged submission with ``cnnexam review`` (see ``review``): *accepting* it makes it
graded and confirmed (attributed to the student the grader names), so it competes for ``current`` like any
confirmed submission; *setting it aside* (``set_aside`` = 1) means it never counts, whatever its time, until
it is restored. Every decision is a row of ``decisions``, keyed by the file (path and sha256) as well as the
row: when a new grader version regrades the file, ``record`` re-applies a set-aside, and an acceptance when
the new grading flags the file for the same reasons (other reasons are left for the grader to review).

Tables: ``exam`` (key/value: spec checksum, course, title, points), ``students`` (the roster, in order),
``questions`` (each student's questions: template, title, points), ``submissions`` (one row per graded
file: status graded/flagged/rejected, message, score), ``results`` (one row per answer slot) and ``decisions``
(what a grader decided about a submission, with the note and the time; never deleted either).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .submissions import printable

GRADED, FLAGGED, REJECTED = "graded", "flagged", "rejected"
ACCEPT, SET_ASIDE, RESTORE = "accept", "set-aside", "restore"  # a grader's decisions (``cnnexam review``)
LOCK_SECONDS = 30  # how long to wait for another program that is writing the gradebook


class GradebookBusy(ValueError):
    """Another program holds the gradebook, or another grading run is recording into it at the same time."""


def now() -> str:
    """The time as the gradebook records it (received, graded, decided): UTC, ISO 8601, milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")

SCHEMA = """
CREATE TABLE IF NOT EXISTS exam (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
    section TEXT NOT NULL, version_code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    student TEXT NOT NULL REFERENCES students(id), number INTEGER NOT NULL, template TEXT NOT NULL,
    title TEXT NOT NULL, points REAL NOT NULL, PRIMARY KEY (student, number));
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    student TEXT REFERENCES students(id),
    paper TEXT REFERENCES students(id),
    lms_user TEXT NOT NULL,
    received TEXT NOT NULL,
    graded TEXT NOT NULL,
    grader TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'flagged', 'rejected')),
    message TEXT NOT NULL,
    score REAL,
    max REAL,
    current INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 1,
    set_aside INTEGER NOT NULL DEFAULT 0,
    UNIQUE (path, sha256, grader));
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (student, current);
CREATE TABLE IF NOT EXISTS results (
    submission INTEGER NOT NULL REFERENCES submissions(id),
    grade_id TEXT NOT NULL,
    question INTEGER NOT NULL,
    slot TEXT NOT NULL,
    label TEXT NOT NULL,
    points REAL NOT NULL,
    earned REAL NOT NULL,
    status TEXT NOT NULL,
    feedback TEXT NOT NULL,
    misconception TEXT,
    answer TEXT NOT NULL,
    PRIMARY KEY (submission, grade_id));
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    submission INTEGER NOT NULL REFERENCES submissions(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'set-aside', 'restore')),
    student TEXT REFERENCES students(id),
    was_status TEXT NOT NULL,
    was_student TEXT,
    was_confirmed INTEGER NOT NULL,
    was_lms_user TEXT NOT NULL,
    note TEXT NOT NULL,
    decided TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_by_file ON decisions (path, sha256);
"""


@dataclass(frozen=True)
class SlotRow:
    grade_id: str
    question: int
    slot: str
    label: str  # "(a) output height and width", as on the paper
    points: float
    earned: float
    status: str
    feedback: str
    misconception: str | None
    answer: str


@dataclass(frozen=True)
class Outcome:
    """Everything recorded about one submission."""

    path: str
    sha256: str
    size: int
    mtime: float
    received: str
    status: str
    message: str
    student: str | None = None
    paper: str | None = None
    lms_user: str = ""
    score: float | None = None
    max: float | None = None
    results: tuple[SlotRow, ...] = ()
    confirmed: bool = True  # False: not counted over a confirmed submission of the same student


class Gradebook:
    def __init__(self, path: str | Path, create: bool = True) -> None:
        """Open the gradebook at ``path``, creating it unless ``create`` is False (then it must exist and be one)."""
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ValueError(f"{self.path}: no such gradebook (`cnnexam grade` writes one)")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=LOCK_SECONDS)
            if not create and not self.db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'submissions'").fetchone():
                self.db.close()
                raise ValueError(f"{self.path}: not a cnnexam gradebook (it has no submissions table)")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable against a killed process
            self.db.execute("PRAGMA foreign_keys=ON")
            with self.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                columns = {row[1] for row in self.db.execute("PRAGMA table_info(submissions)")}
                if "confirmed" not in columns:  # a gradebook from before the column existed
                    self.db.execute("ALTER TABLE submissions ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1")
                if "set_aside" not in columns:  # from before `cnnexam review`
                    self.db.execute("ALTER TABLE submissions ADD COLUMN set_aside INTEGER NOT NULL DEFAULT 0")
        except sqlite3.DatabaseError as error:
            if _locked(error):
                raise self._busy() from None
            raise ValueError(f"{self.path}: cannot be used as a gradebook ({error})") from None

    def _busy(self) -> GradebookBusy:
        return GradebookBusy(f"{self.path}: the gradebook has been locked by another program for more than "
                             f"{LOCK_SECONDS:g} s (another `cnnexam grade` run?); run again when it has finished")

    @contextmanager
    def _guard(self):
        """A locked gradebook as a clear error rather than a traceback."""
        try:
            yield
        except sqlite3.OperationalError as error:
            if _locked(error):
                raise self._busy() from None
            raise

    def transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def bind(self, context) -> None:
        """Tie the gradebook to the exam (refusing another exam's gradebook) and record the roster."""
        with self._guard():
            self._bind(context)

    def _bind(self, context) -> None:
        row = self.db.execute("SELECT value FROM exam WHERE key = 'spec_sha256'").fetchone()
        if row and row[0] != context.sha256:
            raise ValueError(f"{self.path}: this gradebook belongs to another exam (spec {row[0][:12]}, "
                             f"not {context.sha256[:12]}); use another --db")
        with self.transaction():
            meta = {"spec_sha256": context.sha256, "course": context.course, "title": context.title,
                    "points": repr(context.points)}
            self.db.executemany("INSERT INTO exam VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                meta.items())
            for position, s in enumerate(context.students.values()):
                self.db.execute(
                    "INSERT INTO students VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    " position = excluded.position, name = excluded.name, email = excluded.email,"
                    " section = excluded.section, version_code = excluded.version_code",
                    (s["id"], position, s["name"], s.get("email", ""), s.get("section", ""), s["version_code"]))
                self.db.executemany(
                    "INSERT INTO questions VALUES (?, ?, ?, ?, ?) ON CONFLICT (student, number) DO UPDATE SET"
                    " template = excluded.template, title = excluded.title, points = excluded.points",
                    [(s["id"], q["number"], q["template"], context.templates[q["template"]].title, q["points"])
                     for q in s["questions"]])

    def known(self, grader: str) -> set[tuple[str, str]]:
        """(path, sha256) of every submission this grader version has recorded."""
        with self._guard():
            return set(self.db.execute("SELECT path, sha256 FROM submissions WHERE grader = ?", (grader,)))

    def record(self, outcome: Outcome, grader: str, now: str) -> int:
        """Write one submission and its results in one transaction; returns its row id."""
        try:
            with self._guard():
                return self._record(outcome, grader, now)
        except sqlite3.IntegrityError:
            # Not recorded when this run started, recorded now: another run grades the same files.
            raise GradebookBusy(f"{self.path}: another `cnnexam grade` run is recording into this gradebook at the "
                                f"same time (it has just recorded {printable(outcome.path)}); what is recorded is "
                                "kept: run again when it has finished") from None

    def _record(self, outcome: Outcome, grader: str, now: str) -> int:
        text = printable
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO submissions (path, sha256, size, mtime, student, paper, lms_user, received, graded, grader,"
                " status, message, score, max, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (text(outcome.path), outcome.sha256, outcome.size, outcome.mtime, outcome.student, outcome.paper,
                 text(outcome.lms_user), outcome.received, now, grader, outcome.status, text(outcome.message),
                 outcome.score, outcome.max, int(outcome.confirmed)))
            row = cursor.lastrowid
            self.db.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(row, r.grade_id, r.question, r.slot, r.label, r.points, r.earned, r.status, text(r.feedback),
                  r.misconception, text(r.answer)) for r in outcome.results])
            self._reapply(row, text(outcome.path), outcome.sha256, outcome.status, text(outcome.message), now)
            if outcome.student is not None:
                self._elect(outcome.student)
        return row

    def _reapply(self, row: int, path: str, sha256: str, status: str, message: str, now: str) -> None:
        """The grader's decisions about the same file (an earlier grader version's row) for the new row ``row``:
        a set-aside always, an acceptance when the file is flagged for the same reasons as when it was accepted."""
        accepted = aside = None
        for decision in self.db.execute(
                "SELECT d.id, d.action, d.student, d.note, s.message FROM decisions d"
                " JOIN submissions s ON s.id = d.submission WHERE d.path = ? AND d.sha256 = ? ORDER BY d.id",
                (path, sha256)).fetchall():
            if decision[1] == ACCEPT:
                accepted = decision
            else:
                aside = decision
        if accepted and status == FLAGGED and accepted[4] == message:
            self.decide(row, ACCEPT, accepted[2], f"re-applied decision {accepted[0]} after regrading: {accepted[3]}",
                        now)
        if aside and aside[1] == SET_ASIDE:
            self.decide(row, SET_ASIDE, None, f"re-applied decision {aside[0]} after regrading: {aside[3]}", now)

    def decide(self, submission: int, action: str, student: str | None, note: str, now: str) -> None:
        """Apply a grader's decision to a submission and log it, within the caller's transaction. ACCEPT:
        graded and confirmed, attributed to ``student``; SET_ASIDE and RESTORE: it stops or starts counting.
        The caller has checked that the decision makes sense (see ``review``).

        Accepting drops the LMS user id unless the LMS named this very student: the id is the uploader's
        account, and the Canvas export matches students by it, so it would post the grade to the uploader."""
        path, sha256, status, was, confirmed, lms_user = self.db.execute(
            "SELECT path, sha256, status, student, confirmed, lms_user FROM submissions WHERE id = ?",
            (submission,)).fetchone()
        if action == ACCEPT:
            keep = bool(confirmed) and was == student
            self.db.execute("UPDATE submissions SET status = ?, confirmed = 1, student = ?, lms_user = ? WHERE id = ?",
                            (GRADED, student, lms_user if keep else "", submission))
        elif action in (SET_ASIDE, RESTORE):
            student = None
            self.db.execute("UPDATE submissions SET set_aside = ? WHERE id = ?", (int(action == SET_ASIDE), submission))
        else:
            raise ValueError(f"unknown decision {action!r}")
        self.db.execute(
            "INSERT INTO decisions (submission, path, sha256, action, student, was_status, was_student, was_confirmed,"
            " was_lms_user, note, decided) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (submission, path, sha256, action, student, status, was, confirmed, lms_user, printable(note), now))
        for someone in {was, student} - {None}:
            self._elect(someone)

    def _elect(self, student: str) -> None:
        """Mark the student's newest submission current (file time, then path, then the later row), a
        confirmed one before any unconfirmed one; a submission set aside is never current."""
        self.db.execute(
            "UPDATE submissions SET current = (id IS (SELECT id FROM submissions WHERE student = ?1 AND set_aside = 0"
            " ORDER BY confirmed DESC, mtime DESC, path DESC, id DESC LIMIT 1)) WHERE student = ?1", (student,))


def _locked(error: sqlite3.DatabaseError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, error, trace) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")
