"""Benchmark: grading 1,000 submissions of the example exam into a fresh gradebook.

The class (1,000 students, notebooks only) is generated first into a temporary folder, untimed, and one
submission per student is written from it: 50% answered as the key (full marks), 35% partly wrong (a
third of the answers replaced by wrong values, blanks or text that cannot be read), 15% bad files (broken
JSON, an edited locked cell, another exam's notebook, code in an answer cell, a huge nested list).
Then ``cnnexam grade`` is timed. Target (2 cores): at most 10 s wall. Prints the throughput.

    python bench/grade.py [--students 1000] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from cnnexam.autograder.grade import grade_class
from cnnexam.generator.exam import generate_exam
from cnnexam.generator.spec import Student, load_spec

WRONG = ["0", "[[0, 0], [0, 0]]", "(1, 2, 3)", "'no idea'", "15/4", "__import__('os').system('true')", "3 x 3"]


def answer_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if "cnnexam" in c["metadata"]]


def answered(exam: Path, student_id: str) -> dict:
    """The student's notebook with every answer cell as the solution notebook has it: what a student who
    got everything right hands in (the solution notebook itself is flagged as a leaked key)."""
    notebook = json.loads((exam / "students" / f"{student_id}.ipynb").read_text())
    solution = json.loads((exam / "instructor" / "solutions" / f"{student_id}.ipynb").read_text())
    sources = {c["id"]: c["source"] for c in answer_cells(solution)}
    for cell in answer_cells(notebook):
        cell["source"] = sources[cell["id"]]
    return notebook


def partly_wrong(notebook: dict, rng: random.Random) -> dict:
    for cell in answer_cells(notebook):
        if rng.random() < 1 / 3:
            comment, assignment = cell["source"].split("\n", 1)
            variable = assignment.split(" = ", 1)[0]
            cell["source"] = f"{comment}\n{variable} = {rng.choice(WRONG + ['...'])}"
    return notebook


def bad(notebook: dict, kind: int) -> bytes:
    if kind == 0:
        return json.dumps(notebook).encode()[:5000]  # truncated
    if kind == 1:
        notebook["cells"][1]["source"] += "\nI changed the question."  # edited locked cell
    elif kind == 2:
        notebook["metadata"]["cnnexam"]["spec_sha256"] = "0" * 64  # another exam
    elif kind == 3:
        cell = answer_cells(notebook)[0]
        cell["source"] += "\nimport os; os.system('touch /tmp/never')\n" + "x = " + "[" * 50 + "]" * 50
    else:
        cell = answer_cells(notebook)[0]
        variable = cell["source"].split("\n")[1].split(" = ")[0]
        cell["source"] = f"{variable} = " + str([[i] * 300 for i in range(300)])
    return json.dumps(notebook).encode()


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the grading workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    spec = load_spec(Path(str(files("cnnexam.generator") / "examples" / "exam.toml")))
    students = [Student(f"b{i:05d}", f"Student {i}", f"student{i}@example.edu") for i in range(args.students)]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        exam, handed = Path(tmp) / "exam", Path(tmp) / "submissions"
        handed.mkdir()
        t = time.perf_counter()
        generate_exam(spec, students, exam, ["ipynb"], args.workers)
        kinds = {"correct": 0, "partly wrong": 0, "bad": 0}
        for i, student in enumerate(students):
            notebook = answered(exam, student.id)
            share = rng.random()
            if share < 0.5:
                data, kind = json.dumps(notebook).encode(), "correct"
            elif share < 0.85:
                data, kind = json.dumps(partly_wrong(notebook, rng)).encode(), "partly wrong"
            else:
                data, kind = bad(notebook, i % 5), "bad"
            kinds[kind] += 1
            (handed / f"{student.id}.ipynb").write_bytes(data)
        print(f"setup (untimed): {args.students} students generated and handed in in {time.perf_counter() - t:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in kinds.items()))
        db = Path(tmp) / "grades.sqlite"
        cpu = _cpu()
        t = time.perf_counter()
        summary = grade_class(exam, handed, db, args.workers)
        wall = time.perf_counter() - t
        cpu = _cpu() - cpu
        t = time.perf_counter()
        again = grade_class(exam, handed, db, args.workers)
        rerun = time.perf_counter() - t
    done = summary.graded + summary.flagged + summary.rejected
    print(f"{done} submissions, {summary.workers} workers (cores: {os.cpu_count()})")
    print(f"  wall time   {wall:8.2f} s   (target <= 10 s)  {'OK' if wall <= 10 else 'MISSED'}")
    print(f"  throughput  {done / wall:8.1f} submissions/s")
    print(f"  CPU time    {cpu:8.2f} s    ({1000 * cpu / done:.1f} ms per submission, main process and workers)")
    print(f"  outcomes    graded {summary.graded}, flagged {summary.flagged}, rejected {summary.rejected}")
    print(f"  rerun       {rerun:8.2f} s   (skipped {again.skipped}: nothing to regrade)")


if __name__ == "__main__":
    main()
