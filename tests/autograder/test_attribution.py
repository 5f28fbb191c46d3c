"""Whose submission it is: what the LMS made (the Moodle folder, the Canvas prefix) outranks what the student
chose (a file name, the notebook's metadata), and a submission attributed only by what the student chose
never replaces another student's graded result."""

from __future__ import annotations

import zipfile

from classroom import history, read, submissions, write

from cnnexam.autograder.grade import grade_class

EARLY, LATE = 1_900_000_000, 1_900_000_500


def moodle(folder, name, user):
    return folder / f"{name}_{user}_assignsubmission_file_"


def current(db, student):
    rows = [r for r in history(db, student) if r["current"]]
    assert len(rows) == 1
    return rows[0]


def test_a_file_named_after_another_student_stays_with_the_moodle_folder(classroom, tmp_path):
    folder = tmp_path / "moodle"
    write(moodle(folder, "Ada Lovelace", 901) / "answers.ipynb", read(classroom.solution("s001")), mtime=EARLY)
    grace = moodle(folder, "Grace Hopper", 903) / "lovelaceada_1234_5678_s001.ipynb"  # a Canvas-like name
    write(grace, read(classroom.solution("s003")), mtime=LATE)
    db = tmp_path / "grades.sqlite"
    summary = grade_class(classroom.out, folder, db, workers=1)
    assert (summary.graded, summary.flagged) == (2, 0)
    assert current(db, "s001")["path"] == "Ada Lovelace_901_assignsubmission_file_/answers.ipynb"
    assert current(db, "s003")["path"] == f"Grace Hopper_903_assignsubmission_file_/{grace.name}"


def graded_one_flagged_one(classroom, source, db, flagged_path: str) -> dict:
    """Grade ``source``: one submission graded, the one at ``flagged_path`` flagged and not current."""
    summary = grade_class(classroom.out, source, db, workers=1)
    assert (summary.graded, summary.flagged) == (1, 1)
    flagged = submissions(db)[flagged_path]
    assert (flagged["status"], flagged["current"]) == ("flagged", 0)
    return flagged


def test_an_off_roster_uploader_never_replaces_a_graded_result(classroom, tmp_path):
    """Mallory is not on the roster. Her file names s001 (Moodle) or her notebook's metadata names s002
    (Canvas): flagged, and s001's and s002's graded submissions still count."""
    folder = tmp_path / "moodle"
    write(moodle(folder, "Ada Lovelace", 901) / "answers.ipynb", read(classroom.solution("s001")), mtime=EARLY)
    write(moodle(folder, "Mallory Evil", 999) / "s001.ipynb", read(classroom.blank("s001")), mtime=LATE)
    db = tmp_path / "moodle.sqlite"
    mallory = graded_one_flagged_one(classroom, folder, db, "Mallory Evil_999_assignsubmission_file_/s001.ipynb")
    assert mallory["message"].startswith("the Moodle folder 'Mallory Evil' names no student of the roster; "
                                         "only the file name 's001.ipynb' names s001")
    assert (current(db, "s001")["status"], current(db, "s001")["score"]) == ("graded", 84.0)

    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(classroom.solution("s002"), "turingalan_2345_6789_midterm.ipynb")
        z.write(classroom.blank("s002"), "evilmallory_999_888_answers.ipynb")
    db = tmp_path / "canvas.sqlite"
    mallory = graded_one_flagged_one(classroom, archive, db, "evilmallory_999_888_answers.ipynb")
    assert mallory["message"].startswith("the Canvas name 'evilmallory' names no student of the roster; "
                                         "only the notebook's metadata names s002")
    assert current(db, "s002")["path"] == "turingalan_2345_6789_midterm.ipynb"


def test_a_disagreement_does_not_replace_a_graded_result(classroom, tmp_path):
    """In a plain folder, a newer file named s002 that holds s001's notebook is flagged; s002's graded
    submission still counts."""
    folder = tmp_path / "in"
    write(folder / "s002-first.ipynb", read(classroom.solution("s002")), mtime=EARLY)
    write(folder / "s002-again.ipynb", read(classroom.solution("s001")), mtime=LATE)
    db = tmp_path / "grades.sqlite"
    summary = grade_class(classroom.out, folder, db, workers=1)
    assert (summary.graded, summary.flagged) == (1, 1)
    assert submissions(db)["s002-again.ipynb"]["status"] == "flagged"
    assert current(db, "s002")["path"] == "s002-first.ipynb"


def test_metadata_alone_does_not_replace_a_named_file(classroom, tmp_path):
    """A file whose name names nobody counts for the student its metadata names, but not over a file that
    names that student, however new: anyone could have written that metadata."""
    folder = tmp_path / "in"
    write(folder / "s002.ipynb", read(classroom.solution("s002")), mtime=EARLY)
    write(folder / "mystery.ipynb", read(classroom.blank("s002")), mtime=LATE)
    write(folder / "answers.ipynb", read(classroom.solution("s003")), mtime=EARLY)
    write(folder / "answers-final.ipynb", read(classroom.blank("s003")), mtime=LATE)
    db = tmp_path / "grades.sqlite"
    assert grade_class(classroom.out, folder, db, workers=1).graded == 4
    assert current(db, "s002")["path"] == "s002.ipynb"
    assert current(db, "s003")["path"] == "answers-final.ipynb"  # among unconfirmed ones, the newest


def test_a_gradebook_from_before_the_confirmed_column_is_upgraded(classroom, tmp_path):
    import sqlite3

    folder = tmp_path / "in"
    write(folder / "s002.ipynb", read(classroom.solution("s002")), mtime=EARLY)
    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, folder, db, workers=1)
    with sqlite3.connect(db) as connection:
        connection.execute("ALTER TABLE submissions DROP COLUMN confirmed")
    write(folder / "s002-again.ipynb", read(classroom.solution("s001")), mtime=LATE)
    summary = grade_class(classroom.out, folder, db, workers=1)
    assert (summary.flagged, summary.skipped) == (1, 1)
    assert current(db, "s002")["path"] == "s002.ipynb"
