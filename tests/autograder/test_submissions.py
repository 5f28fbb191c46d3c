"""Finding and reading submissions safely, and recognising students in LMS file names."""

from __future__ import annotations

import hashlib
import os
import zipfile

import pytest
from classroom import submissions as recorded

from cnnexam.autograder.identify import Roster, identify_path
from cnnexam.autograder.submissions import MAX_BYTES, SourceError, open_source

ROSTER = Roster([("s001", "Ada Lovelace"), ("s002", "Alan Turing"), ("s010", "José Ñúñez García"),
                 ("s011", "Lovelace, Ada Junior"), ("12345", "Numeric Id")])


def read_all(path):
    with open_source(path) as source:
        entries = source.entries()
        return [source.read(e) for e in entries], list(source.ignored)


def test_folder_reads_notebooks_at_any_depth_and_ignores_the_rest(tmp_path):
    (tmp_path / "Ada Lovelace_11_assignsubmission_file_").mkdir()
    (tmp_path / "Ada Lovelace_11_assignsubmission_file_" / "answers.IPYNB").write_bytes(b"{}")
    (tmp_path / "s002.ipynb").write_bytes(b"[]")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "s002-checkpoint.ipynb").write_bytes(b"{}")
    found, ignored = read_all(tmp_path)
    assert [s.path for s in found] == ["Ada Lovelace_11_assignsubmission_file_/answers.IPYNB", "s002.ipynb"]
    assert found[1].data == b"[]" and found[1].sha256 == hashlib.sha256(b"[]").hexdigest()
    assert sorted(ignored) == [".ipynb_checkpoints/s002-checkpoint.ipynb", "notes.txt"]


def test_special_files_are_rejected_not_read(tmp_path):
    os.mkfifo(tmp_path / "s001.ipynb")  # reading it would block forever
    os.symlink("/etc/passwd", tmp_path / "s002.ipynb")
    (tmp_path / "s003.ipynb").write_bytes(b"x" * (MAX_BYTES + 1))
    found, _ = read_all(tmp_path)
    assert [(s.path, s.data, s.problem) for s in found] == [
        ("s001.ipynb", None, "not a regular file"),
        ("s002.ipynb", None, "a symbolic link, not a file: not followed"),
        ("s003.ipynb", None, "too large (10.0 MB; a notebook may have at most 10 MB)")]


def test_zip_traversal_duplicates_and_bombs(tmp_path):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../evil.ipynb", b"{}")
        z.writestr("/abs.ipynb", b"{}")
        z.writestr("C:/win.ipynb", b"{}")
        z.writestr("dup.ipynb", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):  # an LMS zip may well have one
            z.writestr("dup.ipynb", b"second")
        z.writestr("bomb.ipynb", b"\0" * (MAX_BYTES + 1))  # 10 MB of zeros compress to a few kB
        z.writestr("__MACOSX/._dup.ipynb", b"junk")
        z.writestr("nested.zip", b"PK")
    found, ignored = read_all(archive)
    by_path = {s.path: s for s in found}
    for name in ("../../evil.ipynb", "/abs.ipynb", "C:/win.ipynb"):
        assert by_path[name].problem == "an unsafe path in the archive (absolute, or with '..')"
    assert (by_path["dup.ipynb"].data, by_path["dup.ipynb (copy 2)"].data) == (b"first", b"second")
    assert by_path["bomb.ipynb"].data is None and by_path["bomb.ipynb"].problem.startswith("too large")
    assert not (tmp_path / "evil.ipynb").exists() and not (tmp_path.parent / "evil.ipynb").exists()
    assert sorted(ignored) == ["__MACOSX/._dup.ipynb", "nested.zip"]


def test_a_lying_zip_header_cannot_inflate_past_the_limit(tmp_path):
    """A member whose header declares a small size but whose data inflates to more is cut at the declared
    size and fails its CRC: a damaged file, not a 10 GB string in memory."""
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("s001.ipynb", b"{" + b" " * 5_000_000 + b"}")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo("s001.ipynb")
    small = (100).to_bytes(4, "little")
    data[22:26] = small  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = small  # central directory: uncompressed size
    archive.write_bytes(bytes(data))
    (submission,), _ = read_all(archive)
    assert submission.data is None and submission.problem.startswith("damaged in the archive")
    assert info.file_size == 5_000_002


def test_submissions_path_must_exist_and_be_a_folder_or_zip(tmp_path):
    with pytest.raises(SourceError, match="no such folder or zip file"):
        open_source(tmp_path / "nothing")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(SourceError, match="expected a folder of notebooks or a zip file"):
        open_source(tmp_path / "x.txt")


@pytest.mark.parametrize("path, student, lms, user, confirmed", [
    ("s001.ipynb", "s001", "", "", True),
    ("hand-in/S001_final.ipynb", "s001", "", "", True),
    ("lovelaceada_1234_5678_midterm.ipynb", "s001", "canvas", "1234", True),
    ("lovelaceada_LATE_1234_5678_s001-1.ipynb", "s001", "canvas", "1234", True),
    ("turingalan_77_88_s001.ipynb", "s002", "canvas", "77", True),  # the LMS name wins over the file name
    ("unknownname_77_88_s002.ipynb", "s002", "canvas", "77", False),  # only the name the student chose
    ("nunezgarciajose_5_6_exam.ipynb", "s010", "canvas", "5", True),  # accents folded, last names first
    ("José Ñúñez García_42_assignsubmission_file_/x.ipynb", "s010", "moodle", "42", True),
    ("Ada Junior Lovelace_43_assignsubmission_file_/x.ipynb", "s011", "moodle", "43", True),
    ("Nobody_44_assignsubmission_file_/s002.ipynb", "s002", "moodle", "44", False),
    # the Moodle folder wins over a file in it named like a Canvas file, or like a Moodle folder
    ("Alan Turing_45_assignsubmission_file_/lovelaceada_1_2_s001.ipynb", "s002", "moodle", "45", True),
    ("Alan Turing_45_assignsubmission_file_/Ada Lovelace_1_assignsubmission_file_/x.ipynb", "s002", "moodle", "45",
     True),
    ("s001-and-s002.ipynb", None, "", "", True),  # names two students: no identity from the path
    ("12345.ipynb", "12345", "", "", True),
    ("s0012.ipynb", None, "", "", True),  # ids match whole tokens only
])
def test_identify_path(path, student, lms, user, confirmed):
    found = identify_path(path, ROSTER)
    assert (found.student, found.lms, found.lms_user, found.confirmed) == (student, lms, user, confirmed)


def test_the_archive_budget_counts_only_what_this_run_grades(classroom, tmp_path, monkeypatch):
    """An archive whose notebooks exceed the budget is graded over several runs: each run counts only
    the notebooks it grades, not those graded before (which it reads again to see whether they changed)."""
    from cnnexam.autograder import submissions
    from cnnexam.autograder.grade import grade_class

    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for sid in classroom.ids:
            z.write(classroom.solution(sid), f"{sid}.ipynb")
    size = classroom.solution("s001").stat().st_size
    monkeypatch.setattr(submissions, "MAX_ARCHIVE_BYTES", 3 * size)
    db = tmp_path / "grades.sqlite"
    for runs in range(1, len(classroom.ids) + 1):
        try:
            grade_class(classroom.out, archive, db, workers=1)
            break
        except SourceError as error:
            assert str(error) == (f"{archive}: the notebooks to grade expand to more than {3 * size / 2**30:g} GiB; "
                                  "what is graded is kept: run again to grade more")
    graded = [path for path, row in recorded(db).items() if row["status"] == "graded"]
    assert (len(graded), runs) == (len(classroom.ids), 3)  # 3 notebooks a run


def test_file_names_that_are_not_utf8_are_kept_printable(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"s001-\xff.ipynb"), "wb") as handle:
        handle.write(b"{}")
    (submission,), _ = read_all(tmp_path)
    assert (submission.path, submission.data) == ("s001-\\xff.ipynb", b"{}")
    assert identify_path(submission.path, ROSTER).student == "s001"
