"""The grading pipeline: every notebook in SUBMISSIONS into the gradebook, in parallel, each one isolated.

Per submission: read (bounded) -> identify (path, metadata, manifest) -> check the locked cells -> extract
the answers as text -> grade each slot against the regenerated variant -> one gradebook transaction.
Whatever goes wrong inside one submission (an exception, a time-out, even a crashed worker process) becomes
a ``rejected`` row with the reason; the batch always completes. The main process reads the files and
writes the gradebook; forked workers do the grading, so the engine is loaded once, before forking.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cnnexam.model.grading import CORRECT, FORMAT_ERROR, MISSING, PARTIAL, WRONG, grade_slot
from cnnexam.model.template import slot_letters
from cnnexam.workers import forked_pool, kill_workers

from . import GRADER_VERSION
from .context import ExamContext, Key
from .extract import Answer, Unreadable, answers, cells, load_notebook, locked_problems
from .gradebook import FLAGGED, GRADED, REJECTED, Gradebook, Outcome, SlotRow, now
from .identify import identify, identify_path
from .submissions import Submission, open_source

SUBMISSION_SECONDS = 60  # a submission that takes longer is rejected (normal ones take milliseconds)
GRACE_SECONDS = 30  # on top, before the main process stops a worker that does not give up by itself
ERROR = "error"  # a slot the grader failed on: the submission is flagged


@dataclass
class Summary:
    graded: int = 0
    flagged: int = 0
    rejected: int = 0
    skipped: int = 0
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what was not searched, e.g. an unreadable folder
    attention: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, message)
    seconds: float = 0.0
    workers: int = 1

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        if outcome.status != GRADED:
            self.attention.append((outcome.path, outcome.status, outcome.message))


def grade_class(exam_out: str | Path, submissions: str | Path, db: str | Path, workers: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> Summary:
    """Grade every notebook in ``submissions`` (a folder or a zip) into the gradebook ``db``."""
    started = time.perf_counter()
    context = ExamContext(exam_out)
    summary = Summary(workers=max(1, workers or os.cpu_count() or 1))
    with open_source(submissions) as source:
        book = Gradebook(db)
        try:
            book.bind(context)
            known = book.known(GRADER_VERSION)
            entries = source.entries()
            summary.ignored = list(source.ignored)
            summary.warnings = list(source.warnings)

            def pending() -> Iterator[tuple[Submission, str]]:
                for entry in entries:
                    submission = source.read(entry)
                    if (submission.path, submission.sha256) in known:
                        summary.skipped += 1
                    else:
                        source.charge(submission)
                        yield submission, now()

            context.warm_up()
            chunk = max(1, min(16, len(entries) // (8 * summary.workers)))
            outcomes = (_serial(pending(), context) if summary.workers == 1
                        else _parallel(pending(), context, summary.workers, chunk))
            for outcome in outcomes:
                book.record(outcome, GRADER_VERSION, now())
                summary.add(outcome)
                if progress:
                    progress(summary.graded + summary.flagged + summary.rejected + summary.skipped, len(entries))
        finally:
            book.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _serial(items: Iterable[tuple[Submission, str]], context: ExamContext) -> Iterator[Outcome]:
    for submission, received in items:
        yield grade_submission(context, submission, received)


_CONTEXT: ExamContext | None = None  # the exam, inherited by forked workers


def _grade_chunk(chunk: list[tuple[Submission, str]]) -> list[Outcome]:
    assert _CONTEXT is not None
    return [grade_submission(_CONTEXT, submission, received) for submission, received in chunk]


def _parallel(items: Iterator[tuple[Submission, str]], context: ExamContext, workers: int,
              size: int) -> Iterator[Outcome]:
    """Chunks over a pool of forked workers, a bounded number in flight. When a worker process dies, its
    pool is replaced, and the submissions it had are graded again one per process, to name the culprit."""
    global _CONTEXT
    _CONTEXT = context
    pool = forked_pool(workers)
    window: dict[Future, list] = {}
    crashed: list[tuple[Submission, str]] = []
    broken = False

    def collect(keep: int) -> Iterator[Outcome]:
        """The outcomes of finished chunks, until at most ``keep`` are in flight."""
        nonlocal broken
        while len(window) > keep:
            # Each submission stops itself at its time limit, so some chunk finishes within a chunk's
            # worth of limits. If none does, a worker is stuck where the alarm cannot reach it (inside
            # one long C call): the pool is stopped, and its chunks are graded again one per process.
            done, _ = wait(window, timeout=size * SUBMISSION_SECONDS + GRACE_SECONDS, return_when=FIRST_COMPLETED)
            if not done:
                kill_workers(pool)
                continue
            for future in done:
                part = window.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool:
                    broken = True
                    crashed.extend(part)

    try:
        for chunk in iter(lambda: list(itertools.islice(items, size)), []):
            yield from collect(2 * workers - 1)
            while True:
                if broken:
                    yield from collect(0)
                    pool.shutdown(wait=True)
                    pool, broken = forked_pool(workers), False
                try:
                    window[pool.submit(_grade_chunk, chunk)] = chunk
                    break
                except BrokenProcessPool:  # a worker died since the last look: found out here, not in a result
                    broken = True
        yield from collect(0)
    except BaseException:  # the batch stops (an error, or the caller left): a stuck worker must not hold it
        kill_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for submission, received in crashed:
        with forked_pool(1) as alone:
            try:
                future = alone.submit(_grade_chunk, [(submission, received)])
                yield from future.result(timeout=SUBMISSION_SECONDS + GRACE_SECONDS)
            except BrokenProcessPool:
                yield _failed(context, submission, received, "the grading process died while reading this file")
            except FutureTimeout:
                kill_workers(alone)
                yield _rejected(context, submission, received, timed_out_message(SUBMISSION_SECONDS))


class GradingTimeout(BaseException):
    """The submission's time is up. A BaseException, so that no ``except Exception`` on the way (around
    one answer slot, or inside a library) takes it for an ordinary error and carries on without a limit."""


def timed_out_message(seconds: float) -> str:
    return f"grading took longer than {seconds:g} s and was stopped; check this file by hand"


@contextmanager
def _deadline(seconds: float):
    """Raise GradingTimeout in the block after ``seconds`` (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise GradingTimeout(timed_out_message(seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade_submission(context: ExamContext, submission: Submission, received: str) -> Outcome:
    """One submission's outcome. Never raises: a failure is a rejection that says what failed."""
    try:
        with _deadline(SUBMISSION_SECONDS):
            return _grade(context, submission, received)
    except GradingTimeout as timeout:
        return _rejected(context, submission, received, str(timeout))
    except Exception as error:  # isolation: one bad file never stops the batch
        return _failed(context, submission, received, f"{type(error).__name__}: {error}")


def _failed(context: ExamContext, submission: Submission, received: str, reason: str) -> Outcome:
    return _rejected(context, submission, received, f"the grader could not grade this file ({reason[:300]})")


def _rejected(context: ExamContext, submission: Submission, received: str, message: str) -> Outcome:
    try:
        where = identify_path(submission.path, context.roster)
        student, user, confirmed = where.student, where.lms_user, where.confirmed
    except Exception:
        student, user, confirmed = None, "", True
    return Outcome(submission.path, submission.sha256, submission.size, submission.mtime, received, REJECTED,
                   message, student, None, user, confirmed=confirmed)


def _grade(context: ExamContext, submission: Submission, received: str) -> Outcome:
    where = identify_path(submission.path, context.roster)

    def outcome(status: str, message: str, student=where.student, confirmed=where.confirmed, **more) -> Outcome:
        return Outcome(submission.path, submission.sha256, submission.size, submission.mtime, received, status,
                       message, student, lms_user=where.lms_user, confirmed=confirmed, **more)

    if submission.data is None:
        return outcome(REJECTED, submission.problem)
    try:
        notebook = load_notebook(submission.data)
    except Unreadable as error:
        return outcome(REJECTED, str(error))
    metadata = notebook["metadata"].get("cnnexam")
    who = identify(metadata, where, context.sha256, context.students)
    if who.rejection:
        return outcome(REJECTED, who.rejection, who.student, who.confirmed)
    if who.paper is None:
        return outcome(FLAGGED, "; ".join(who.problems), who.student, who.confirmed)
    found = cells(notebook)
    problems = list(who.problems) + _solution_problems(metadata, found)
    problems += locked_problems(found, context.students[who.paper]["checksums"])
    rows, reviews = grade_paper(context, who.paper, found)
    problems += reviews
    failed = [r.grade_id for r in rows if r.status == ERROR]
    if failed:
        problems.append(f"the grader failed on {', '.join(failed)}")
    message = "; ".join(problems)
    return outcome(FLAGGED if problems else GRADED, message, who.student, who.confirmed, paper=who.paper,
                   score=round(sum(r.earned for r in rows), 4), max=round(sum(r.points for r in rows), 4),
                   results=tuple(rows))


_WORKED_SOLUTION = re.compile(r"q\d+-solution")  # the ids of the worked-solution cells only keys have


def _solution_problems(metadata: object, found) -> list[str]:
    """A solution notebook handed in as a submission: the key has leaked. It would get full marks."""
    signs = []
    if isinstance(metadata, dict) and metadata.get("solution") is True:
        signs.append("its metadata marks it as a solution")
    worked = [c.key for c in found if _WORKED_SOLUTION.fullmatch(c.key)]
    if worked:
        signs.append(f"it has the worked solutions ({', '.join(worked[:3])}{' ...' if len(worked) > 3 else ''})")
    if not signs:
        return []
    return [f"this is the instructor's solution notebook ({' and '.join(signs)}): has the key leaked?"]


def grade_paper(context: ExamContext, student: str, found) -> tuple[list[SlotRow], list[str]]:
    """Every slot of ``student``'s paper graded from the notebook's cells, and the reasons to review it
    (answers that are ambiguous, e.g. two copies of an answer cell with different answers)."""
    paper = context.paper(student)
    wanted = [(meta["grade_id"], meta["variable"]) for key in paper for meta in key.entry["slots"].values()]
    extracted = answers(found, wanted)
    rows = []
    for key in paper:
        letters = slot_letters(key.variant.slots)
        for slot in key.variant.slots:
            meta = key.entry["slots"][slot.id]
            label = f"({letters[slot.id]}) {slot.label or slot.id}"
            rows.append(_grade_slot(key, slot, meta, label, extracted[meta["grade_id"]]))
    return rows, [f"{grade_id}: {a.review}" for grade_id, a in extracted.items() if a.review]


def _grade_slot(key: Key, slot, meta: dict, label: str, answer: Answer) -> SlotRow:
    points = meta["points"]

    def row(earned: float, status: str, feedback: str, misconception: str | None = None) -> SlotRow:
        return SlotRow(meta["grade_id"], key.entry["number"], slot.id, label, points, earned, status, feedback,
                       misconception, answer.shown())

    if answer.error:
        return row(0.0, FORMAT_ERROR, f"Could not read the answer: {answer.error}.")
    if answer.text is None:
        return row(0.0, MISSING, "No answer was given" + (f" ({answer.note})." if answer.note else "."))
    try:
        result = grade_slot(key.variant, slot, answer.text)
        if result.status in (PARTIAL, WRONG):  # which mistake was it? needs the misconceptions
            result = grade_slot(key.full(), slot, answer.text)
    except Exception as error:  # a grader bug, not the student's fault: flagged for review
        return row(0.0, ERROR, f"The grader could not check this answer ({type(error).__name__}); "
                               "it will be reviewed by hand.")
    if result.status == CORRECT:
        earned = float(points)
    else:
        # Kept unrounded: totals are rounded once (to 4 places), not summed from rounded parts.
        earned = points * result.earned / result.points if result.points else 0.0
    note = f" Note: {answer.note}." if answer.note else ""
    return row(earned, result.status, result.feedback + note, result.misconception)
