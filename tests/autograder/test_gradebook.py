"""Two programs on one gradebook: a clear error (exit code 2), never a traceback, and nothing lost."""

from __future__ import annotations

import sqlite3

from classroom import submissions

from cnnexam.autograder import gradebook
from cnnexam.cli import main


def grade(capsys, classroom, folder, db):
    code = main(["grade", str(classroom.out), str(folder), "--db", str(db), "--workers", "1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_concurrent_run_recording_the_same_files(classroom, tmp_path, capsys, monkeypatch):
    """The other run recorded the files after this one looked at what is recorded."""
    folder = classroom.hand_in(tmp_path / "in")
    db = tmp_path / "grades.sqlite"
    assert grade(capsys, classroom, folder, db)[0] == 0
    before = submissions(db)
    monkeypatch.setattr(gradebook.Gradebook, "known", lambda self, grader: set())
    code, out, err = grade(capsys, classroom, folder, db)
    assert (code, out) == (2, "")
    assert err == (f"cnnexam: error: {db}: another `cnnexam grade` run is recording into this gradebook at the same "
                   "time (it has just recorded s001.ipynb); what is recorded is kept: run again when it has finished\n")
    assert submissions(db) == before


def test_a_gradebook_locked_too_long(classroom, tmp_path, capsys, monkeypatch):
    folder = classroom.hand_in(tmp_path / "in")
    db = tmp_path / "grades.sqlite"
    assert grade(capsys, classroom, folder, db)[0] == 0
    monkeypatch.setattr(gradebook, "LOCK_SECONDS", 0.1)
    (folder / "s001.ipynb").write_text((folder / "s002.ipynb").read_text(encoding="utf-8"), encoding="utf-8")
    real = gradebook.Gradebook.known
    for locked_at in ("start", "record"):
        other = sqlite3.connect(db, isolation_level=None)
        try:
            if locked_at == "start":
                other.execute("BEGIN EXCLUSIVE")
            else:  # the lock is taken between opening the gradebook and recording the first file
                monkeypatch.setattr(gradebook.Gradebook, "known",
                                    lambda self, grader: (real(self, grader), other.execute("BEGIN IMMEDIATE"))[0])
            code, out, err = grade(capsys, classroom, folder, db)
        finally:
            other.close()
        assert (code, out) == (2, "")
        assert err == (f"cnnexam: error: {db}: the gradebook has been locked by another program for more than 0.1 s "
                       "(another `cnnexam grade` run?); run again when it has finished\n")
    monkeypatch.setattr(gradebook.Gradebook, "known", real)
    assert grade(capsys, classroom, folder, db)[1].startswith("graded 0, flagged 1, rejected 0, skipped 7")
