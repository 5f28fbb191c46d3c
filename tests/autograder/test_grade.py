"""Grading a generated class end to end: solutions give full marks, untouched notebooks zero, whatever the
packaging (folder, Canvas zip, Moodle folders) or the number of workers; reruns are idempotent; a newer
submission supersedes an older one and the history is kept."""

from __future__ import annotations

import json
import shutil
import zipfile
from fractions import Fraction

import pytest
from classroom import answer, history, read, results, set_answer, slot_points, submissions, write

from cnnexam.autograder import GRADER_VERSION
from cnnexam.autograder.grade import grade_class


def test_right_answers_get_full_marks(classroom, tmp_path):
    db = tmp_path / "grades.sqlite"
    summary = grade_class(classroom.out, classroom.hand_in(tmp_path / "in"), db, workers=1)
    assert (summary.graded, summary.flagged, summary.rejected, summary.skipped) == (len(classroom.ids), 0, 0, 0)
    rows = submissions(db)
    total = sum(q["points"] for q in classroom.manifest["students"][0]["questions"])
    for sid in classroom.ids:
        row = rows[f"{sid}.ipynb"]
        assert (row["student"], row["paper"], row["status"], row["score"], row["max"], row["current"]) == \
               (sid, sid, "graded", total, total, 1)
        assert row["message"] == ""
        slots = results(db, f"{sid}.ipynb")
        assert slots.keys() == slot_points(classroom.manifest, sid).keys()
        assert {r[2] for r in slots.values()} == {"correct"}
        assert all(r[0] == r[1] for r in slots.values())


def test_a_solution_notebook_handed_in_is_flagged(classroom, tmp_path):
    """The instructor's solution notebook would get full marks: it is flagged as a leaked key, also when
    its metadata was edited not to say so."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(classroom.key("s001"), folder / "s001.ipynb")
    disguised = read(classroom.key("s002"))
    disguised["metadata"]["cnnexam"]["solution"] = False
    write(folder / "s002.ipynb", disguised)
    db = tmp_path / "grades.sqlite"
    summary = grade_class(classroom.out, folder, db, workers=1)
    assert (summary.graded, summary.flagged) == (0, 2)
    rows = submissions(db)
    worked = "the worked solutions (q1-solution, q2-solution, q3-solution ...)"
    assert rows["s001.ipynb"]["message"] == ("this is the instructor's solution notebook (its metadata marks it as a "
                                             f"solution and it has {worked}): has the key leaked?")
    assert rows["s002.ipynb"]["message"] == f"this is the instructor's solution notebook (it has {worked}): has the key leaked?"


def test_untouched_student_notebooks_score_zero(classroom, tmp_path):
    db = tmp_path / "grades.sqlite"
    summary = grade_class(classroom.out, classroom.hand_in(tmp_path / "in", "blank"), db, workers=1)
    assert (summary.graded, summary.flagged, summary.rejected) == (len(classroom.ids), 0, 0)
    for sid in classroom.ids:
        row = submissions(db)[f"{sid}.ipynb"]
        assert (row["status"], row["score"], row["message"]) == ("graded", 0.0, "")
        slots = results(db, f"{sid}.ipynb")
        assert {(r[1], r[2], r[3]) for r in slots.values()} == {(0.0, "missing", "No answer was given.")}


def test_parallel_workers_give_the_same_gradebook(classroom, tmp_path):
    folder = classroom.hand_in(tmp_path / "in")
    notebook = read(folder / "s002.ipynb")
    set_answer(notebook, "q7-params", "12")
    write(folder / "s002.ipynb", notebook)
    grade_class(classroom.out, folder, tmp_path / "one.sqlite", workers=1)
    grade_class(classroom.out, folder, tmp_path / "two.sqlite", workers=2)
    assert submissions(tmp_path / "one.sqlite") == submissions(tmp_path / "two.sqlite")
    assert results(tmp_path / "one.sqlite") == results(tmp_path / "two.sqlite")
    assert submissions(tmp_path / "two.sqlite")["s002.ipynb"]["score"] == \
           sum(slot_points(classroom.manifest, "s002").values()) - slot_points(classroom.manifest, "s002")["q7-params"]


def test_canvas_zip_and_moodle_folders(classroom, tmp_path):
    """Canvas names files lastfirst_user_submission_original; Moodle a folder per student. The student is
    recognised from either name, and the Canvas user id is kept for the Canvas export."""
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(classroom.solution("s001"), "lovelaceada_1234_5678_s001.ipynb")
        z.write(classroom.solution("s002"), "turingalan_LATE_2345_6789_midterm.ipynb")  # original name without id
    summary = grade_class(classroom.out, archive, tmp_path / "canvas.sqlite", workers=1)
    assert (summary.graded, summary.flagged, summary.rejected) == (2, 0, 0)
    rows = submissions(tmp_path / "canvas.sqlite")
    assert rows["lovelaceada_1234_5678_s001.ipynb"]["student"] == "s001"
    assert rows["turingalan_LATE_2345_6789_midterm.ipynb"]["student"] == "s002"

    moodle = tmp_path / "moodle"
    for sid, name in (("s001", "Ada Lovelace"), ("s003", "Grace Hopper")):
        folder = moodle / f"{name}_{900 + int(sid[1:])}_assignsubmission_file_"
        folder.mkdir(parents=True)
        shutil.copyfile(classroom.solution(sid), folder / "answers.ipynb")
    summary = grade_class(classroom.out, moodle, tmp_path / "moodle.sqlite", workers=1)
    assert (summary.graded, summary.flagged) == (2, 0)
    rows = submissions(tmp_path / "moodle.sqlite")
    assert rows["Grace Hopper_903_assignsubmission_file_/answers.ipynb"]["student"] == "s003"


def test_rerun_skips_what_is_graded_and_regrades_changes(classroom, tmp_path):
    folder = classroom.hand_in(tmp_path / "in")
    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, folder, db, workers=1)
    before = submissions(db)
    again = grade_class(classroom.out, folder, db, workers=1)
    assert (again.graded, again.skipped) == (0, len(classroom.ids))
    assert submissions(db) == before
    notebook = read(folder / "s004.ipynb")  # the same path with new content is a new submission
    set_answer(notebook, "q7-params", "1")
    write(folder / "s004.ipynb", notebook, mtime=2_000_000_100)
    third = grade_class(classroom.out, folder, db, workers=1)
    assert (third.graded, third.skipped) == (1, len(classroom.ids) - 1)
    old, new = history(db, "s004")
    assert (old["current"], new["current"]) == (0, 1)
    assert old == {**before["s004.ipynb"], "current": 0}
    assert new["score"] == old["score"] - slot_points(classroom.manifest, "s004")["q7-params"]


def test_newer_submission_supersedes_older_and_history_is_kept(classroom, tmp_path):
    """Two submissions of one student: the newest by file time counts; on equal times the later name."""
    folder = tmp_path / "in"
    write(folder / "s005-first.ipynb", read(classroom.solution("s005")), mtime=1_900_000_000)
    second = read(classroom.solution("s005"))
    set_answer(second, "q7-params", "0")
    write(folder / "s005-second.ipynb", second, mtime=1_900_000_500)
    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, folder, db, workers=1)
    rows = submissions(db)
    assert rows["s005-second.ipynb"]["current"] == 1 and rows["s005-first.ipynb"]["current"] == 0
    assert rows["s005-first.ipynb"]["status"] == rows["s005-second.ipynb"]["status"] == "graded"
    assert len(results(db, "s005-first.ipynb")) == len(results(db, "s005-second.ipynb")) > 0  # history kept

    # equal file times: the later name counts
    write(folder / "s006-a.ipynb", read(classroom.solution("s006")), mtime=1_900_000_000)
    write(folder / "s006-b.ipynb", read(classroom.blank("s006")), mtime=1_900_000_000)
    grade_class(classroom.out, folder, db, workers=1)
    assert [(r["path"], r["current"]) for r in history(db, "s006")] == [("s006-a.ipynb", 0), ("s006-b.ipynb", 1)]


def test_a_gradebook_belongs_to_one_exam(classroom, tmp_path):
    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, classroom.hand_in(tmp_path / "in"), db, workers=1)
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE exam SET value = 'another' WHERE key = 'spec_sha256'")
    with pytest.raises(ValueError, match="this gradebook belongs to another exam"):
        grade_class(classroom.out, tmp_path / "in", db, workers=1)


def test_grader_version_is_recorded(classroom, tmp_path):
    import sqlite3

    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, classroom.hand_in(tmp_path / "in"), db, workers=1)
    with sqlite3.connect(db) as connection:
        assert {r[0] for r in connection.execute("SELECT grader FROM submissions")} == {GRADER_VERSION}
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_wrong_answer_is_named_as_its_misconception(classroom, tmp_path):
    """Every misconception of s001's paper, typed into its slot, is recognised in the feedback by name
    and with its fix."""
    from cnnexam.model.grading import raw_text
    from cnnexam.templates import all_templates

    entry = classroom.manifest["students"][0]
    notebook = read(classroom.blank(entry["id"]))
    expected = {}
    for q in entry["questions"]:
        variant = all_templates()[q["template"]].variant(q["seed"], q["difficulty"])
        for m in variant.misconceptions:
            for slot_id, value in m.answers.items():
                grade_id = q["slots"][slot_id]["grade_id"]
                if grade_id not in expected:
                    text = raw_text(variant.slot(slot_id), value)
                    set_answer(notebook, grade_id, json.dumps(text) if isinstance(text, str) and
                               variant.slot(slot_id).type.kind in {"single-choice", "multiple-choice", "short-text"}
                               else str(text))
                    expected[grade_id] = m
    assert len(expected) >= 8
    write(tmp_path / "in" / f"{entry['id']}.ipynb", notebook)
    grade_class(classroom.out, tmp_path / "in", tmp_path / "g.sqlite", workers=1)
    rows = results(tmp_path / "g.sqlite", f"{entry['id']}.ipynb")
    for grade_id, m in expected.items():
        points, earned, status, feedback, misconception, _ = rows[grade_id]
        assert status in ("wrong", "partial") and earned < points
        assert misconception == m.name
        assert feedback.startswith(f"Not right: it looks like you {m.description}. {m.fix}")


def test_partial_credit_is_scaled_to_the_exam_points(classroom, tmp_path):
    import ast

    notebook = read(classroom.solution("s001"))
    matrix = ast.literal_eval(answer(notebook, "q1-output"))
    matrix[0][0] += 100
    set_answer(notebook, "q1-output", str(matrix))
    write(tmp_path / "in" / "s001.ipynb", notebook)
    grade_class(classroom.out, tmp_path / "in", tmp_path / "g.sqlite", workers=1)
    points, earned, status, feedback, _, shown = results(tmp_path / "g.sqlite", "s001.ipynb")["q1-output"]
    cells = len(matrix) * len(matrix[0])
    assert status == "partial" and abs(earned - points * (cells - 1) / cells) < 1e-9
    assert feedback == f"Not right ({cells - 1} of {cells} entries are right)."
    assert shown == str(matrix)


def test_the_total_is_rounded_once_not_summed_from_rounded_parts(classroom, tmp_path):
    """Partial credit such as 8/9 of a part is kept whole per answer: rounding every part to 4 places
    first moved totals by 0.0001 (57.5227 for 57.52278)."""
    folder = classroom.hand_in(tmp_path / "in")
    notebook = read(folder / "s001.ipynb")
    points = slot_points(classroom.manifest, "s001")
    expected = {g: Fraction(p).limit_denominator(1000) for g, p in points.items()}
    for grade_id in points:
        text = answer(notebook, grade_id)
        entries = text.replace("[", " ").replace("]", " ").replace(",", " ").split()
        if text.startswith("[[") and 2 * entries.count("0") < len(entries):  # dense key: credit per entry
            first = entries[0]  # made wrong by adding 1000: one entry of n wrong
            set_answer(notebook, grade_id, "[[" + str(Fraction(first) + 1000) + text[2 + len(first):])
            expected[grade_id] *= Fraction(len(entries) - 1, len(entries))
    write(folder / "s001.ipynb", notebook)
    db = tmp_path / "grades.sqlite"
    grade_class(classroom.out, folder, db, workers=1)
    rows = results(db, "s001.ipynb")
    partial = [g for g, r in rows.items() if r[2] == "partial"]
    assert len(partial) >= 3 and any(round(expected[g], 4) != expected[g] for g in partial)
    assert all(abs(r[1] - expected[g]) < 1e-9 for g, r in rows.items())
    assert submissions(db)["s001.ipynb"]["score"] == round(float(sum(expected.values())), 4)
