"""A real generated class on disk: the example exam for the first 8 students of the example roster,
notebooks only, generated once per test session; and, for each student, the student notebook with every
answer cell filled in from the key (what a student who got everything right hands in)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest

from cnnexam.generator.exam import generate_exam
from cnnexam.generator.spec import load_roster, load_spec

STUDENTS = 8


@dataclass(frozen=True)
class Classroom:
    out: Path  # EXAM_OUT
    manifest: dict

    @property
    def ids(self) -> list[str]:
        return [s["id"] for s in self.manifest["students"]]

    def solution(self, student: str) -> Path:
        """The student's notebook with every answer right."""
        return self.out.parent / "answered" / f"{student}.ipynb"

    def key(self, student: str) -> Path:
        """The instructor's solution notebook (worked solutions, marked as a solution)."""
        return self.out / "instructor" / "solutions" / f"{student}.ipynb"

    def blank(self, student: str) -> Path:
        return self.out / "students" / f"{student}.ipynb"

    def hand_in(self, folder: Path, kind: str = "solutions", mtime: float = 2_000_000_000) -> Path:
        """Copy every student's solution (or blank) notebook into ``folder`` as ``<id>.ipynb``."""
        import os

        folder.mkdir(parents=True, exist_ok=True)
        for sid in self.ids:
            target = folder / f"{sid}.ipynb"
            shutil.copyfile(self.solution(sid) if kind == "solutions" else self.blank(sid), target)
            os.utime(target, (mtime, mtime))
        return folder


@pytest.fixture(scope="session")
def classroom(tmp_path_factory) -> Classroom:
    examples = files("cnnexam.generator") / "examples"
    spec = load_spec(Path(str(examples / "exam.toml")))
    students = load_roster(Path(str(examples / "roster.csv")))[:STUDENTS]
    out = tmp_path_factory.mktemp("class") / "out"
    generate_exam(spec, students, out, ("ipynb",), workers=1)
    manifest = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8"))
    classroom = Classroom(out, manifest)
    for sid in classroom.ids:
        answered(classroom.blank(sid), classroom.key(sid), classroom.solution(sid))
    return classroom


def answered(blank: Path, key: Path, target: Path) -> None:
    """The blank notebook with the key's answer cells (by cell id)."""
    notebook = json.loads(blank.read_text(encoding="utf-8"))
    sources = {c["id"]: c["source"] for c in json.loads(key.read_text(encoding="utf-8"))["cells"]}
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = sources[cell["id"]]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook), encoding="utf-8")
