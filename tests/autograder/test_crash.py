"""Crash safety: ``kill -9`` of ``cnnexam grade`` in the middle of a batch, then a rerun, gives exactly the
gradebook of an uninterrupted run; a worker process that dies takes only its own file down."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from classroom import read, results, set_answer, submissions, write

from cnnexam import workers
from cnnexam.autograder import grade as pipeline
from cnnexam.autograder.grade import grade_class

COPIES = 30  # submissions per student: 240 in all, enough to be killed in the middle
TIMED_OUT = "grading took longer than 0.2 s and was stopped; check this file by hand"


def batch(classroom, folder):
    """Solutions, blanks and partly wrong notebooks, several per student, each with its own file time."""
    for i in range(COPIES):
        for n, sid in enumerate(classroom.ids):
            notebook = read(classroom.solution(sid) if i % 3 else classroom.blank(sid))
            if i % 3 == 2:
                set_answer(notebook, "q7-params", str(i))
            write(folder / f"{sid}-{i:03d}.ipynb", notebook, mtime=1_800_000_000 + 100 * i + n)
    return folder


def recorded(db) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM submissions").fetchone()[0]
    except sqlite3.DatabaseError:  # not created yet, or being created
        return 0


def test_kill_9_then_rerun_gives_the_uninterrupted_gradebook(classroom, tmp_path):
    folder = batch(classroom, tmp_path / "in")
    total = COPIES * len(classroom.ids)
    grade_class(classroom.out, folder, tmp_path / "clean.sqlite", workers=2)

    db = tmp_path / "killed.sqlite"
    command = [sys.executable, "-m", "cnnexam", "grade", str(classroom.out), str(folder), "--db", str(db),
               "--workers", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while recorded(db) < 20 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)  # the command and its workers, as kill -9 would
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    done = recorded(db)
    assert 20 <= done < total, f"{done} of {total} recorded when killed"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"skipped {done} (already in the gradebook)" in rerun.stdout
    assert submissions(db) == submissions(tmp_path / "clean.sqlite")
    assert results(db) == results(tmp_path / "clean.sqlite")
    assert len(submissions(db)) == total


def test_a_worker_that_dies_costs_only_its_own_file(classroom, tmp_path, monkeypatch):
    """A file that kills the process grading it (as a crash in a C library would) is rejected with that
    reason; every other file in the batch, also those that shared the dead worker's chunk, is graded."""
    folder = classroom.hand_in(tmp_path / "in")
    (folder / "s003-crash.ipynb").write_bytes((folder / "s003.ipynb").read_bytes())
    grade_one = pipeline._grade

    def crash_on(context, submission, received):
        if submission.path == "s003-crash.ipynb":
            os._exit(3)
        return grade_one(context, submission, received)

    monkeypatch.setattr(pipeline, "_grade", crash_on)  # inherited by the forked workers
    summary = grade_class(classroom.out, folder, tmp_path / "grades.sqlite", workers=2)
    assert (summary.graded, summary.rejected) == (len(classroom.ids), 1)
    row = submissions(tmp_path / "grades.sqlite")["s003-crash.ipynb"]
    assert (row["status"], row["student"]) == ("rejected", "s003")
    assert row["message"] == "the grader could not grade this file (the grading process died while reading this file)"


def test_a_pool_that_breaks_between_two_chunks_loses_nothing(classroom, tmp_path, monkeypatch):
    """A worker can die after one chunk is handed out and before the next, so that handing out the next
    raises instead of a result: that chunk still goes to a fresh pool and the batch is graded in full."""
    folder = classroom.hand_in(tmp_path / "in")
    real = workers.ProcessPoolExecutor
    handed_out = []

    class Fragile(real):
        def submit(self, fn, /, *args, **kwargs):
            handed_out.append(args)
            if len(handed_out) == 2:  # kill a worker, and wait until the pool knows it is broken
                victim = next(iter(self._processes.values()))
                victim.kill()
                deadline = time.monotonic() + 30
                while not self._broken and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert self._broken
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(workers, "ProcessPoolExecutor", Fragile)  # the class forked_pool makes
    summary = grade_class(classroom.out, folder, tmp_path / "grades.sqlite", workers=2)
    assert len(handed_out) > 2  # the pool did break between two chunks
    assert (summary.graded, summary.rejected) == (len(classroom.ids), 0)
    assert {row["status"] for row in submissions(tmp_path / "grades.sqlite").values()} == {"graded"}


def test_a_slow_submission_times_out_and_the_batch_goes_on(classroom, tmp_path, monkeypatch):
    folder = classroom.hand_in(tmp_path / "in")
    grade_one = pipeline._grade

    def slow_on_s002(context, submission, received):
        if submission.path == "s002.ipynb":
            time.sleep(5)
        return grade_one(context, submission, received)

    monkeypatch.setattr(pipeline, "_grade", slow_on_s002)
    monkeypatch.setattr(pipeline, "SUBMISSION_SECONDS", 0.2)
    summary = grade_class(classroom.out, folder, tmp_path / "grades.sqlite", workers=1)
    assert (summary.graded, summary.rejected) == (len(classroom.ids) - 1, 1)
    row = submissions(tmp_path / "grades.sqlite")["s002.ipynb"]
    assert row["message"] == TIMED_OUT


def test_a_time_out_in_one_answer_rejects_the_whole_submission(classroom, tmp_path, monkeypatch):
    """The time limit is for the whole submission: it is not mistaken for one slot the grader failed
    on (after which the rest would run without any limit)."""
    folder = classroom.hand_in(tmp_path / "in")
    grade_slot = pipeline.grade_slot
    calls = []

    def slow_first_answer_of_s002(variant, slot, text):
        calls.append(slot.id)
        if len(calls) == 1:
            time.sleep(5)
        return grade_slot(variant, slot, text)

    (tmp_path / "one").mkdir()
    (folder / "s002.ipynb").rename(tmp_path / "one" / "s002.ipynb")
    monkeypatch.setattr(pipeline, "grade_slot", slow_first_answer_of_s002)
    monkeypatch.setattr(pipeline, "SUBMISSION_SECONDS", 0.2)
    summary = grade_class(classroom.out, tmp_path / "one", tmp_path / "grades.sqlite", workers=1)
    assert (summary.graded, summary.flagged, summary.rejected) == (0, 0, 1)
    row = submissions(tmp_path / "grades.sqlite")["s002.ipynb"]
    assert (row["status"], row["student"]) == ("rejected", "s002")
    assert row["message"] == TIMED_OUT
    assert len(calls) == 1  # nothing more was graded after the time-out


def test_a_worker_stuck_beyond_the_time_limit_is_stopped(classroom, tmp_path, monkeypatch):
    """A worker that does not give up by itself (stuck where the alarm cannot interrupt it) is stopped
    by the main process: its file is rejected for the time-out and every other file is graded."""
    folder = classroom.hand_in(tmp_path / "in")
    grade_one = pipeline._grade

    def stuck_on_s002(context, submission, received):
        if submission.path == "s002.ipynb":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # as a long C call would be
            time.sleep(30)
        return grade_one(context, submission, received)

    monkeypatch.setattr(pipeline, "_grade", stuck_on_s002)
    # 1 s, not the real 60 s, but room for a busy CI machine: other files take milliseconds, yet a tighter
    # limit timed out one of them there now and then
    monkeypatch.setattr(pipeline, "SUBMISSION_SECONDS", 1)
    monkeypatch.setattr(pipeline, "GRACE_SECONDS", 2)
    summary = grade_class(classroom.out, folder, tmp_path / "grades.sqlite", workers=2)
    assert (summary.graded, summary.rejected) == (len(classroom.ids) - 1, 1)
    row = submissions(tmp_path / "grades.sqlite")["s002.ipynb"]
    assert (row["status"], row["student"], row["message"]) == ("rejected", "s002", pipeline.timed_out_message(1))
