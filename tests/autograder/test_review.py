"""``cnnexam review``: a grader lists the flagged submissions, accepts one (for its student or another),
sets a bogus one aside and restores it; the exports and a rerun of ``cnnexam grade`` follow the decisions."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from contextlib import closing

import pytest
from classroom import history, read, set_answer, write

from cnnexam.cli import main

EARLY, LATE = 1_900_000_000, 1_900_000_500
MALLORY = "Mallory Evil_999_assignsubmission_file_/s002\x1b[2J.ipynb"  # an escape sequence in the name
KEY = "Grace Hopper_903_assignsubmission_file_/final.ipynb"
SWAPPED = "Frances Allen_907_assignsubmission_file_/answers.ipynb"
OTHER_EXAM = "Donald Knuth_906_assignsubmission_file_/other.ipynb"
BROKEN = "John McCarthy_908_assignsubmission_file_/broken.ipynb"
ADA = "Ada Lovelace_901_assignsubmission_file_/answers.ipynb"
ALAN = "Alan Turing_902_assignsubmission_file_/blank.ipynb"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def graded(classroom, tmp_path, capsys):
    """A Moodle class: Ada graded; Alan's own blank notebook (0 points) and, newer, his answers uploaded by
    Mallory (off the roster: flagged); Grace's leaked key (flagged); Frances's folder holding Barbara's
    (s005) notebook (flagged); Donald's notebook of another exam (flagged, no score); John's broken file."""
    folder = tmp_path / "moodle"
    write(folder / ADA, read(classroom.solution("s001")), mtime=EARLY)
    write(folder / ALAN, read(classroom.blank("s002")), mtime=EARLY)
    write(folder / MALLORY, read(classroom.solution("s002")), mtime=LATE)
    write(folder / KEY, read(classroom.key("s003")), mtime=LATE)
    write(folder / SWAPPED, read(classroom.solution("s005")), mtime=LATE)
    other = read(classroom.solution("s006"))
    other["metadata"]["cnnexam"]["spec_sha256"] = "0" * 64
    write(folder / OTHER_EXAM, other, mtime=LATE)
    (folder / BROKEN).parent.mkdir(parents=True)
    (folder / BROKEN).write_text("{", encoding="utf-8")
    db = tmp_path / "grades.sqlite"
    code, out, _ = run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    assert code == 0 and out.startswith("graded 2, flagged 4, rejected 1, skipped 0")
    return folder, db


def ids(db) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        return {path: i for i, path in connection.execute("SELECT id, path FROM submissions")}


def row(db, path: str, grader: str | None = None) -> dict:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = [dict(r) for r in connection.execute("SELECT * FROM submissions WHERE path = ? ORDER BY id", (path,))]
    return rows[-1] if grader is None else next(r for r in rows if r["grader"] == grader)


def decisions(db) -> list[dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute("SELECT * FROM decisions ORDER BY id")]


def canvas(capsys, db) -> dict[str, tuple[str, str]]:
    """Roster id -> (the LMS user id kept with the current submission, the score in the Canvas export, ""
    when the export leaves the student out)."""
    code, out, _ = run(capsys, "report", db, "--format", "canvas-csv")
    assert code == 0
    scores = {r[2]: r[5] for r in list(csv.reader(io.StringIO(out)))[2:]}
    with closing(sqlite3.connect(db)) as connection:
        users = dict(connection.execute("SELECT student, lms_user FROM submissions WHERE current = 1"))
        roster = [sid for (sid,) in connection.execute("SELECT id FROM students ORDER BY position")]
    return {sid: (users.get(sid, ""), scores.get(sid, "")) for sid in roster}


def counted(db, student: str) -> str | None:
    """The path of the student's current submission."""
    rows = [r["path"] for r in history(db, student) if r["current"]]
    assert len(rows) <= 1
    return rows[0] if rows else None


def test_the_list_of_flagged_submissions(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    code, out, err = run(capsys, "review", db)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "4 flagged submissions to review (accept one with --accept ID [--student SID], or --set-aside ID):"
    assert lines[1:] == sorted([
        f"  {n[MALLORY]}  s002 (Alan Turing)    84/84  Mallory Evil_999_assignsubmission_file_/s002\\x1b[2J.ipynb: "
        "the Moodle folder 'Mallory Evil' names no student of the roster; only the file name "
        "'s002\\x1b[2J.ipynb' names s002",
        f"  {n[KEY]}  s003 (Grace Hopper)   84/84  {KEY}: this is the instructor's solution notebook (its metadata "
        "marks it as a solution and it has the worked solutions (q1-solution, q2-solution, q3-solution ...)): "
        "has the key leaked?",
        f"  {n[SWAPPED]}  s007 (Frances Allen)  84/84  {SWAPPED}: the Moodle folder 'Frances Allen' names s007, "
        "but the notebook is s005's",
        f"  {n[OTHER_EXAM]}  s006 (Donald Knuth)       -  {OTHER_EXAM}: the notebook belongs to another exam "
        "(its spec checksum differs from this exam's)",
    ], key=lambda line: int(line.split()[0]))  # in the order they were graded


def test_nothing_flagged(classroom, tmp_path, capsys):
    db = tmp_path / "grades.sqlite"
    assert run(capsys, "grade", classroom.out, classroom.hand_in(tmp_path / "in"), "--db", db, "--workers", "1")[0] == 0
    assert run(capsys, "review", db) == (0, f"no flagged submissions to review in {db}\n", "")


def test_accepting_a_flagged_submission_makes_it_count(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    assert canvas(capsys, db)["s002"] == ("902", "0")  # Alan's blank notebook counts, Mallory's upload does not
    code, out, err = run(capsys, "review", db, "--accept", n[MALLORY], "--note", "Alan used Mallory's laptop")
    assert code == 0 and err == ""
    assert out == (f"accepted submission {n[MALLORY]} (Mallory Evil_999_assignsubmission_file_/s002\\x1b[2J.ipynb) "
                   "for s002 (Alan Turing): graded, 84/84 points; it counts now\n")
    accepted = row(db, MALLORY)
    assert (accepted["status"], accepted["confirmed"], accepted["current"], accepted["student"]) == ("graded", 1, 1, "s002")
    assert row(db, ALAN)["current"] == 0
    # graded now, and not under Mallory's Moodle account (999): the uploader's id is dropped
    assert canvas(capsys, db)["s002"] == ("", "84")
    (decision,) = decisions(db)
    assert {k: decision[k] for k in ("submission", "action", "student", "was_status", "was_student", "was_confirmed",
                                     "was_lms_user", "note")} == {
        "submission": n[MALLORY], "action": "accept", "student": "s002", "was_status": "flagged",
        "was_student": "s002", "was_confirmed": 0, "was_lms_user": "999", "note": "Alan used Mallory's laptop"}
    assert decision["decided"].startswith("20") and decision["decided"].endswith("+00:00")
    code, out, _ = run(capsys, "review", db)
    assert out.splitlines()[0].startswith("3 flagged submissions") and "Mallory" not in out
    assert out.splitlines()[-1] == "1 accepted earlier (graded now, not listed)"


def test_accepting_for_another_student(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    assert (counted(db, "s007"), counted(db, "s005")) == (SWAPPED, None)
    code, out, _ = run(capsys, "review", db, "--accept", f"#{n[SWAPPED]}", "--student", "S005")
    assert code == 0 and out == (f"accepted submission {n[SWAPPED]} ({SWAPPED}) for s005 (Barbara Liskov): graded, "
                                 "84/84 points; it counts now\n")
    assert (counted(db, "s005"), counted(db, "s007")) == (SWAPPED, None)  # Frances no longer has it
    exported = canvas(capsys, db)
    assert exported["s005"] == ("", "84") and exported["s007"] == ("", "")
    assert decisions(db)[0]["note"] == "" and decisions(db)[0]["was_student"] == "s007"


def test_an_accepted_submission_counts_only_when_it_is_the_newest(classroom, tmp_path, capsys):
    folder = tmp_path / "moodle"
    write(folder / "Mallory Evil_999_assignsubmission_file_/s004.ipynb", read(classroom.solution("s004")), mtime=EARLY)
    wrong = set_answer(read(classroom.solution("s004")), "q1-shape", "(0, 0)")
    write(folder / "Edsger Dijkstra_904_assignsubmission_file_/mine.ipynb", wrong, mtime=LATE)
    db = tmp_path / "grades.sqlite"
    run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    n = ids(db)
    before = canvas(capsys, db)["s004"]
    code, out, _ = run(capsys, "review", db, "--accept", n["Mallory Evil_999_assignsubmission_file_/s004.ipynb"])
    assert code == 0 and out.endswith(f"it does not count: s004 (Edsger Dijkstra)'s submission "
                                      f"{n['Edsger Dijkstra_904_assignsubmission_file_/mine.ipynb']} "
                                      "(Edsger Dijkstra_904_assignsubmission_file_/mine.ipynb, graded) is newer and counts\n")
    assert canvas(capsys, db)["s004"] == before and before[1] not in ("", "84")
    assert counted(db, "s004") == "Edsger Dijkstra_904_assignsubmission_file_/mine.ipynb"


def test_set_aside_and_restore(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    code, out, _ = run(capsys, "review", db, "--set-aside", n[ADA], "--note", "a test upload")
    assert code == 0 and out == (f"set aside submission {n[ADA]} ({ADA}, graded): it never counts; "
                                 "s001 (Ada Lovelace) has no other submission that counts\n")
    assert row(db, ADA)["current"] == 0 and canvas(capsys, db)["s001"] == ("", "")
    code, out, _ = run(capsys, "review", db, "--set-aside", n[KEY])
    assert code == 0 and row(db, KEY)["set_aside"] == 1 and row(db, KEY)["current"] == 0
    code, out, _ = run(capsys, "review", db)
    lines = out.splitlines()
    assert lines[0].startswith("3 flagged submissions") and lines[-3:] == [
        "2 set aside, never counted (count one again with --restore ID):",
        f"  {n[ADA]}  s001 (Ada Lovelace)  84/84  {ADA}: graded; note: a test upload",
        f"  {n[KEY]}  s003 (Grace Hopper)  84/84  {KEY}: flagged: this is the instructor's solution notebook (its "
        "metadata marks it as a solution and it has the worked solutions (q1-solution, q2-solution, q3-solution "
        "...)): has the key leaked?"]

    code, out, _ = run(capsys, "review", db, "--restore", n[ADA], "--note", "it was hers after all")
    assert code == 0 and out == f"restored submission {n[ADA]} ({ADA}, graded); it counts now\n"
    assert row(db, ADA)["current"] == 1 and canvas(capsys, db)["s001"] == ("901", "84")
    assert [(d["action"], d["note"]) for d in decisions(db)] == [
        ("set-aside", "a test upload"), ("set-aside", ""), ("restore", "it was hers after all")]


def test_setting_aside_a_newer_submission_lets_the_older_one_count(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    run(capsys, "review", db, "--accept", n[MALLORY])
    code, out, _ = run(capsys, "review", db, "--set-aside", n[MALLORY])
    assert out == (f"set aside submission {n[MALLORY]} (Mallory Evil_999_assignsubmission_file_/s002\\x1b[2J.ipynb, "
                   f"graded): it never counts; s002 (Alan Turing)'s submission {n[ALAN]} ({ALAN}, graded) counts now\n")
    assert canvas(capsys, db)["s002"] == ("902", "0")
    run(capsys, "review", db, "--restore", n[MALLORY])
    assert canvas(capsys, db)["s002"] == ("", "84")


def test_the_other_reports_follow_the_decisions(classroom, graded, capsys, tmp_path):
    _, db = graded
    n = ids(db)
    run(capsys, "review", db, "--accept", n[MALLORY])
    run(capsys, "review", db, "--set-aside", n[ADA])
    code, out, err = run(capsys, "report", db, "--format", "moodle-csv")
    grades = {r[2]: r[4] for r in list(csv.reader(io.StringIO(out)))[1:]}
    assert grades == {"s002": "84"}  # the others have no grade, so Moodle keeps theirs
    assert err == ("cnnexam: warning: 7 students without a grade left out, so the LMS keeps what it has for them: "
                   "never handed anything in: s001, s004, s005; awaiting review: s003, s006, s007; rejected: s008; "
                   "`cnnexam review` decides flagged submissions\n")
    run(capsys, "report", db, "--format", "stats", "--out", tmp_path / "stats")
    stats = json.loads((tmp_path / "stats" / "stats.json").read_text(encoding="utf-8"))
    assert (stats["graded"], stats["not_graded"]) == (1, 4)  # s002; flagged s003, s006, s007 and rejected s008
    run(capsys, "report", db, "--format", "feedback", "--out", tmp_path / "feedback")
    assert "Score: 84 of 84 points" in (tmp_path / "feedback" / "s002.md").read_text(encoding="utf-8")
    assert not (tmp_path / "feedback" / "s001.md").exists()


def test_a_rerun_of_grade_keeps_the_decisions(classroom, graded, capsys):
    folder, db = graded
    n = ids(db)
    run(capsys, "review", db, "--accept", n[MALLORY])
    run(capsys, "review", db, "--accept", n[SWAPPED], "--student", "s005")
    run(capsys, "review", db, "--set-aside", n[KEY])
    run(capsys, "review", db, "--set-aside", n[ADA])
    before = canvas(capsys, db)
    # new files: an older one of Ada's, which now counts (her newer one is set aside, whatever its time), and
    # another off-roster upload for Alan, newer than the accepted one
    write(folder / "Ada Lovelace_901_assignsubmission_file_/draft.ipynb", read(classroom.blank("s001")), mtime=EARLY - 9)
    write(folder / "Eve Evil_998_assignsubmission_file_/s002.ipynb", read(classroom.blank("s002")), mtime=LATE + 9)
    code, out, _ = run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    assert out.startswith("graded 1, flagged 1, rejected 0, skipped 7")
    after = canvas(capsys, db)
    assert after["s001"] == ("901", "0") and before["s001"] == ("", "")
    assert {k: v for k, v in after.items() if k != "s001"} == {k: v for k, v in before.items() if k != "s001"}
    assert after["s002"] == ("", "84") and after["s005"] == ("", "84")
    assert (counted(db, "s002"), counted(db, "s003"), counted(db, "s005")) == (MALLORY, None, SWAPPED)
    assert (row(db, KEY)["set_aside"], row(db, ADA)["set_aside"], row(db, MALLORY)["status"]) == (1, 1, "graded")
    assert len(decisions(db)) == 4


def test_a_new_grader_version_reapplies_the_decisions(classroom, graded, capsys, monkeypatch):
    """Regrading by a new grader version adds rows; the decisions about the same files (path and sha256)
    are re-applied to them: a set-aside always, an acceptance when the file is flagged for the same reasons."""
    import cnnexam.autograder.grade as grade

    folder, db = graded
    n = ids(db)
    run(capsys, "review", db, "--accept", n[MALLORY], "--note", "checked")
    run(capsys, "review", db, "--accept", n[SWAPPED], "--student", "s005")
    run(capsys, "review", db, "--set-aside", n[ADA])
    with sqlite3.connect(db) as connection:  # as if the old grader had flagged Barbara's file for another reason
        connection.execute("UPDATE submissions SET message = 'something else' WHERE id = ?", (n[SWAPPED],))
    before = canvas(capsys, db)
    old = row(db, ADA)["grader"]
    monkeypatch.setattr(grade, "GRADER_VERSION", old + " (next)")
    code, out, _ = run(capsys, "grade", classroom.out, folder, "--db", db, "--workers", "1")
    assert out.startswith("graded 2, flagged 4, rejected 1, skipped 0")
    new = old + " (next)"
    assert {k: row(db, MALLORY, new)[k] for k in ("status", "confirmed", "student", "current", "lms_user")} == {
        "status": "graded", "confirmed": 1, "student": "s002", "current": 1, "lms_user": ""}
    assert (row(db, ADA, new)["set_aside"], row(db, ADA, new)["current"]) == (1, 0)
    swapped = row(db, SWAPPED, new)  # other reasons than the accepted ones: back to the grader
    assert (swapped["status"], swapped["student"]) == ("flagged", "s007")
    assert row(db, SWAPPED, old)["current"] == 1  # the old accepted row still counts for s005
    assert {k: v[1] for k, v in canvas(capsys, db).items()} == {k: v[1] for k, v in before.items()}  # the scores
    reapplied = [d for d in decisions(db) if d["note"].startswith("re-applied")]
    assert sorted((d["action"], d["submission"]) for d in reapplied) == [
        ("accept", row(db, MALLORY, new)["id"]), ("set-aside", row(db, ADA, new)["id"])]
    assert [d["note"].endswith(": checked") for d in reapplied if d["action"] == "accept"] == [True]
    code, out, _ = run(capsys, "review", db)
    assert f"  {swapped['id']}  s007 (Frances Allen)" in out


def test_a_gradebook_from_before_review_is_upgraded(classroom, graded, capsys):
    _, db = graded
    n = ids(db)
    with sqlite3.connect(db) as connection:
        connection.execute("ALTER TABLE submissions DROP COLUMN set_aside")
        connection.execute("DROP TABLE decisions")
    code, out, _ = run(capsys, "review", db, "--set-aside", n[ADA])
    assert code == 0 and row(db, ADA)["set_aside"] == 1 and len(decisions(db)) == 1


def error(capsys, *argv) -> str:
    code, out, err = run(capsys, "review", *argv)
    assert code == 2 and out == "" and err.startswith("cnnexam: error: ") and err.count("\n") == 1, (code, out, err)
    return err[len("cnnexam: error: "):-1]


def test_errors(classroom, graded, capsys, tmp_path):
    _, db = graded
    n = ids(db)
    untouched = history(db, "s002") + history(db, "s006") + history(db, "s008")
    assert error(capsys, db, "--accept", 999) == f"{db}: no submission 999 (its ids run from 1 to 7)"
    assert error(capsys, db, "--restore", "x") == ("--restore: expected a submission id (a number, as "
                                                   "`cnnexam review DB` lists them), got 'x'")
    assert error(capsys, db, "--accept", n[MALLORY], "--student", "s0O2") == (
        "--student 's0O2': no such student in the roster; close matches: s002 (Alan Turing)")
    assert error(capsys, db, "--accept", n[MALLORY], "--student", "lovelace") == (
        "--student 'lovelace': no such student in the roster; close matches: s001 (Ada Lovelace)")
    assert error(capsys, db, "--accept", n[MALLORY], "--student", "zz") == (
        "--student 'zz': no such student in the roster; no close match among the 8 roster ids (s001, s002, s003, ...)")
    assert error(capsys, db, "--accept", n[BROKEN]).startswith(
        f"submission {n[BROKEN]} was rejected, not flagged (not a notebook: the JSON is broken")
    assert error(capsys, db, "--accept", n[ADA]) == f"submission {n[ADA]} is already graded: nothing to accept"
    assert error(capsys, db, "--accept", n[OTHER_EXAM]) == (
        f"submission {n[OTHER_EXAM]} was not graded against any paper (the notebook belongs to another exam (its spec "
        f"checksum differs from this exam's)): there is no score to accept; `--set-aside {n[OTHER_EXAM]}` it, or grade "
        "it by hand")
    assert error(capsys, db, "--restore", n[KEY]) == f"submission {n[KEY]} is not set aside: nothing to restore"
    assert error(capsys, db, "--accept", 1, "--set-aside", 2) == (
        "give one of --accept, --set-aside and --restore, not --accept and --set-aside")
    assert error(capsys, db, "--student", "s001") == "--student goes with --accept ID"
    assert error(capsys, db, "--note", "why") == "--note goes with --accept, --set-aside or --restore"
    assert history(db, "s002") + history(db, "s006") + history(db, "s008") == untouched and decisions(db) == []

    run(capsys, "review", db, "--accept", n[MALLORY])
    assert error(capsys, db, "--accept", n[MALLORY]).startswith(
        f"submission {n[MALLORY]} is already graded (accepted 20")
    run(capsys, "review", db, "--set-aside", n[KEY])
    assert error(capsys, db, "--set-aside", n[KEY]) == f"submission {n[KEY]} is already set aside"
    assert error(capsys, db, "--accept", n[KEY]) == f"submission {n[KEY]} is set aside: `--restore {n[KEY]}` it first"
    assert len(decisions(db)) == 2


def test_the_gradebook_must_exist(tmp_path, capsys):
    missing = tmp_path / "grades.sqlite"
    assert error(capsys, missing) == f"{missing}: no such gradebook (`cnnexam grade` writes one)"
    assert error(capsys, missing, "--set-aside", 1) == f"{missing}: no such gradebook (`cnnexam grade` writes one)"
    assert os.listdir(tmp_path) == []
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    assert error(capsys, other) == f"{other}: not a cnnexam gradebook (it has no submissions table)"
    with sqlite3.connect(other) as connection:
        assert [r[0] for r in connection.execute("SELECT name FROM sqlite_master")] == ["notes"]
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("not a database " * 100, encoding="utf-8")
    assert error(capsys, garbage).startswith(f"{garbage}: cannot be used as a gradebook (")
