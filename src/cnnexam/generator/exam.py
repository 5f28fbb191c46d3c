"""The instructor's main job: spec + roster -> every student's files, the keys and the manifest.

Layout of OUT::

    students/<id>.ipynb, students/<id>.pdf          what each student gets
    instructor/solutions/<id>.ipynb                  the same notebook with answers and worked solutions
    instructor/keys/<id>.pdf                         the answer key with worked solutions
    instructor/answer-sheet.pdf                      every student's keys in one printable table
    instructor/key.json                              student -> question -> slot -> answer (a number to
                                                     round: the rounding asked for and the exact key)
    instructor/manifest.json                         spec hash, seeds, template versions, variant ids,
                                                     checksums of each notebook's locked cells

Students are split over worker processes (forked after the engine is warm). Each file is a pure
function of (spec, student, template versions), so running twice gives identical notebooks and JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from cnnexam import __version__
from cnnexam.model.numbers import exact, fmt
from cnnexam.workers import forked_pool

from .folders import make_folders
from .paper import Paper, assemble
from .spec import ExamSpec, Student

FORMATS = ("ipynb", "pdf")
STAGES = ("sampling", "solving", "notebooks", "PDFs", "keys")
MAX_EXACT_DECIMALS = 30  # an exact key with more decimals (a binary float taken whole) is written as p/q


class GenerationError(RuntimeError):
    """Generation stopped for a reason outside the spec and roster (those raise SpecError)."""


@dataclass
class Result:
    """What one worker hands back: per-student key and manifest entries, CPU seconds per stage, files written."""

    keys: dict = field(default_factory=dict)
    students: list = field(default_factory=list)
    sheet_rows: list = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)
    files: int = 0


def generate_exam(spec: ExamSpec, students: Sequence[Student], out: str | Path, formats: Sequence[str] = FORMATS,
                  workers: int | None = None, progress: Callable[[int, int], None] | None = None,
                  replace: bool = False) -> dict:
    """Write every file; return a summary with counts, the wall seconds and the CPU seconds of each stage.
    An OUT that holds another exam (another master seed) is refused unless ``replace``."""
    from cnnexam.templates import all_templates

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"--formats: unknown format {unknown[0]!r}; expected some of {', '.join(FORMATS)}")
    if not formats:
        raise ValueError(f"--formats: none given; expected some of {', '.join(FORMATS)}, separated by commas")
    out = Path(out)
    previous = previous_spec(out)
    if previous and previous.get("content", {}).get("seed") != spec.seed and not replace:
        raise ValueError(f"--out {out} holds the papers of another exam (its manifest.json has another master "
                         "seed): generating would replace every paper and key, and submissions to that exam could "
                         "no longer be graded; use another --out, or --replace to overwrite it")
    folders = ["students", "instructor"] + (["instructor/solutions"] if "ipynb" in formats else []) \
        + (["instructor/keys"] if "pdf" in formats else [])
    make_folders(out, folders, f"--out {out}")
    started = time.perf_counter()
    templates = all_templates()
    # Build one paper here first: compiles and loads every kernel the exam needs before forking.
    assemble(spec, students[0], templates)
    workers = max(1, min(workers or os.cpu_count() or 1, len(students)))
    job = _Job(spec, tuple(formats), out)
    total = Result()
    if workers == 1:
        parts = [job.run(list(students), progress, len(students))]
    else:
        size = max(1, min(10, len(students) // (4 * workers)))  # small chunks: even load, a short tail, live progress
        chunks = [list(students[i:i + size]) for i in range(0, len(students), size)]
        parts, written = [], 0
        # concurrent.futures, not multiprocessing.Pool: when a worker dies (the out-of-memory killer, a
        # crash in a native library) the pool reports it instead of waiting forever for the lost chunk.
        with forked_pool(workers) as pool:
            try:
                for future in as_completed([pool.submit(job.run, chunk) for chunk in chunks]):
                    parts.append(future.result())
                    written += len(parts[-1].students)
                    if progress:
                        progress(written, len(students))
            except BrokenProcessPool:
                raise GenerationError(
                    f"a worker process died while writing papers (out of memory?): the files of {written} of "
                    f"{len(students)} students are complete in {out}. Run the command again (it writes identical "
                    "files); --workers 1 takes the least memory"
                ) from None
    for part in parts:
        total.keys.update(part.keys)
        total.students.extend(part.students)
        total.sheet_rows.extend(part.sheet_rows)
        total.seconds.update(part.seconds)
        total.files += part.files
    order = {s.id: i for i, s in enumerate(students)}
    total.students.sort(key=lambda entry: order[entry["id"]])
    total.sheet_rows.sort(key=lambda row: order[row.id])
    t = time.process_time()
    # in the papers' order (roster, question, part), not sorted as text ("1", "10", "11", "2")
    _write_json(out / "instructor" / "key.json", {s.id: total.keys[s.id] for s in students}, sort_keys=False)
    _write_json(out / "instructor" / "manifest.json", manifest(spec, total.students, templates))
    total.files += 2
    if "pdf" in formats:
        from .typst import class_answer_sheet, compile_pdf

        sheet = class_answer_sheet(spec, total.sheet_rows)
        (out / "instructor" / "answer-sheet.pdf").write_bytes(compile_pdf(sheet, tagged=False))
        total.files += 1
    total.seconds["keys"] += time.process_time() - t
    return {"students": len(students), "questions": len(spec.questions), "files": total.files,
            "seconds": time.perf_counter() - started, "stage_seconds": dict(total.seconds), "workers": workers,
            "stale": stale_files(out, students, formats, same_spec=bool(previous) and previous.get("sha256") == spec.digest),
            "missing_glyphs": unprintable(spec, students) if "pdf" in formats else {}}


def unprintable(spec: ExamSpec, students: Sequence[Student]) -> dict:
    """What the PDFs print as empty boxes because their fonts lack the characters: ``characters``, the
    ``students`` whose name or id has some, and whether the spec's own text (``spec``) has some. Empty
    when nothing is missing. Called after the workers ran: the check compiles in this process."""
    from .typst import missing_glyphs

    spec_texts = [spec.course, spec.title, spec.date, spec.instructions, *(s.title for s in spec.sections)]
    chars = missing_glyphs(spec_texts + [s.name + s.id for s in students])
    if not chars:
        return {}
    return {"characters": chars, "students": [s.id for s in students if set(chars) & set(s.name + s.id)],
            "spec": any(set(chars) & set(text) for text in spec_texts)}


def student_files(student_id: str, formats: Sequence[str]) -> dict[str, str]:
    """The files of one student, relative to OUT, by role."""
    files = {}
    if "ipynb" in formats:
        files.update(notebook=f"students/{student_id}.ipynb", solution=f"instructor/solutions/{student_id}.ipynb")
    if "pdf" in formats:
        files.update(paper=f"students/{student_id}.pdf", key=f"instructor/keys/{student_id}.pdf")
    return files


def stale_files(out: Path, students: Sequence[Student], formats: Sequence[str], same_spec: bool = False) -> list[str]:
    """Files in OUT's students and instructor folders that this run did not write: left from an earlier run
    (a student since removed from the roster, a format no longer asked for). Handing them out by mistake
    would be worse than a warning; deleting them is the instructor's call. With ``same_spec`` (the earlier
    run had this very spec) the current students' files in the other formats are current too."""
    kept = FORMATS if same_spec else formats
    written = {"instructor/key.json", "instructor/manifest.json"} | ({"instructor/answer-sheet.pdf"} if "pdf" in kept
                                                                     else set())
    written.update(path for s in students for path in student_files(s.id, kept).values())
    found = (p.relative_to(out).as_posix() for folder in ("students", "instructor") for p in (out / folder).rglob("*")
             if p.is_file())
    return sorted(path for path in found if path not in written)


@dataclass(frozen=True)
class _Job:
    spec: ExamSpec
    formats: tuple[str, ...]
    out: Path

    def run(self, students: list[Student], progress=None, total: int = 0) -> Result:
        from cnnexam.model.template import SOLVE_CLOCK
        from cnnexam.templates import all_templates

        from .notebook import notebook_text, render_notebooks

        templates = all_templates()
        result = Result()
        for done, student in enumerate(students, 1):
            t0, solving = time.process_time(), SOLVE_CLOCK.seconds
            paper = assemble(self.spec, student, templates)
            t1, solving = time.process_time(), SOLVE_CLOCK.seconds - solving
            result.seconds["sampling"] += t1 - t0 - solving
            result.seconds["solving"] += solving
            checksums = None
            files = student_files(student.id, self.formats)
            if "ipynb" in self.formats:
                student_nb, solution_nb = render_notebooks(paper)
                checksums = locked_checksums(student_nb, solution_nb)
                _write(self.out / files["notebook"], notebook_text(student_nb))
                _write(self.out / files["solution"], notebook_text(solution_nb))
                result.files += 2
            t2 = time.process_time()
            result.seconds["notebooks"] += t2 - t1
            if "pdf" in self.formats:
                from .typst import compile_pdf, render_typst, sheet_row

                (self.out / files["paper"]).write_bytes(compile_pdf(render_typst(paper)))
                t3 = time.process_time()
                result.seconds["PDFs"] += t3 - t2
                (self.out / files["key"]).write_bytes(compile_pdf(render_typst(paper, solution=True), tagged=False))
                result.seconds["keys"] += time.process_time() - t3
                result.files += 2
                result.sheet_rows.append(sheet_row(paper))
            result.keys[student.id] = paper_key(paper)
            result.students.append(student_manifest(paper, checksums))
            if progress:
                progress(done, total)
        return result


def previous_spec(out: Path) -> dict | None:
    """The spec entry (file, sha256, content) of the manifest an earlier run left in OUT, if one is there."""
    try:
        spec = json.loads((out / "instructor" / "manifest.json").read_text(encoding="utf-8")).get("spec")
    except (OSError, ValueError, AttributeError):
        return None
    return spec if isinstance(spec, dict) else None


def paper_key(paper: Paper) -> dict:
    """question number -> slot -> answer (JSON form, see :func:`slot_key`), for key.json."""
    return {str(q.number): {s.id: slot_key(s.type, q.variant.answers[s.id]) for s in q.variant.slots}
            for q in paper.questions}


def slot_key(answer_type, value):
    """One slot's answer as key.json holds it: the answer type's JSON form (whole numbers as numbers,
    fractions as ``"p/q"``, ...), except for a number (or array of numbers) to round to stated decimals:
    ``{"answer": "29.745", "exact": "29.74488129694222"}``, the answer as the slot asks for it and the exact
    key that the grader's tolerance (half a unit in the last place) is measured from, as a decimal, or as
    ``"p/q"`` when no decimal is exact. Grading never reads key.json (it regenerates the keys from the
    manifest); ``exact`` lets anyone regrade by hand exactly as the grader does."""
    decimals = answer_type.rounded_to
    if decimals is None:
        return answer_type.to_json(value)
    return {"answer": _nested(value, lambda v: fmt(v, decimals)), "exact": _nested(value, _exact_text)}


def _nested(value, cell):
    return [_nested(v, cell) for v in value] if isinstance(value, (list, tuple)) else cell(value)


def _exact_text(value) -> int | str:
    """An exact value: a whole number as a number, else a decimal string when one is exact (a float key is
    exactly its shortest repr), else ``"p/q"``."""
    value = exact(value)
    if isinstance(value, int):
        return value
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    places = max(twos, fives)
    return fmt(value, places) if denominator == 1 and places <= MAX_EXACT_DECIMALS else fmt(value)


def student_manifest(paper: Paper, checksums: dict | None = None) -> dict:
    """One student's manifest entry; ``checksums`` (from :func:`locked_checksums`) when notebooks were made."""
    from .render import slot_views

    s = paper.student
    entry = {
        "id": s.id, "name": s.name, "email": s.email, "section": s.section, "version_code": paper.version_code,
        "questions": [
            {"number": q.number, "section": q.section, "template": q.template, "template_version": q.variant.version,
             "seed": q.seed, "difficulty": q.difficulty, "points": q.points, "variant_id": q.variant.variant_id,
             "slots": {v.slot.id: {"grade_id": v.grade_id, "variable": v.variable, "points": v.points,
                                   "type": v.slot.type.spec()} for v in slot_views(q).values()}}
            for q in paper.questions],
    }
    if checksums is not None:
        entry["checksums"] = checksums
    return entry


def locked_checksums(*notebooks: dict) -> dict[str, list[str]]:
    """Locked cell id -> the accepted checksums of its source, over the student notebook and then the others
    (the solution notebook's header differs). Cells only the others have (worked solutions) are not listed:
    a submission must contain every locked cell of the student notebook, unchanged."""
    accepted: dict[str, list[str]] = {}
    for index, notebook in enumerate(notebooks):
        for cell in notebook["cells"]:
            if not cell["metadata"].get("nbgrader", {}).get("locked") or (index and cell["id"] not in accepted):
                continue
            digest = cell_checksum(cell["source"])
            if digest not in accepted.setdefault(cell["id"], []):
                accepted[cell["id"]].append(digest)
    return accepted


def cell_checksum(source: str) -> str:
    """sha256 of a cell's source, blind to what editors change on saving: line endings, trailing spaces
    and blank lines at either end."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest(spec: ExamSpec, students: list[dict], templates) -> dict:
    used = sorted({q["template"] for s in students for q in s["questions"]})
    return {
        "format": 1,
        "generator": f"cnnexam {__version__}",
        "spec": {"file": Path(spec.source).name, "sha256": spec.digest, "content": spec_as_dict(spec)},
        "templates": {t: templates[t].version for t in used},
        "students": students,
    }


def spec_as_dict(spec: ExamSpec) -> dict:
    data = dataclasses.asdict(spec)
    data.pop("source")
    data.pop("digest")
    return data


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _write_json(path: Path, data, sort_keys: bool = True) -> None:
    _write(path, json.dumps(data, indent=1, sort_keys=sort_keys, ensure_ascii=False) + "\n")


def progress_bar(stream=sys.stderr) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal; nothing when output is redirected."""
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} students")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
