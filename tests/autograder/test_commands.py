"""``cnnexam grade`` and ``cnnexam report`` through ``main(argv)``."""

from __future__ import annotations

import csv
import io
import os
import re

from cnnexam.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_grade_then_report(classroom, tmp_path, capsys):
    folder = classroom.hand_in(tmp_path / "in")
    (folder / "s001-broken.ipynb").write_text("{", encoding="utf-8")
    os.utime(folder / "s001-broken.ipynb", (1_000_000_000, 1_000_000_000))  # older than s001's solution
    (folder / "readme.txt").write_text("hi", encoding="utf-8")
    db = tmp_path / "grades.sqlite"
    code, out, err = run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert re.fullmatch(r"graded 8, flagged 0, rejected 1, skipped 0 \(already in the gradebook\) in [0-9.]+ s "
                        rf"\(1 worker, \d+ submissions/s\); gradebook: {re.escape(str(db))}", lines[0])
    assert lines[1:] == ["ignored 1 file(s) that are not notebooks, e.g. readme.txt",
                         "  rejected: s001-broken.ipynb: not a notebook: the JSON is broken "
                         "(Expecting property name enclosed in double quotes; it ends too early)"]
    code, out, _ = run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    assert out.startswith("graded 0, flagged 0, rejected 0, skipped 9 (already in the gradebook)")

    code, out, _ = run(capsys, "report", db, "--format", "canvas-csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0][-1] == "Midterm: Convolutional Neural Networks" and len(rows) == 2 + 8
    assert {r[-1] for r in rows[2:]} == {"84"}
    code, out, err = run(capsys, "report", db, "--format", "stats", "--out", tmp_path / "stats")
    assert code == 0 and out == "" and err == f"wrote stats to {tmp_path / 'stats'}\n"
    assert sorted(p.name for p in (tmp_path / "stats").iterdir()) == ["histogram.png", "stats.json", "stats.md"]


def test_usage_errors(classroom, tmp_path, capsys):
    code, _, err = run(capsys, "grade", tmp_path, tmp_path, "--db", tmp_path / "g.sqlite")
    assert code == 2 and err.startswith("cnnexam: error: ") and "manifest.json: not found" in err
    code, _, err = run(capsys, "grade", classroom.out, tmp_path / "missing", "--db", tmp_path / "g.sqlite")
    assert code == 2 and err == f"cnnexam: error: {tmp_path / 'missing'}: no such folder or zip file\n"
    code, _, err = run(capsys, "grade", classroom.out, tmp_path, "--workers", "0")
    assert code == 2 and err == "cnnexam: error: --workers must be at least 1\n"
    code, _, err = run(capsys, "report", tmp_path / "none.sqlite", "--format", "feedback")
    assert code == 2 and err == ("cnnexam: error: --format feedback writes a folder with a file per student: "
                                 "give --out DIR\n")


def test_a_file_that_is_no_gradebook(classroom, tmp_path, capsys):
    (tmp_path / "notes.sqlite").write_text("not a database " * 100, encoding="utf-8")
    code, _, err = run(capsys, "grade", classroom.out, tmp_path, "--db", tmp_path / "notes.sqlite")
    assert code == 2 and err == (f"cnnexam: error: {tmp_path / 'notes.sqlite'}: cannot be used as a gradebook "
                                 "(file is not a database)\n")
    code, _, err = run(capsys, "report", tmp_path / "notes.sqlite", "--format", "canvas-csv")
    assert code == 2 and err.startswith(f"cnnexam: error: {tmp_path / 'notes.sqlite'}: not a cnnexam gradebook")


def test_folders_that_are_not_searched_are_reported(classroom, tmp_path, capsys, monkeypatch):
    """A link to a folder is not followed and an unreadable folder cannot be searched: each is named in a
    warning, so that nobody's notebook goes missing without a word."""
    folder = classroom.hand_in(tmp_path / "in")
    (tmp_path / "elsewhere").mkdir()
    (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (folder / "locked").mkdir()
    (folder / "s001.ipynb").rename(folder / "locked" / "s001.ipynb")
    scandir = os.scandir

    def refuse_locked(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse_locked)  # as chmod 000 would (which root ignores)
    code, out, err = run(capsys, "grade", classroom.out, folder, "--db", tmp_path / "g.sqlite", "--workers", "1")
    assert code == 0 and out.startswith("graded 7, flagged 0, rejected 0")
    assert err == ("cnnexam: warning: linked/: a symbolic link to a folder, not followed: no notebook in it was graded\n"
                   "cnnexam: warning: locked/: a folder that cannot be read (Permission denied): no notebook in it "
                   "was graded\n")
