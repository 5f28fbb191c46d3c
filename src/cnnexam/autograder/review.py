"""A grader's decisions about flagged submissions (``cnnexam review``).

A submission is flagged when its attribution rests on what the student controls, when its answers are
ambiguous, when it is the instructor's solution notebook, when locked cells were edited, ...; it does not
count until a grader decides. ``accept`` makes it graded and confirmed (optionally for another student of
the roster), after which it counts if it is that student's newest confirmed submission; ``set_aside`` makes
any submission (flagged, graded or rejected) never count, until ``restore``. Every decision is checked and
applied in one gradebook transaction and logged with the grader's note and the time (see ``gradebook``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from cnnexam.messages import cut

from .gradebook import ACCEPT, FLAGGED, GRADED, REJECTED, RESTORE, SET_ASIDE, Gradebook, now


@dataclass(frozen=True)
class Row:
    """A submission as the grader sees it."""

    id: int
    path: str
    student: str | None
    name: str  # the student's name, "" if none
    status: str
    message: str
    score: float | None
    max: float | None
    paper: str | None
    current: bool
    set_aside: bool
    note: str = ""  # the latest decision's note, if any


@dataclass(frozen=True)
class Listing:
    flagged: list[Row]  # waiting for a decision
    set_aside: list[Row]
    accepted: int  # accepted earlier (graded now, not listed)


_COLUMNS = ("s.id, s.path, s.student, coalesce(t.name, ''), s.status, s.message, s.score, s.max, s.paper, s.current,"
            " s.set_aside, coalesce((SELECT note FROM decisions d WHERE d.submission = s.id ORDER BY d.id DESC LIMIT 1),"
            " '')")
_FROM = " FROM submissions s LEFT JOIN students t ON t.id = s.student"


def open_gradebook(db: str | Path) -> Gradebook:
    """The gradebook ``db``, which must exist (an empty one is never created by mistake)."""
    return Gradebook(db, create=False)


def listing(book: Gradebook) -> Listing:
    with book._guard():
        flagged = [Row(*r) for r in book.db.execute(
            f"SELECT {_COLUMNS}{_FROM} WHERE s.status = ? AND s.set_aside = 0 ORDER BY s.id", (FLAGGED,))]
        aside = [Row(*r) for r in book.db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE s.set_aside = 1 ORDER BY s.id")]
        (accepted,) = book.db.execute(
            "SELECT count(DISTINCT submission) FROM decisions d JOIN submissions s ON s.id = d.submission"
            " WHERE d.action = ? AND s.set_aside = 0", (ACCEPT,)).fetchone()
    return Listing(flagged, aside, accepted)


def submission_id(text: str, option: str) -> int:
    """``12`` or ``#12`` as a submission id."""
    digits = text.strip().removeprefix("#")
    if not digits.isdigit():
        raise ValueError(f"{option}: expected a submission id (a number, as `cnnexam review DB` lists them), "
                         f"got {text!r}")
    return int(digits)


def accept(book: Gradebook, submission: int, student: str | None = None, note: str = "") -> str:
    """Accept a flagged submission (for ``student`` if given); returns what happened, for the grader."""
    with book._guard(), book.transaction():
        row = _row(book, submission)
        if row.set_aside:
            raise ValueError(f"submission {submission} is set aside: `--restore {submission}` it first")
        if row.status == REJECTED:
            raise ValueError(f"submission {submission} was rejected, not flagged ({_clip(row.message)}): "
                             "there is no grading to accept")
        if row.status == GRADED:
            raise ValueError(f"submission {submission} is already graded{_accepted_when(book, submission)}: "
                             "nothing to accept")
        if row.score is None:
            raise ValueError(f"submission {submission} was not graded against any paper ({_clip(row.message)}): "
                             f"there is no score to accept; `--set-aside {submission}` it, or grade it by hand")
        if student is not None:
            student = _roster_id(book, student)
        elif row.student is None:
            raise ValueError(f"submission {submission} is attributed to nobody: give --student SID")
        book.decide(submission, ACCEPT, student or row.student, note, now())
        done = _row(book, submission)
    said = f"accepted submission {submission} ({_show(done.path)}) for {_who(done)}: graded, {_score(done)} points"
    if done.paper and done.paper != done.student:
        said += f" (it answers {done.paper}'s paper, and was graded against it)"
    return said + "; " + _counts(book, done)


def set_aside(book: Gradebook, submission: int, note: str = "") -> str:
    with book._guard(), book.transaction():
        row = _row(book, submission)
        if row.set_aside:
            raise ValueError(f"submission {submission} is already set aside")
        book.decide(submission, SET_ASIDE, None, note, now())
    said = f"set aside submission {submission} ({_show(row.path)}, {row.status}): it never counts"
    if row.student is None:
        return said
    other = _current(book, row.student)
    if other is None:
        return f"{said}; {_who(row)} has no other submission that counts"
    return f"{said}; {_who(row)}'s submission {other.id} ({_show(other.path)}, {other.status}) counts now"


def restore(book: Gradebook, submission: int, note: str = "") -> str:
    with book._guard(), book.transaction():
        row = _row(book, submission)
        if not row.set_aside:
            raise ValueError(f"submission {submission} is not set aside: nothing to restore")
        book.decide(submission, RESTORE, None, note, now())
        done = _row(book, submission)
    return f"restored submission {submission} ({_show(done.path)}, {done.status}); " + _counts(book, done)


def _row(book: Gradebook, submission: int) -> Row:
    found = book.db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE s.id = ?", (submission,)).fetchone()
    if found is None:
        (low, high) = book.db.execute("SELECT min(id), max(id) FROM submissions").fetchone()
        known = f"its ids run from {low} to {high}" if low is not None else "it has no submissions"
        raise ValueError(f"{book.path}: no submission {submission} ({known})")
    return Row(*found)


def _current(book: Gradebook, student: str) -> Row | None:
    found = book.db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE s.student = ? AND s.current = 1", (student,)).fetchone()
    return Row(*found) if found else None


def _counts(book: Gradebook, row: Row) -> str:
    """Whether ``row`` is its student's current submission now, and if not, which one is."""
    if row.student is None:
        return "it is attributed to nobody, so it does not count"
    if row.current:
        return "it counts now" if row.status == GRADED else f"it is current, but {row.status}: it does not count yet"
    other = _current(book, row.student)
    if other is None:
        return "it does not count"
    return (f"it does not count: {_who(row)}'s submission {other.id} ({_show(other.path)}, {other.status}) is newer"
            " and counts")


def _roster_id(book: Gradebook, text: str) -> str:
    roster = dict(book.db.execute("SELECT id, name FROM students ORDER BY position"))
    if text in roster:
        return text
    folded = {sid.casefold(): sid for sid in roster}
    if text.casefold() in folded:
        return folded[text.casefold()]
    close = difflib.get_close_matches(text.casefold(), folded, n=5, cutoff=0.6)
    close += [sid.casefold() for sid, name in roster.items()
              if text.casefold() in name.casefold() and sid.casefold() not in close]
    if close:
        hint = "close matches: " + ", ".join(f"{folded[c]} ({roster[folded[c]]})" for c in close[:5])
    elif roster:
        hint = f"no close match among the {len(roster)} roster ids ({', '.join(list(roster)[:3])}, ...)"
    else:
        hint = "the gradebook has no roster"
    raise ValueError(f"--student {text!r}: no such student in the roster; {hint}")


def _accepted_when(book: Gradebook, submission: int) -> str:
    found = book.db.execute("SELECT decided FROM decisions WHERE submission = ? AND action = ? ORDER BY id DESC",
                            (submission, ACCEPT)).fetchone()
    return f" (accepted {found[0]})" if found else ""


def _who(row: Row) -> str:
    return f"{row.student} ({_show(row.name)})" if row.name else (row.student or "nobody")


def _score(row: Row) -> str:
    from .reports.data import number

    if row.score is None:
        return "-"
    return f"{number(row.score)}/{number(row.max)}" if row.max is not None else number(row.score)


def _show(text: str) -> str:
    """One terminal line: control characters (a newline, an escape sequence in a file name) spelled out."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _clip(text: str, limit: int = 200) -> str:
    return cut(_show(text), limit)


def format_listing(found: Listing, db: str | Path) -> str:
    """The flagged submissions, one a line (id, student, score, path: message), and the ones set aside."""
    lines = []
    n = len(found.flagged)
    if n == 0:
        lines.append(f"no flagged submissions to review in {_show(str(db))}")
    else:
        lines.append(f"{n} flagged submission{'s' if n != 1 else ''} to review "
                     f"(accept one with --accept ID [--student SID], or --set-aside ID):")
        lines += _table(found.flagged, lambda r: r.message)
    if found.set_aside:
        lines.append(f"{len(found.set_aside)} set aside, never counted (count one again with --restore ID):")
        lines += _table(found.set_aside, _aside)
    if found.accepted:
        lines.append(f"{found.accepted} accepted earlier (graded now, not listed)")
    return "\n".join(lines) + "\n"


def _aside(row: Row) -> str:
    if row.note:
        return f"{row.status}; note: {row.note}"
    return f"{row.status}: {row.message}" if row.message else row.status


def _table(rows: list[Row], what) -> list[str]:
    cells = [(str(r.id), _who(r), _score(r)) for r in rows]
    widths = [max(len(c[k]) for c in cells) for k in range(3)]
    return [f"  {i:>{widths[0]}}  {who:<{widths[1]}}  {score:>{widths[2]}}  {_show(r.path)}: {_show(what(r))}".rstrip()
            for (i, who, score), r in zip(cells, rows)]


__all__ = ["Listing", "Row", "accept", "format_listing", "listing", "open_gradebook", "restore", "set_aside",
           "submission_id"]
