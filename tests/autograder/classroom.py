"""Helpers for the autograder tests: notebooks as dicts, answer cells, and the gradebook's rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SUBMISSION_COLUMNS = "path, sha256, student, paper, status, message, score, max, current"


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict, mtime: float | None = None) -> Path:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def cell(notebook: dict, key: str) -> dict:
    (found,) = [c for c in notebook["cells"] if c.get("id") == key]
    return found


def answer(notebook: dict, grade_id: str) -> str:
    """The text after ``variable = `` in an answer cell."""
    return cell(notebook, grade_id)["source"].split("\n", 1)[1].split(" = ", 1)[1]


def set_answer(notebook: dict, grade_id: str, text: str) -> dict:
    target = cell(notebook, grade_id)
    comment, assignment = target["source"].split("\n", 1)
    target["source"] = f"{comment}\n{assignment.split(' = ', 1)[0]} = {text}"
    return notebook


def submissions(db: Path) -> dict[str, dict]:
    """path -> the submission's row (no timestamps, no row ids)."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return {r["path"]: dict(r) for r in connection.execute(f"SELECT {SUBMISSION_COLUMNS} FROM submissions")}


def results(db: Path, path: str | None = None) -> dict:
    """(path, grade_id) -> (points, earned, status, feedback, misconception, answer), or grade_id -> ... for one path."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT s.path, r.grade_id, r.points, r.earned, r.status, r.feedback, r.misconception, r.answer "
            "FROM results r JOIN submissions s ON s.id = r.submission").fetchall()
    if path is None:
        return {(r[0], r[1]): r[2:] for r in rows}
    return {r[1]: r[2:] for r in rows if r[0] == path}


def slot_points(manifest: dict, student: str) -> dict[str, float]:
    entry = next(s for s in manifest["students"] if s["id"] == student)
    return {slot["grade_id"]: slot["points"] for q in entry["questions"] for slot in q["slots"].values()}


def history(db: Path, student: str) -> list[dict]:
    """Every submission of ``student``, oldest row first."""
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE student = ? ORDER BY id", (student,))]
